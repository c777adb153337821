"""GNINA's ``.molcache2`` container of gninatypes molecules, memory-mapped.

Layout (little-endian): ``int32 -1``, ``uint64 index_offset``; molecule blocks ``uint32 natoms`` followed by
``natoms`` gninatypes records; from ``index_offset`` to the end of the file, entries
``uint8 name_length, name bytes, uint64 block_offset``.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator, Mapping

import numpy as np

from ..atomtypes.typed import TypedAtoms
from ..errors import InvalidFileError
from .gninatypes import RECORD, decode_gninatypes, encode_gninatypes

_HEADER = struct.Struct("<iQ")


class MolCache2(Mapping[str, TypedAtoms]):
    """A read-only, memory-mapped ``.molcache2``: ``cache[name]`` reads one molecule.

    Only the name index is read when the file is opened; molecule blocks are read from the mapping on
    lookup. Names are the paths used in ``.types`` files.

    Raises:
        InvalidFileError: a bad header, a malformed or out-of-range index entry, or (on lookup) a block
            that runs past the end of the file.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        try:
            self._data = np.memmap(self.path, dtype=np.uint8, mode="r")
        except (OSError, ValueError) as err:
            raise InvalidFileError(self.path, "", f"cannot map: {err}") from err
        size = self._data.size
        if size < _HEADER.size:
            raise InvalidFileError(self.path, "header", f"{size} bytes is too short for the header")
        magic, index_offset = _HEADER.unpack(self._data[: _HEADER.size].tobytes())
        if magic != -1:
            raise InvalidFileError(
                self.path, "header", f"not a molcache2 file (first int32 is {magic}, not -1)"
            )
        if not _HEADER.size <= index_offset <= size:
            raise InvalidFileError(
                self.path, "header", f"index offset {index_offset} outside the file ({size} bytes)"
            )
        self._offsets = self._read_index(index_offset, size)

    def _read_index(self, start: int, size: int) -> dict[str, int]:
        index = self._data[start:size].tobytes()
        offsets: dict[str, int] = {}
        pos = 0
        while pos < len(index):
            where = f"index entry at byte {start + pos}"
            length = index[pos]
            end = pos + 1 + length + 8
            if end > len(index):
                raise InvalidFileError(self.path, where, "truncated index entry")
            name = index[pos + 1 : pos + 1 + length].decode("utf-8", errors="replace")
            (offset,) = struct.unpack_from("<Q", index, pos + 1 + length)
            if not _HEADER.size <= offset <= start - 4:
                raise InvalidFileError(
                    self.path, where, f"block offset {offset} of {name!r} outside the data"
                )
            offsets[name] = offset
            pos = end
        return offsets

    def __getitem__(self, name: str) -> TypedAtoms:
        offset = self._offsets[name]
        (count,) = struct.unpack("<I", self._data[offset : offset + 4].tobytes())
        begin, end = offset + 4, offset + 4 + count * RECORD.itemsize
        if end > self._data.size:
            raise InvalidFileError(
                self.path, f"molecule {name!r}", f"{count} atoms run past the end of the file"
            )
        return decode_gninatypes(np.asarray(self._data[begin:end]), self.path, f"molecule {name!r}")

    def __iter__(self) -> Iterator[str]:
        return iter(self._offsets)

    def __len__(self) -> int:
        return len(self._offsets)

    def __contains__(self, name: object) -> bool:
        return name in self._offsets


def write_molcache2(path: str | os.PathLike, molecules: Iterable[tuple[str, TypedAtoms]]) -> None:
    """Write ``(name, atoms)`` pairs (atoms with GNINA's 28 index types) as a ``.molcache2`` file.

    Raises:
        ValueError: a name longer than 255 UTF-8 bytes, a repeated name, or atoms not in GNINA types.
    """
    index: list[tuple[bytes, int]] = []
    seen: set[str] = set()
    with open(path, "wb") as handle:
        handle.write(_HEADER.pack(-1, 0))
        for name, atoms in molecules:
            encoded = name.encode("utf-8")
            if len(encoded) > 255:
                raise ValueError(f"molcache2 names are at most 255 bytes: {name!r}")
            if name in seen:
                raise ValueError(f"repeated molecule name {name!r}")
            if atoms.vector or atoms.num_channels != 28:
                raise ValueError(f"{name!r}: molcache2 holds GNINA's 28 index types")
            seen.add(name)
            index.append((encoded, handle.tell()))
            handle.write(struct.pack("<I", atoms.num_atoms))
            handle.write(encode_gninatypes(atoms.coords, atoms.types))
        index_offset = handle.tell()
        for encoded, offset in index:
            handle.write(struct.pack("<B", len(encoded)) + encoded + struct.pack("<Q", offset))
        handle.seek(0)
        handle.write(_HEADER.pack(-1, index_offset))
