"""A map-style dataset of protein–ligand complexes described by a ``.types`` file."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..atomtypes.typed import TypedAtoms, combine
from ..atomtypes.typers import Typer, default_ligand_typer, default_receptor_typer
from .molecule_cache import MoleculeStore
from .types_file import TypesFile, read_types


@dataclass(frozen=True, eq=False)
class Example:
    """One complex, ready for gridding.

    Attributes:
        atoms: every atom, receptor channels first then ligand channels (all molecules after the first
            share the ligand channels): coordinates ``(N, 3)`` float32 in Å, types, radii.
        labels: ``(L,)`` float32 labels of the line.
        center: ``(3,)`` float64 grid center in Å.
        index: the example's line index in the dataset (``-1`` for padding).
        group: the group id, or ``-1``.
    """

    atoms: TypedAtoms
    labels: np.ndarray
    center: np.ndarray
    index: int
    group: int = -1


class ComplexDataset(torch.utils.data.Dataset):
    """Typed complexes from a ``.types`` file; ``dataset[i]`` is an :class:`Example`.

    Args:
        types: a ``.types`` path or a parsed :class:`TypesFile`.
        data_root: folder molecule names are relative to (default: the ``.types`` file's folder).
        receptor_typer: typer of the first molecule of each line (default: GNINA's 14 receptor channels).
        ligand_typer: typer of the other molecules (default: GNINA's 14 ligand channels).
        molcaches: ``.molcache2`` files holding (some of) the molecules, looked up by name, memory-mapped.
        cache_bytes: bound of the per-process in-memory cache of typed molecules.
        center: ``"last"`` — centroid of the last non-empty molecule (libmolgrid's choice: the ligand),
            ``"ligands"`` — centroid of all molecules after the first, or an ``(N, 3)`` array of centers.
        num_labels, group: passed to :func:`read_types` when ``types`` is a path.

    Indexing with a sequence of indices (``-1`` = padding) returns a list of examples, ``None`` for
    padding: that is what :class:`~voxbind.data.GroupedSampler` asks for.
    """

    def __init__(
        self,
        types: str | os.PathLike | TypesFile,
        *,
        data_root: str | os.PathLike | None = None,
        receptor_typer: Typer | None = None,
        ligand_typer: Typer | None = None,
        molcaches: Sequence[str | os.PathLike] = (),
        cache_bytes: int = 256 << 20,
        center: str | np.ndarray = "last",
        num_labels: int | None = None,
        group: bool = False,
    ):
        if not isinstance(types, TypesFile):
            types = read_types(types, num_labels=num_labels, group=group, data_root=data_root)
        self.types = types
        root = data_root if data_root is not None else types.resolve("")
        self.store = MoleculeStore(root, molcaches, cache_bytes)
        self.receptor_typer = receptor_typer or default_receptor_typer()
        self.ligand_typer = ligand_typer or default_ligand_typer()
        if isinstance(center, str):
            if center not in ("last", "ligands"):
                raise ValueError(f"center must be 'last', 'ligands' or an (N, 3) array, not {center!r}")
        else:
            center = np.asarray(center, dtype=np.float64)
            if center.shape != (len(types), 3):
                raise ValueError(f"centers must have shape ({len(types)}, 3), not {center.shape}")
        self.center = center

    def __len__(self) -> int:
        return len(self.types)

    @property
    def num_channels(self) -> int:
        return self.receptor_typer.num_channels + self.ligand_typer.num_channels

    @property
    def channel_names(self) -> tuple[str, ...]:
        return (*self.receptor_typer.channel_names, *self.ligand_typer.channel_names)

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)):
            return self.example(int(index))
        return [None if int(i) < 0 else self.example(int(i)) for i in index]

    def molecules(self, i: int) -> list[TypedAtoms]:
        """The typed molecules of example ``i``, in file order (``none`` entries as empty molecules)."""
        out = []
        for k, name in enumerate(self.types.files(i)):
            typer = self.receptor_typer if k == 0 else self.ligand_typer
            if name is None:
                out.append(_empty(typer))
            else:
                out.append(self.store.load(name, typer))
        return out

    def example(self, i: int) -> Example:
        if not -len(self) <= i < len(self):
            raise IndexError(f"example {i} of {len(self)}")
        i %= len(self)
        parts = self.molecules(i)
        receptor = parts[0]
        ligands = parts[1:] or [_empty(self.ligand_typer)]
        ligand = ligands[0] if len(ligands) == 1 else _concat(ligands)
        atoms = combine(receptor, ligand)
        if isinstance(self.center, np.ndarray):
            center = self.center[i]
        elif self.center == "ligands" and ligand.num_atoms:
            center = ligand.centroid()
        else:
            non_empty = [p for p in parts if p.num_atoms]
            center = non_empty[-1].centroid() if non_empty else np.zeros(3)
        groups = self.types.groups
        return Example(
            atoms=atoms,
            labels=self.types.labels[i],
            center=np.asarray(center, dtype=np.float64),
            index=i,
            group=-1 if groups is None else int(groups[i]),
        )


def _empty(typer: Typer) -> TypedAtoms:
    return TypedAtoms(
        np.zeros((0, 3), np.float32), np.zeros(0, np.int64), np.zeros(0, np.float32), typer.channel_names
    )


def _concat(parts: list[TypedAtoms]) -> TypedAtoms:
    return TypedAtoms(
        np.concatenate([p.coords for p in parts]),
        np.concatenate([p.types for p in parts]),
        np.concatenate([p.radii for p in parts]),
        parts[0].channel_names,
    )
