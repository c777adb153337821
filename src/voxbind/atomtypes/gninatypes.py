"""GNINA's ``.gninatypes``: 16-byte little-endian records ``float32 x, y, z; int32 type``, no header."""

from __future__ import annotations

import os

import numpy as np

from .._atomic import atomic_write
from ..errors import InvalidArgumentError, InvalidFileError
from ..io.source import Source, read_bytes, source_name
from .gnina import GNINA_TYPE_NAMES, GNINA_XS_RADII
from .typed import TypedAtoms

#: One record: coordinates in Å and the GNINA type index.
RECORD = np.dtype([("x", "<f4"), ("y", "<f4"), ("z", "<f4"), ("type", "<i4")])


def decode_gninatypes(data: bytes | memoryview | np.ndarray, path: str, where: str = "") -> TypedAtoms:
    """Typed atoms from the bytes of gninatypes records (see :func:`read_gninatypes`)."""
    raw = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data
    if raw.size % RECORD.itemsize:
        raise InvalidFileError(
            path,
            where,
            f"{raw.size} bytes is not a whole number of {RECORD.itemsize}-byte records (truncated?)",
        )
    records = raw.view(RECORD)
    coords = np.stack([records["x"], records["y"], records["z"]], axis=1).astype(np.float32)
    types = records["type"].astype(np.int64)
    bad = (types < 0) | (types >= len(GNINA_TYPE_NAMES))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidFileError(
            path, f"{where + ', ' if where else ''}record {i + 1}", f"type {types[i]} not in 0..27"
        )
    finite = np.isfinite(coords).all(axis=1)
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        raise InvalidFileError(
            path, f"{where + ', ' if where else ''}record {i + 1}", "non-finite coordinates"
        )
    return TypedAtoms(coords, types, GNINA_XS_RADII[types], GNINA_TYPE_NAMES)


def read_gninatypes(source: Source) -> TypedAtoms:
    """Read a ``.gninatypes`` file.

    Returns:
        :class:`~voxbind.atomtypes.TypedAtoms` with ``(N, 3)`` float32 coordinates (Å), ``(N,)`` int64 GNINA
        type indices, their X-Score radii and GNINA's 28 type names. Map it onto channels with
        :meth:`voxbind.atomtypes.GninaTyper.from_gnina_types`, or read it with
        :func:`~voxbind.atomtypes.read_typed_molecule`, which does both.

    Raises:
        InvalidFileError: truncated records, types outside 0-27, or non-finite coordinates.
    """
    return decode_gninatypes(read_bytes(source), source_name(source))


def encode_gninatypes(coords: np.ndarray, types: np.ndarray) -> bytes:
    """The bytes of gninatypes records for ``(N, 3)`` coordinates (Å) and ``(N,)`` GNINA type indices."""
    coords = np.asarray(coords, dtype=np.float32).reshape(-1, 3)
    types = np.asarray(types).reshape(-1)
    if len(types) != len(coords):
        raise InvalidArgumentError(f"{len(coords)} coordinates but {len(types)} types")
    records = np.empty(len(coords), dtype=RECORD)
    records["x"], records["y"], records["z"] = coords[:, 0], coords[:, 1], coords[:, 2]
    records["type"] = types
    return records.tobytes()


def write_gninatypes(path: str | os.PathLike, atoms: TypedAtoms) -> None:
    """Write atoms typed with GNINA's 28 types (index types) as a ``.gninatypes`` file (under a temporary
    name, renamed into place when complete)."""
    if atoms.vector or atoms.channel_names != GNINA_TYPE_NAMES:
        raise InvalidArgumentError(
            "gninatypes holds GNINA's 28 index types; type with GninaTyper() (the identity map)"
        )
    with atomic_write(path) as handle:
        handle.write(encode_gninatypes(atoms.coords, atoms.types))
