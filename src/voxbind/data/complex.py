"""One way to build a complex: a typed receptor, typed ligand(s) and a grid centre become an :class:`Example`.

The dataset, scoring and the command line all build their complexes here, so a grid made by any of them
has the same channels, atoms and centre.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..atomtypes.typed import TypedAtoms, combine
from ..errors import InvalidArgumentError
from ..grid import GridMaker
from ._reach import in_sphere

#: Named grid centres: the last non-empty molecule's centroid (libmolgrid's choice), or the ligands'.
CENTERS = ("last", "ligands")


@dataclass(frozen=True, eq=False)
class Example:
    """One complex, ready for gridding.

    Attributes:
        atoms: every atom, receptor channels first then ligand channels (all molecules after the first
            share the ligand channels): coordinates ``(N, 3)`` float32 in Å, types, radii.
        labels: ``(L,)`` float32 labels (``L`` may be 0).
        center: ``(3,)`` float64 grid center in Å.
        index: the example's index in its dataset or job (``-1`` for padding).
        group: the group id, or ``-1``.
    """

    atoms: TypedAtoms
    labels: np.ndarray
    center: np.ndarray
    index: int
    group: int = -1


def make_example(
    receptor: TypedAtoms,
    ligands: Sequence[TypedAtoms],
    *,
    center: str | Sequence[float] | np.ndarray = "last",
    labels: np.ndarray | None = None,
    index: int = -1,
    group: int = -1,
    crop_to: GridMaker | None = None,
) -> Example:
    """The complex of ``receptor`` and ``ligands`` with its grid centre.

    Args:
        receptor: the receptor's typed atoms (receptor channels; may be empty).
        ligands: one or more typed molecules sharing the ligand channels (each may be empty).
        center: ``"last"``: the centroid of the last molecule with atoms (the ligand, normally; as
            libmolgrid); ``"ligands"``: the centroid of all ligand atoms (``"last"`` when there are none);
            or a point ``(3,)`` in Å.
        labels: ``(L,)`` labels; default none.
        index, group: stored in the example.
        crop_to: keep only the receptor atoms whose density can reach this grid, centred at the
            centre, in any orientation (within ``√3`` half-widths plus their reach): what scoring a pose
            needs of a whole receptor. The grids are the same as without it; batching crops exactly.

    Raises:
        InvalidArgumentError: no ligands, ligands with different channels, or an unknown ``center``.
    """
    if not ligands:
        raise InvalidArgumentError("a complex needs at least one (possibly empty) ligand molecule")
    ligand = ligands[0] if len(ligands) == 1 else _concat(ligands)
    if isinstance(center, str):
        if center not in CENTERS:
            raise InvalidArgumentError(f"center must be one of {CENTERS} or a point (3,), not {center!r}")
        if center == "ligands" and ligand.num_atoms:
            point = ligand.centroid()
        else:
            non_empty = [m for m in (receptor, *ligands) if m.num_atoms]
            point = non_empty[-1].centroid() if non_empty else np.zeros(3)
    else:
        point = np.asarray(center, dtype=np.float64)
        if point.shape != (3,) or not np.isfinite(point).all():
            raise InvalidArgumentError(f"a grid centre is 3 finite numbers (Å), not {center!r}")
    point = np.asarray(point, dtype=np.float64)
    if crop_to is not None:
        receptor = _near(receptor, point, crop_to)
    return Example(
        atoms=combine(receptor, ligand),
        labels=np.zeros(0, np.float32) if labels is None else labels,
        center=point,
        index=index,
        group=group,
    )


def _concat(parts: Sequence[TypedAtoms]) -> TypedAtoms:
    names = parts[0].channel_names
    if any(p.channel_names != names for p in parts):
        raise InvalidArgumentError("ligand molecules of one complex must share their channels")
    return TypedAtoms(
        np.concatenate([p.coords for p in parts]),
        np.concatenate([p.types for p in parts]),
        np.concatenate([p.radii for p in parts]),
        names,
    )


def _near(atoms: TypedAtoms, center: np.ndarray, gridmaker: GridMaker) -> TypedAtoms:
    """The atoms whose density reaches the grid of ``gridmaker`` at ``center`` in some orientation."""
    geom = gridmaker.geometry
    half = (geom.n - 1) * geom.resolution / 2
    keep = in_sphere(
        atoms.coords, atoms.radii, center, math.sqrt(3) * half, geom.profile.cutoff * gridmaker.radius_scale
    )
    return TypedAtoms(atoms.coords[keep], atoms.types[keep], atoms.radii[keep], atoms.channel_names)
