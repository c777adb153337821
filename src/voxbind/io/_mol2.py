"""Tripos MOL2 (multi-molecule files)."""

from __future__ import annotations

from rdkit import Chem

from ..errors import InvalidFileError
from ._chem import check_atoms, collect, sanitize
from .molecule import Molecule


def read_mol2(lines: list[str], path: str, skip_bad: bool = False) -> list[Molecule]:
    starts = [i for i, line in enumerate(lines) if line.strip().upper() == "@<TRIPOS>MOLECULE"]
    if not starts:
        raise InvalidFileError(path, "", "no @<TRIPOS>MOLECULE section")
    ends = [*starts[1:], len(lines)]
    return collect(
        enumerate(zip(starts, ends, strict=True), 1), lambda item: _record(*item, lines, path), skip_bad
    )


def _record(index: int, span: tuple[int, int], lines: list[str], path: str) -> Molecule:
    begin, end = span
    where = f"record {index} (line {begin + 1})"
    block = lines[begin:end]
    if not any(line.strip().upper() == "@<TRIPOS>ATOM" for line in block):
        raise InvalidFileError(path, where, "no @<TRIPOS>ATOM section")
    _check_counts(block, path, begin)
    try:
        mol = Chem.MolFromMol2Block("\n".join(block) + "\n", sanitize=False, removeHs=False)
    except Exception as err:
        raise InvalidFileError(path, where, f"unreadable MOL2 record ({err})") from err
    if mol is None:
        raise InvalidFileError(path, where, "unreadable MOL2 record (bad atom or bond lines)")
    check_atoms(mol, path, where)
    sanitize(mol, f"{path}, {where}")
    name = block[1].strip() if len(block) > 1 else ""
    return Molecule(mol, name, f"{path}, {where}", record=index)


def _section_lines(block: list[str], name: str) -> int:
    """The number of non-blank lines in the ``@<TRIPOS>name`` section of a record."""
    count, inside = 0, False
    for line in block:
        head = line.strip().upper()
        if head.startswith("@<TRIPOS>"):
            inside = head == f"@<TRIPOS>{name}"
        elif inside and head:
            count += 1
    return count


def _check_counts(block: list[str], path: str, begin: int) -> None:
    """Refuse a header whose atom or bond count the record has no lines for (RDKit would allocate for
    the announced count first: a 200-byte file announcing a billion atoms would take gigabytes)."""
    where = f"line {begin + 3}"
    fields = block[2].split() if len(block) > 2 else []
    try:
        atoms, bonds = int(fields[0]), int(fields[1]) if len(fields) > 1 else 0
    except (ValueError, IndexError):
        raise InvalidFileError(path, where, f"expected the atom and bond counts, got {fields[:2]}") from None
    for what, announced, present in (
        ("atom", atoms, _section_lines(block, "ATOM")),
        ("bond", bonds, _section_lines(block, "BOND")),
    ):
        if not 0 <= announced <= present:
            raise InvalidFileError(
                path,
                where,
                f"the header announces {announced} {what}s, the record has {present} {what} line(s)",
            )
