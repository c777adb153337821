"""SDF / MOL records (multi-pose files: every record is a pose)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator

import numpy as np
from rdkit import Chem

from ..errors import InvalidFileError
from ._chem import check_atoms, collect, sanitize
from ._fixed import fixed_columns
from .molecule import Molecule


def sdf_records(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(first line number, record lines)`` for each ``$$$$``-terminated record."""
    start, chunk = 1, list[str]()
    for number, line in enumerate(lines, 1):
        if line.startswith("$$$$"):
            yield start, chunk
            start, chunk = number + 1, []
        else:
            chunk.append(line)
    if any(line.strip() for line in chunk):
        yield start, chunk


def sdf_records_read(read: Callable[[int], str], size: int = 1 << 18) -> Iterator[tuple[int, list[str]]]:
    """:func:`sdf_records` of a text stream given by its ``read(size)`` (lines ending in ``"\\n"``): the same
    records, split from chunks of text instead of line by line."""
    start, pending, ended = 1, "", False
    while not ended:
        chunk = read(max(size, len(pending)))  # a record longer than a chunk: read sizes double
        ended = not chunk
        pending += chunk
        pos = 0  # always at a line start
        mark = pending.find("$$$$", pos)
        while mark != -1:
            if mark != pos and pending[mark - 1] != "\n":  # not at a line start
                mark = pending.find("$$$$", mark + 1)
                continue
            end = pending.find("\n", mark)
            if end == -1:
                if not ended:
                    break  # the terminator line goes on in the next chunk
                end = len(pending)
            lines = pending[pos : mark - 1].split("\n") if mark > pos else []
            yield start, lines
            start += len(lines) + 1
            pos = end + 1
            mark = pending.find("$$$$", pos)
        pending = pending[pos:]
    lines = pending.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if any(line.strip() for line in lines):
        yield start, lines


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
    return collect(
        enumerate(sdf_records(lines), 1), lambda item: sdf_record(item[0], item[1], path), skip_bad
    )


class LastRecord:
    """The last record parsed from a stream of records, kept to be reused: docking tools write a ligand's
    poses as consecutive records that differ only in their coordinates (and data fields)."""

    def __init__(self) -> None:
        self.topology: tuple | None = None
        self.mol: Chem.Mol | None = None


def sdf_topology(block: list[str]) -> tuple | None:
    """What RDKit builds a molecule's topology from, in a V2000 molfile block (from its title line to
    ``M  END``): the dimension code, the counts line, the atom lines without their coordinates, the bond
    lines as parsed (up to the stereo field; without it when it is only a wedge, which RDKit drops for
    3D coordinates) and the property lines. ``None`` for V3000 or a block too damaged to tell."""
    if len(block) < 4 or "V2000" not in block[3][33:39]:
        return None
    try:
        atoms, bonds = int(block[3][0:3]), int(block[3][3:6])
    except ValueError:
        return None
    if len(block) < 4 + atoms + bonds:
        return None
    first = 4 + atoms
    bond_lines = [
        line[:9] + ("" if line[9:12].strip() in ("", "0", "1", "6") else line[9:12])
        for line in block[first : first + bonds]
    ]
    return (
        block[1][20:22], block[3], *[line[30:] for line in block[4:first]], *bond_lines,
        *block[first + bonds :],
    )  # fmt: skip


