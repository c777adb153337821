"""``coords_to_grid``: the validated functional entry point of gridding."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from ._autograd import refuse_gradient
from ._backends import get_backend
from ._inputs import normalise

if TYPE_CHECKING:
    from .gridmaker import GridMaker

__all__ = ["coords_to_grid"]


def coords_to_grid(
    gmaker: GridMaker,
    center,
    coords,
    types,
    radii,
    num_types: int | None = None,
    *,
    radii_per_type: bool | None = None,
) -> torch.Tensor:
    """Grid atoms into per-type density channels with the settings of ``gmaker``.

    Args:
        gmaker: the :class:`~voxbind.GridMaker` whose resolution, size, profile and backend are used.
        center: grid center in Å, ``(3,)``; batched input also takes ``(B, 3)``, one center per example.
        coords: atom coordinates in Å, float32 or float64, ``(N, 3)`` or batched ``(B, N, 3)``.
        types: either integer type indices ``(N,)`` / ``(B, N)`` (negative = ignored atom, e.g. padding;
            ``num_types`` required), or float type weights ``(N, T)`` / ``(B, N, T)`` (an all-zero row
            is an ignored atom). Weights are differentiable.
        radii: atomic radii in Å (scaled by ``gmaker.radius_scale``), per atom ``(N,)`` / ``(B, N)`` or
            per type ``(T,)``. Differentiable.
        num_types: number of channels ``T``; required with index types.
        radii_per_type: whether ``radii`` are per type; inferred from the shape unless both readings fit
            (an unbatched call with as many atoms as types), in which case it is required.

    Returns:
        ``(T, n, n, n)`` or ``(B, T, n, n, n)`` densities in the dtype of ``coords``, laid out as
        (channel, x, y, z). Differentiable twice with respect to coords, type weights, radii and
        center unless the grid is binary.

    Raises:
        GridInputError: malformed shapes, dtypes, non-finite values, type indices out of range,
            negative radii, or ambiguous radii.
        BackendUnavailableError: ``gmaker.backend`` names a backend that cannot run here.
    """
    atoms, batched = normalise(center, coords, types, radii, num_types, radii_per_type, gmaker.radius_scale)
    backend = get_backend(gmaker.backend, atoms.rel.device)
    geom = gmaker.geometry
    if geom.profile.binary:
        with torch.no_grad():
            grid = backend.grid(atoms, geom, set_binary=atoms.index_types)
        grid = refuse_gradient(grid, atoms.rel, atoms.weights, atoms.radii)
    else:
        grid = backend.grid(atoms, geom)
    return grid if batched else grid[0]
