"""Typed molecules by file name, read once: memory-mapped ``.molcache2`` files and a bounded memory cache."""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from ..atomtypes.molcache2 import MolCache2
from ..atomtypes.reading import gnina_typed, is_gninatypes, read_typed_molecule, read_typed_molecules
from ..atomtypes.typed import TypedAtoms
from ..atomtypes.typers import Typer
from ..errors import InvalidFileError


def _nbytes(atoms: TypedAtoms) -> int:
    return atoms.coords.nbytes + atoms.types.nbytes + atoms.radii.nbytes + 200


class LRUCache:
    """A least-recently-used cache bounded by the bytes of the :class:`TypedAtoms` it holds."""

    def __init__(self, max_bytes: int):
        self.max_bytes = int(max_bytes)
        self.nbytes = 0
        self._items: OrderedDict[object, TypedAtoms] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key) -> TypedAtoms | None:
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def put(self, key, atoms: TypedAtoms) -> None:
        size = _nbytes(atoms)
        if size > self.max_bytes:
            return
        old = self._items.pop(key, None)
        if old is not None:
            self.nbytes -= _nbytes(old)
        self._items[key] = atoms
        self.nbytes += size
        while self.nbytes > self.max_bytes:
            _, dropped = self._items.popitem(last=False)
            self.nbytes -= _nbytes(dropped)


class MoleculeStore:
    """Loads typed molecules named in ``.types`` files.

    A name is looked up, in order, in the memory cache, in the ``.molcache2`` files (by the name as
    written), then read from ``root / name``: ``.gninatypes`` directly (GNINA types, mapped by the
    typer's channel map), structure files through :func:`~voxbind.atomtypes.read_typed_molecules` —
    their first molecule, or, for a name ``file.sdf#k``, its ``k``-th readable pose (0-based; a
    malformed record is left out with a warning; every pose of the file is typed and cached on the first
    read). Molcache2 files are opened lazily in each process, so a store can be sent to ``DataLoader``
    workers.

    Args:
        root: folder the names are relative to.
        molcaches: ``.molcache2`` files to look names up in.
        cache_bytes: bound of the in-memory cache (per process); 0 turns it off.
    """

    def __init__(
        self, root: str | os.PathLike, molcaches: Sequence[str | os.PathLike] = (), cache_bytes=256 << 20
    ):
        self.root = Path(root)
        self.molcache_paths = [os.fspath(p) for p in molcaches]
        self.cache = LRUCache(cache_bytes)
        self._molcaches: list[MolCache2] | None = None

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_molcaches"] = None
        state["cache"] = LRUCache(self.cache.max_bytes)
        return state

    @property
    def molcaches(self) -> list[MolCache2]:
        if self._molcaches is None:
            self._molcaches = [MolCache2(p) for p in self.molcache_paths]
        return self._molcaches

    def load(self, name: str, typer: Typer) -> TypedAtoms:
        """The molecule ``name`` typed by ``typer`` (cached per typer and name)."""
        key = (id(typer), name)
        atoms = self.cache.get(key)
        if atoms is None:
            atoms = self._read(name, typer)
            self.cache.put(key, atoms)
        return atoms

    def _read(self, name: str, typer: Typer) -> TypedAtoms:
        for cache in self.molcaches:
            if name in cache:
                return gnina_typed(cache[name], typer, f"{cache.path}: {name}")
        if is_gninatypes(name):  # no pose suffix, and never a "#" in GNINA's own names
            return read_typed_molecule(self.root / name, typer)
        file, pose = split_pose(name)
        path = self.root / file
        if not path.exists():
            raise InvalidFileError(path, "", "no such file (and not in any molcache2)")
        if pose is None:
            molecules = read_typed_molecules(path, typer)
            if len(molecules) != 1:
                raise InvalidFileError(
                    path, "", f"expected one molecule, found {len(molecules)} (a file of several poses: "
                    "make each pose an example with --pose-files, or pose_files = true in a training config)",
                )  # fmt: skip
            return molecules[0]
        poses = read_typed_molecules(path, typer, errors="skip")
        if pose >= len(poses):
            raise InvalidFileError(path, f"pose {pose}", f"the file holds {len(poses)} pose(s)")
        for k, atoms in enumerate(poses):
            self.cache.put((id(typer), f"{file}#{k}"), atoms)
        return poses[pose]


def split_pose(name: str) -> tuple[str, int | None]:
    """``("poses.sdf", 3)`` for ``"poses.sdf#3"``; ``(name, None)`` without a pose suffix."""
    file, sep, index = name.rpartition("#")
    if sep and index.isdigit():
        return file, int(index)
    return name, None