def _same_topology(
    block: list[str], topology: tuple | None, last: LastRecord, where: str, path: str
) -> Chem.Mol | None:
    """``last``'s molecule with ``block``'s coordinates when ``block`` has its ``topology``, else ``None``
    (then ``last`` now holds that topology, for the molecule the caller parses)."""
    if topology is None or topology != last.topology or last.mol is None:
        last.topology, last.mol = topology, None
        return None
    atoms = int(block[3][0:3])
    lines = block[4 : 4 + atoms]
    fields = "".join([line[:30] for line in lines])  # three 10-character columns
    xyz = fixed_columns(fields, 10) if len(fields) == 30 * atoms else None
    if xyz is None:  # not plain decimals: as the fields read
        try:
            xyz = np.array([[float(line[k : k + 10]) for k in (0, 10, 20)] for line in lines])
        except ValueError:
            return None  # RDKit's parser reports the bad atom line
    xyz = xyz.reshape(atoms, 3)
    if not last.mol.GetConformer().Is3D() or (block[1][20:22] != "3D" and not xyz[:, 2].any()):
        return None  # 2D: wedges count, so only a full parse will do
    mol = Chem.Mol(last.mol)
    for name, line in zip(("_Name", "_MolFileInfo", "_MolFileComments"), block, strict=False):
        mol.SetProp(name, line)  # the header lines, as the parser keeps them
    mol.GetConformer().SetPositions(xyz)
    check_atoms(mol, path, where)
    # the parser's chiral tags of a 3D block, from these coordinates (the same atoms get one)
    Chem.AssignAtomChiralTagsFromStructure(mol, replaceExistingTags=True)
    return mol


def sdf_record(
    index: int, numbered: tuple[int, list[str]], path: str, last: LastRecord | None = None
) -> Molecule:
    """Record ``index`` (1-based), starting at line ``numbered[0]`` of ``path``. With ``last``, a record
    with the same connection table as the last one parsed is built from that one's molecule and its own
    coordinates (the same molecule RDKit would parse, in a tenth of the time)."""
    start, record = numbered
    where = f"record {index} (line {start})"
    joined = "\n".join(record)
    at = 0 if joined.startswith("M  END") else joined.find("\nM  END") + 1  # the first line so starting
    if at == 0 and not joined.startswith("M  END"):
        raise InvalidFileError(path, where, "no 'M  END' line: truncated or not an SDF record")
    end = joined.count("\n", 0, at)
    block = record[: end + 1]
    topology = sdf_topology(block)
    mol = None if last is None else _same_topology(block, topology, last, where, path)
    if mol is None:
        mol = _parse(block, path, where)
        if last is not None and last.topology is not None:
            last.mol = mol
    name = record[0].strip() if record else ""
    properties = _properties(record[end + 1 :])
    line_end = joined.find("\n", at)
    text = joined if line_end == -1 else joined[:line_end]
    return Molecule(mol, name, f"{path}, {where}", properties, record=index, text=text, topology=topology)


def _parse(block: list[str], path: str, where: str) -> Chem.Mol:
    text = "\n".join(_without_query_bond_fields(block)) + "\n"
    try:
        mol = Chem.MolFromMolBlock(text, sanitize=False, removeHs=False, strictParsing=True)
    except Exception as err:  # RDKit parse errors surface as RuntimeError or ValueError
        raise InvalidFileError(path, where, f"unreadable molfile block ({err})") from err
    if mol is None:
        reason = _bad_atom_line(block) or "bad counts, atom or bond lines"
        raise InvalidFileError(path, where, f"unreadable molfile block ({reason})")
    check_atoms(mol, path, where)
    sanitize(mol, f"{path}, {where}")
    return mol


#: Atom symbols of V2000 blocks that are not elements: query atoms, R groups, deuterium and tritium.
_QUERY_SYMBOLS = {"A", "Q", "*", "L", "LP", "R", "R#", "D", "T"}


def _bad_atom_line(block: list[str]) -> str:
    """What is wrong with the first atom line RDKit would refuse: coordinates that are not finite numbers
    or an unknown element ("" when the atom lines look right, or the block is not V2000)."""
    if len(block) < 4 or "V2000" not in block[3][33:39]:
        return ""
    try:
        atoms = int(block[3][0:3])
    except ValueError:
        return ""
    table = Chem.GetPeriodicTable()
    elements = {table.GetElementSymbol(z) for z in range(1, 119)} | _QUERY_SYMBOLS
    for k, line in enumerate(block[4 : 4 + atoms], 1):
        try:
            finite = all(math.isfinite(float(line[c : c + 10])) for c in (0, 10, 20))
        except ValueError:
            finite = False
        if not finite:
            return f"atom {k}: coordinates {line[:30].split()} are not finite numbers"
        symbol = line[31:34].strip()
        if symbol not in elements:
            return f"atom {k}: unknown element {symbol!r}"
    return ""
