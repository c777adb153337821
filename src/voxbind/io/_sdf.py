"""SDF / MOL records (multi-pose files: every record is a pose)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rdkit import Chem

from ..errors import InvalidFileError
from ._chem import check_atoms, collect, sanitize
from .molecule import Molecule


def sdf_records(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(first line number, record lines)`` for each ``$$$$``-terminated record."""
    start, chunk = 1, []
    for number, line in enumerate(lines, 1):
        if line.startswith("$$$$"):
            yield start, chunk
            start, chunk = number + 1, []
        else:
            chunk.append(line)
    if any(line.strip() for line in chunk):
        yield start, chunk


def _properties(lines: list[str]) -> dict[str, str]:
    props: dict[str, str] = {}
    key = None
    values: list[str] = []
    for line in lines:
        if line.startswith(">"):
            if key is not None:
                props[key] = "\n".join(values).strip()
            left, right = line.find("<"), line.find(">", line.find("<") + 1)
            key = line[left + 1 : right] if 0 <= left < right else line[1:].strip()
            values = []
        elif key is not None:
            if line.strip() == "":
                props[key] = "\n".join(values).strip()
                key = None
            else:
                values.append(line)
    if key is not None:
        props[key] = "\n".join(values).strip()
    return props


def _without_query_bond_fields(block: list[str]) -> list[str]:
    """The V2000 connection table with each bond line cut after its stereo field.

    The fields after it (topology, reacting centre) are query and reaction features. RDKit makes a bond
    that has one a query bond, which its aromaticity perception skips, so that a ring of aromatic bonds
    marked "ring topology" (as some tools write them) would come out aliphatic; OpenBabel ignores them.
    """
    if len(block) < 4 or "V2000" not in block[3][33:39]:
        return block
    try:
        atoms, bonds = int(block[3][0:3]), int(block[3][3:6])
    except ValueError:
        return block  # RDKit's parser reports the bad counts line
    first = 4 + atoms
    return [line[:15] if first <= k < first + bonds else line for k, line in enumerate(block)]


def read_sdf(lines: list[str], path: str, skip_bad: bool = False) -> list[Molecule]:
    return collect(enumerate(sdf_records(lines), 1), lambda item: sdf_record(*item, path), skip_bad)


def sdf_record(index: int, numbered: tuple[int, list[str]], path: str) -> Molecule:
    """Record ``index`` (1-based), starting at line ``numbered[0]`` of ``path``."""
    start, record = numbered
    where = f"record {index} (line {start})"
    end = next((i for i, line in enumerate(record) if line.startswith("M  END")), None)
    if end is None:
        raise InvalidFileError(path, where, "no 'M  END' line: truncated or not an SDF record")
    block = "\n".join(_without_query_bond_fields(record[: end + 1])) + "\n"
    try:
        mol = Chem.MolFromMolBlock(block, sanitize=False, removeHs=False, strictParsing=True)
    except Exception as err:  # RDKit parse errors surface as RuntimeError or ValueError
        raise InvalidFileError(path, where, f"unreadable molfile block ({err})") from err
    if mol is None:
        raise InvalidFileError(path, where, "unreadable molfile block (bad counts, atom or bond lines)")
    check_atoms(mol, path, where)
    sanitize(mol, f"{path}, {where}")
    name = record[0].strip() if record else ""
    properties = _properties(record[end + 1 :])
    text = "\n".join(record[: end + 1])
    return Molecule(mol, name, f"{path}, {where}", properties, record=index, text=text)
