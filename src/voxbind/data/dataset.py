"""A map-style dataset of protein–ligand complexes described by a ``.types`` file."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import torch

from ..atomtypes.typed import TypedAtoms
from ..atomtypes.typers import Typer, default_ligand_typer, default_receptor_typer
from ..errors import InvalidArgumentError
from ..io.structures import read_molecules
from .complex import CENTERS, Example, make_example
from .molecule_cache import MoleculeStore
from .types_file import TypesFile, expand_poses, read_types


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
            if center not in CENTERS:
                raise InvalidArgumentError(
                    f"center must be 'last', 'ligands' or an (N, 3) array, not {center!r}"
                )
        else:
            center = np.asarray(center, dtype=np.float64)
            if center.shape != (len(types), 3):
                raise InvalidArgumentError(f"centers must have shape ({len(types)}, 3), not {center.shape}")
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
                out.append(TypedAtoms.empty(typer.channel_names))
            else:
                out.append(self.store.load(name, typer))
        return out

    def example(self, i: int) -> Example:
        if not -len(self) <= i < len(self):
            raise IndexError(f"example {i} of {len(self)}")
        i %= len(self)
        receptor, *ligands = self.molecules(i)
        groups = self.types.groups
        return make_example(
            receptor,
            ligands or [TypedAtoms.empty(self.ligand_typer.channel_names)],
            center=self.center[i] if isinstance(self.center, np.ndarray) else self.center,
            labels=self.types.labels[i],
            index=i,
            group=-1 if groups is None else int(groups[i]),
        )


def open_dataset(
    types: str | os.PathLike,
    *,
    data_root: str | os.PathLike | None = None,
    molcaches: Sequence[str | os.PathLike] = (),
    num_labels: int | None = None,
    group: bool = False,
    pose_files: bool = False,
) -> ComplexDataset:
    """A :class:`ComplexDataset` as training and evaluation configure it.

    Args:
        types: the ``.types`` file.
        data_root, molcaches, num_labels, group: as :class:`ComplexDataset`.
        pose_files: each line is a compound whose last molecule file (e.g. an SDF) holds all its poses:
            the lines are expanded to one example per pose, grouped by line (:func:`expand_poses`);
            ``group`` is then implied.
    """
    if not pose_files:
        return ComplexDataset(
            types, data_root=data_root, molcaches=molcaches, num_labels=num_labels, group=group
        )
    table = per_pose(read_types(types, num_labels=num_labels, data_root=data_root))
    return ComplexDataset(table, data_root=data_root, molcaches=molcaches)


def per_pose(table: TypesFile) -> TypesFile:
    """``table`` with each line's last molecule file taken as a compound's poses: one line per pose,
    grouped by the original line (:func:`expand_poses`; each file is read once to count its poses)."""
    counts: dict[str, int] = {}

    def count(name: str) -> int:
        if name not in counts:
            counts[name] = len(read_molecules(table.resolve(name), errors="skip"))
        return counts[name]

    return expand_poses(table, count)
