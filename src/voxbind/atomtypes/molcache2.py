"""GNINA's ``.molcache2`` container of gninatypes molecules, memory-mapped.

Layout (little-endian): ``int32 -1``, ``uint64 index_offset``; molecule blocks ``uint32 natoms`` followed by
``natoms`` gninatypes records; from ``index_offset`` to the end of the file, entries
``uint8 name_length, name bytes, uint64 block_offset``.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator, Mapping

import numba
import numpy as np

from .._atomic import atomic_write
from ..errors import InvalidArgumentError, InvalidFileError
from .gninatypes import RECORD, decode_gninatypes, encode_gninatypes
from .typed import TypedAtoms

_HEADER = struct.Struct("<iQ")


@numba.njit(cache=True, nogil=True)
def _scan_index(index):  # pragma: no cover - compiled
    """Entries ``uint8 length, name, uint64 offset`` of an index: name starts, lengths, offsets, and the
    position of a truncated entry (``-1`` if none)."""
    count = 0
    pos = 0
    while pos < index.size:
        pos += 1 + index[pos] + 8
        count += 1
    name_at = np.empty(count, np.int64)
    lengths = np.empty(count, np.int64)
    offsets = np.empty(count, np.uint64)
    pos = 0
    for k in range(count):
        length = index[pos]
        if pos + 1 + length + 8 > index.size:
            return name_at[:k], lengths[:k], offsets[:k], pos
        name_at[k] = pos + 1
        lengths[k] = length
        value = np.uint64(0)
        for b in range(8):
            value |= np.uint64(index[pos + 1 + length + b]) << np.uint64(8 * b)
        offsets[k] = value
        pos += 1 + length + 8
    return name_at, lengths, offsets, -1


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
        if index_offset == 0:
            raise InvalidFileError(self.path, "header", "incomplete: its writer did not finish (no index)")
        if not _HEADER.size <= index_offset <= size:
            raise InvalidFileError(
                self.path,
                "header",
                f"truncated: the index at byte {index_offset} lies past the end ({size} bytes)",
            )
        self._offsets = self._read_index(index_offset, size)

    def _read_index(self, start: int, size: int) -> dict[bytes, int]:
        index = np.asarray(self._data[start:size])
        name_at, lengths, offsets, bad = _scan_index(index)
        if bad >= 0:
            raise InvalidFileError(self.path, f"index entry at byte {start + bad}", "truncated index entry")
        outside = (offsets < _HEADER.size) | (offsets > start - 4)
        if outside.any():
            k = int(np.flatnonzero(outside)[0])
            name = index[name_at[k] : name_at[k] + lengths[k]].tobytes().decode("utf-8", errors="replace")
            raise InvalidFileError(
                self.path, f"index entry at byte {start + name_at[k] - 1}",
                f"block offset {int(offsets[k])} of {name!r} outside the data",
            )  # fmt: skip
        blob = index.tobytes()
        names = [blob[a : a + n] for a, n in zip(name_at.tolist(), lengths.tolist(), strict=True)]
        return dict(zip(names, offsets.tolist(), strict=True))

    def __getitem__(self, name: str) -> TypedAtoms:
        offset = self._offsets[name.encode("utf-8")]
        (count,) = struct.unpack("<I", self._data[offset : offset + 4].tobytes())
        begin, end = offset + 4, offset + 4 + count * RECORD.itemsize
        if end > self._data.size:
            raise InvalidFileError(
                self.path, f"molecule {name!r}", f"truncated: {count} atoms run past the end of the file"
            )
        return decode_gninatypes(np.asarray(self._data[begin:end]), self.path, f"molecule {name!r}")

    def __iter__(self) -> Iterator[str]:
        return (name.decode("utf-8", errors="replace") for name in self._offsets)

    def __len__(self) -> int:
        return len(self._offsets)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.encode("utf-8") in self._offsets


def write_molcache2(path: str | os.PathLike, molecules: Iterable[tuple[str, TypedAtoms]]) -> None:
    """Write ``(name, atoms)`` pairs (atoms with GNINA's 28 index types) as a ``.molcache2`` file.

    The file is written under a temporary name and renamed into place when complete: an existing cache
    stays whole (and readable by processes that have it mapped) until then, and an interrupted write
    leaves only a ``.partial`` file.

    Raises:
        ValueError: a name longer than 255 UTF-8 bytes, a repeated name, or atoms not in GNINA types.
    """
    index: list[tuple[bytes, int]] = []
    seen: set[str] = set()
    with atomic_write(path) as handle:
        handle.write(_HEADER.pack(-1, 0))
        for name, atoms in molecules:
            encoded = name.encode("utf-8")
            if len(encoded) > 255:
                raise InvalidArgumentError(f"molcache2 names are at most 255 bytes: {name!r}")
            if name in seen:
                raise InvalidArgumentError(f"repeated molecule name {name!r}")
            if atoms.vector or atoms.num_channels != 28:
                raise InvalidArgumentError(f"{name!r}: molcache2 holds GNINA's 28 index types")
            seen.add(name)
            index.append((encoded, handle.tell()))
            handle.write(struct.pack("<I", atoms.num_atoms))
            handle.write(encode_gninatypes(atoms.coords, atoms.types))
        index_offset = handle.tell()
        for encoded, offset in index:
            handle.write(struct.pack("<B", len(encoded)) + encoded + struct.pack("<Q", offset))
        handle.seek(0)
        handle.write(_HEADER.pack(-1, index_offset))
