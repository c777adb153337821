"""Streaming multi-record files: one molecule at a time, in memory bounded by the largest record.

Docking output is read this way when it is scored: an SDF of a million poses, Vina's multi-model PDBQT or
a multi-molecule MOL2 (each optionally gzipped) is never held whole. mmCIF and XYZ files are read whole.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gzip
import io
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .._choices import ALTLOCS, HYDROGENS, check_choice
from ..errors import InvalidFileError
from ._chem import apply_hydrogens, check_atoms
from ._mol2 import mol2_blocks, mol2_record
from ._pdb import pdb_model, pdb_models
from ._sdf import LastRecord, sdf_record, sdf_records_read
from .molecule import Molecule
from .source import detect_format, read_structure_text
from .structures import parse_molecules


@dataclass(frozen=True)
class UnreadableRecord:
    """A record of a multi-record file that could not be read; the records after it still are.

    Attributes:
        path: the file.
        record: the record's (SDF/MOL2) or model's (PDB/PDBQT) 1-based number in the file.
        error: what is wrong, naming the file, the record and its first line.
    """

    path: str
    record: int
    error: InvalidFileError

    @property
    def reason(self) -> str:
        return self.error.reason


STREAMED = ("sdf", "mol2", "pdb", "pdbqt")


def iter_molecules(
    path: str | os.PathLike,
    format: str | None = None,
    *,
    hydrogens: str = "keep",
    waters: bool = True,
    metals: bool = True,
    altloc: str = "first",
) -> Iterator[Molecule | UnreadableRecord]:
    """Each molecule of ``path`` in file order, read as it comes (the options as
    :func:`~voxbind.io.read_molecules`).

    A malformed record is yielded as an :class:`UnreadableRecord` in its place, so that the caller can
    report and count it; reading goes on with the next record.

    Raises:
        InvalidFileError: the file cannot be opened, is not valid gzip, or (mmCIF, XYZ, read whole) is
            malformed.
        InvalidArgumentError: an unknown ``format``, ``hydrogens`` or ``altloc``.
    """
    options = {"hydrogens": hydrogens, "waters": waters, "metals": metals, "altloc": altloc}
    for _, read in iter_records(path, format, **options):
        yield read()


def iter_records(
    path: str | os.PathLike, format: str | None = None, **options
) -> Iterator[tuple[int, Callable[[], Molecule | UnreadableRecord]]]:
    """``(record number, read)`` for each record of ``path``, split from the file as it comes but parsed
    only when ``read()`` is called (a :class:`~voxbind.io.Molecule`, or an :class:`UnreadableRecord`):
    the records a caller skips (another process's share) cost only their splitting. The options are
    those of :func:`iter_molecules`."""
    options = {"waters": True, "metals": True, "altloc": "first", **options}
    hydrogens = options.pop("hydrogens", "keep")
    check_choice("hydrogens", hydrogens, HYDROGENS)
    check_choice("altloc", options["altloc"], ALTLOCS)
    name = str(path)
    fmt = detect_format(path, format)
    if fmt not in STREAMED:
        for molecule in parse_molecules(read_structure_text(path, fmt), hydrogens=hydrogens, **options):
            yield molecule.record, functools.partial(_same, molecule)
        return
    with _open_text(path) as text:
        for index, build in _records(text, fmt, name, **options):
            yield index, functools.partial(_read, name, index, build, hydrogens)


def _same(molecule: Molecule) -> Molecule:
    return molecule


def _read(path: str, index: int, build: Callable[[], Molecule], hydrogens: str):
    try:
        molecule = build()
        if hydrogens != "keep":
            rdmol = apply_hydrogens(molecule.rdmol, hydrogens)
            check_atoms(rdmol, path, molecule.source)
            molecule = dataclasses.replace(molecule, rdmol=rdmol)
    except InvalidFileError as err:
        return UnreadableRecord(path, index, err)
    return molecule


def _records(text: io.TextIOWrapper, fmt: str, path: str, **pdb_options) -> Iterator[tuple[int, Callable]]:
    """``(record number, reader of that record)`` for each record of a text stream."""
    lines = _lines(text, path)
    if fmt == "sdf":
        last = LastRecord()  # a ligand's poses, one after another, are parsed once
        for index, numbered in enumerate(sdf_records_read(functools.partial(_read_text, text, path)), 1):
            yield index, lambda numbered=numbered, index=index: sdf_record(index, numbered, path, last)
    elif fmt == "mol2":
        for index, numbered in enumerate(mol2_blocks(lines), 1):
            yield index, lambda numbered=numbered, index=index: mol2_record(index, numbered, path)
    else:
        title: list[str] = []
        titled = _title_watch(lines, title)
        options = {"pdbqt": fmt == "pdbqt", **pdb_options}
        for model, records in pdb_models(titled):
            yield model, lambda m=model, r=records: pdb_model(m, r, path, "".join(title[:1]), **options)


def _title_watch(lines: Iterable[str], title: list[str]) -> Iterator[str]:
    """The lines, noting the first ``HEADER``/``COMPND`` title in ``title`` as it passes."""
    for line in lines:
        if not title and line.startswith(("HEADER", "COMPND")):
            title.append(line[10:].strip())
        yield line


@contextlib.contextmanager
def _open_text(path: str | os.PathLike) -> Iterator[io.TextIOWrapper]:
    """A (possibly gzipped) text file with universal line ends, read as it is used (through
    :func:`_lines` or :func:`_read_text`, which report a corrupt gzip stream)."""
    try:
        raw = open(path, "rb")  # noqa: SIM115 (closed below)
    except OSError as err:
        raise InvalidFileError(path, "", f"cannot read: {err.strerror or err}") from err
    with raw:
        binary = gzip.GzipFile(fileobj=raw) if raw.peek(2)[:2] == b"\x1f\x8b" else raw
        with io.TextIOWrapper(binary, encoding="utf-8", errors="replace", newline=None) as text:
            yield text


def _lines(text: io.TextIOWrapper, path: str | os.PathLike) -> Iterator[str]:
    try:
        for line in text:
            yield line.rstrip("\n")
    except (OSError, EOFError, zlib.error) as err:
        raise InvalidFileError(path, "", f"corrupt gzip data: {err}") from err


def _read_text(text: io.TextIOWrapper, path: str | os.PathLike, size: int) -> str:
    try:
        return text.read(size)
    except (OSError, EOFError, zlib.error) as err:
        raise InvalidFileError(path, "", f"corrupt gzip data: {err}") from err


#: The line that starts (MOL2) or ends (SDF, PDB models) each record, by format.
_RECORD_MARKS = {"sdf": b"M  END", "mol2": b"@<TRIPOS>MOLECULE", "pdb": b"ENDMDL", "pdbqt": b"ENDMDL"}


def count_records(path: str | os.PathLike, format: str | None = None) -> int:
    """About how many records ``path`` holds, from a fast scan of its bytes without parsing (for
    progress reports): ``M  END`` lines of an SDF, ``@<TRIPOS>MOLECULE`` lines of a MOL2, models of a
    PDB/PDBQT file (1 without ``ENDMDL``); 1 for other formats."""
    fmt = detect_format(path, format)
    mark = _RECORD_MARKS.get(fmt)
    if mark is None:
        return 1
    count, tail = 0, b"\n"  # a mark on the first line counts too
    with open(path, "rb") as raw:
        stream = gzip.GzipFile(fileobj=raw) if raw.peek(2)[:2] == b"\x1f\x8b" else raw
        try:
            while chunk := stream.read(1 << 22):
                data = tail + chunk
                count += data.count(b"\n" + mark)
                tail = data[-len(mark) :]
        except (OSError, EOFError, zlib.error):
            pass  # the reading itself reports a corrupt file
    return max(count, 1)
