"""Opening files: paths or open files, transparent gzip, a structure file's format from its name.

:func:`read_structure_text` is the one entry from a structure file to its text: the file is read once and
its format detected once; the RDKit readers (:func:`voxbind.io.parse_molecules`) and the PDB column
reader (:func:`voxbind.io.pdb_table.read_pdb_table`) both start from the :class:`StructureText` it returns.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..errors import InvalidArgumentError, InvalidFileError

Source = str | os.PathLike | IO[str] | IO[bytes]

#: File-name suffix (lower case, without ``.gz``) → format name.
SUFFIXES = {
    ".pdb": "pdb",
    ".ent": "pdb",
    ".cif": "cif",
    ".mmcif": "cif",
    ".sdf": "sdf",
    ".mol": "sdf",
    ".sd": "sdf",
    ".mol2": "mol2",
    ".pdbqt": "pdbqt",
    ".xyz": "xyz",
}
FORMATS = tuple(sorted(set(SUFFIXES.values())))
#: Gzip data may inflate to this many times its size, or to MIN_EXPANSION_LIMIT bytes if that is more.
MAX_EXPANSION = 100
MIN_EXPANSION_LIMIT = 64 << 20


def source_name(source: Source) -> str:
    """A name for ``source`` to use in messages: the path, or the open file's ``name``, or ``<stream>``."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return str(getattr(source, "name", "<stream>"))


def detect_format(source: Source, format: str | None) -> str:
    """The format to read ``source`` with: ``format`` if given, else from the (``.gz``-stripped) suffix."""
    name = source_name(source)
    if format is not None:
        fmt = format.lower().lstrip(".")
        fmt = SUFFIXES.get("." + fmt, fmt)
        if fmt not in FORMATS:
            raise InvalidArgumentError(f"unknown structure format {format!r}; known: {', '.join(FORMATS)}")
        return fmt
    path = Path(name.lower())
    if path.suffix == ".gz":
        path = path.with_suffix("")
    try:
        return SUFFIXES[path.suffix]
    except KeyError:
        known = ", ".join(sorted(SUFFIXES))
        raise InvalidFileError(
            name,
            "",
            f"cannot tell the format from the suffix {path.suffix!r}; known suffixes: {known} (.gz too)",
        ) from None


def read_bytes(source: Source) -> bytes:
    """The whole content of ``source`` as bytes, gunzipped when it is gzip data."""
    name = source_name(source)
    if isinstance(source, (str, os.PathLike)):
        try:
            data = Path(source).read_bytes()
        except OSError as err:
            raise InvalidFileError(name, "", f"cannot read: {err.strerror or err}") from err
    else:
        raw = source.read()
        data = raw.encode() if isinstance(raw, str) else raw
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, name)
    return data


def _gunzip(data: bytes, name: str) -> bytes:
    """Decompress gzip ``data`` in a stream, stopping at :data:`MAX_EXPANSION` times its size (beyond a
    floor of :data:`MIN_EXPANSION_LIMIT` bytes): text structure files compress 3-20 times, while a
    file that inflates a thousandfold is a decompression bomb."""
    limit = max(MIN_EXPANSION_LIMIT, MAX_EXPANSION * len(data))
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            out = stream.read(limit + 1)
    except (OSError, EOFError, zlib.error) as err:
        raise InvalidFileError(name, "", f"corrupt gzip data: {err}") from err
    if len(out) > limit:
        raise InvalidFileError(
            name, "", f"gzip data inflating past {limit >> 20} MiB ({MAX_EXPANSION}x its {len(data)} bytes); "
            "not read, as a likely decompression bomb",
        )  # fmt: skip
    return out


def read_text(source: Source) -> str:
    """The whole content of ``source`` as text (UTF-8, undecodable bytes replaced)."""
    return read_bytes(source).decode("utf-8", errors="replace")


@dataclass(frozen=True, eq=False)
class StructureText:
    """A structure file's content, read once.

    Attributes:
        name: the path (or the open file's name), for messages.
        format: ``"pdb"``, ``"cif"``, ``"sdf"``, ``"mol2"``, ``"pdbqt"`` or ``"xyz"``.
        text: the decoded text with every line end (``\\r\\n``, ``\\n``, ``\\r``) as ``\\n``.
    """

    name: str
    format: str
    text: str

    @property
    def lines(self) -> list[str]:
        """The lines, without their line ends."""
        return self.text.split("\n")


def read_structure_text(source: Source, format: str | None = None) -> StructureText:
    """Read a structure file once: its format (``format``, else from the suffix; see :func:`detect_format`),
    then its text.

    Raises:
        InvalidArgumentError: an unknown ``format``.
        InvalidFileError: no format can be told from the name, or the file cannot be read.
    """
    fmt = detect_format(source, format)
    text = io.StringIO(read_text(source), newline=None).read()
    return StructureText(source_name(source), fmt, text)
