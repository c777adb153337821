"""Tripos MOL2 (multi-molecule files)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

from rdkit import Chem

from ..errors import InvalidFileError
from ._chem import check_atoms, collect, sanitize
from ._kekulize import kekulize, needs_double_bond
from .molecule import Molecule


def read_mol2(lines: list[str], path: str, skip_bad: bool = False) -> list[Molecule]:
    starts = [i for i, line in enumerate(lines) if line.strip().upper() == "@<TRIPOS>MOLECULE"]
    if not starts:
        raise InvalidFileError(path, "", "no @<TRIPOS>MOLECULE section")
    ends = [*starts[1:], len(lines)]
    blocks = ((begin + 1, lines[begin:end]) for begin, end in zip(starts, ends, strict=True))
    return collect(enumerate(blocks, 1), lambda item: mol2_record(item[0], item[1], path), skip_bad)


def mol2_blocks(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(first line number, lines)`` for each ``@<TRIPOS>MOLECULE`` block of a stream of lines."""
    start, block = 0, list[str]()
    for number, line in enumerate(lines, 1):
        if line.strip().upper() == "@<TRIPOS>MOLECULE":
            if block:
                yield start, block
            start, block = number, []
        if start:
            block.append(line)
    if block:
        yield start, block


def mol2_record(index: int, numbered: tuple[int, list[str]], path: str) -> Molecule:
    """Record ``index`` (1-based), whose ``@<TRIPOS>MOLECULE`` line is line ``numbered[0]`` of ``path``."""
    first, block = numbered
    where = f"record {index} (line {first})"
    if not any(line.strip().upper() == "@<TRIPOS>ATOM" for line in block):
        raise InvalidFileError(path, where, "no @<TRIPOS>ATOM section")
    _check_counts(block, path, first - 1)
    try:
        mol = Chem.MolFromMol2Block("\n".join(block) + "\n", sanitize=False, removeHs=False)
    except Exception as err:
        raise InvalidFileError(path, where, f"unreadable MOL2 record ({err})") from err
    if mol is None:
        raise InvalidFileError(path, where, "unreadable MOL2 record (bad atom or bond lines)")
    check_atoms(mol, path, where)
    _acyclic_aromatic_bonds(mol, block)
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


def _section(block: list[str], name: str) -> list[list[str]]:
    """The whitespace-split non-blank lines of the ``@<TRIPOS>name`` section of a record."""
    rows, inside = [], False
    for line in block:
        head = line.strip()
        if head.upper().startswith("@<TRIPOS>"):
            inside = head.upper() == f"@<TRIPOS>{name}"
        elif inside and head:
            rows.append(head.split())
    return rows


def _unity_charges(block: list[str], index: dict[str, int], n: int) -> list[int]:
    """Formal charges from the ``@<TRIPOS>UNITY_ATOM_ATTR`` section (``atom count`` lines, each followed
    by ``count`` attribute lines such as ``charge 1``); 0 elsewhere."""
    charge = [0] * n
    rows = _section(block, "UNITY_ATOM_ATTR")
    k = 0
    while k < len(rows):
        head = rows[k]
        count = int(head[1]) if len(head) > 1 and head[1].isdigit() else 0
        for attribute in rows[k + 1 : k + 1 + count]:
            if attribute[0].lower() == "charge" and len(attribute) > 1 and head[0] in index:
                with contextlib.suppress(ValueError):
                    charge[index[head[0]]] = int(attribute[1])
        k += 1 + count
    return charge


def _acyclic_aromatic_bonds(mol: Chem.Mol, block: list[str]) -> None:
    """Give the aromatic (``ar``) bonds outside rings OpenBabel's orders and charges.

    Tripos files mark carboxylates and amidinium or guanidinium groups with ``ar`` bonds. OpenBabel makes
    a carboxylate C(=O)[O-] and kekulises the others together with the ring systems
    (:mod:`._kekulize`); a guanidinium whose nitrogens carry their hydrogens keeps single bonds (only its
    carbon needs a double bond, and the kekulisation fails), so that its nitrogens keep a lone pair.
    RDKit's reader makes an N+ double bond instead. Ring bonds keep RDKit's reading (the same
    aromaticity wherever they kekulise)."""
    atom_rows, bond_rows = _section(block, "ATOM"), _section(block, "BOND")
    n = mol.GetNumAtoms()
    if len(atom_rows) != n or not any(len(r) > 3 and r[3].lower() == "ar" for r in bond_rows):
        return
    index = {row[0]: k for k, row in enumerate(atom_rows)}
    bonds, from_file, orders = [], [], []
    for row in bond_rows:
        if len(row) < 4 or row[1] not in index or row[2] not in index:
            return  # leave RDKit's reading of a record it could read only in part
        bonds.append((index[row[1]], index[row[2]]))
        kind = row[3].lower()
        from_file.append(kind == "ar")
        orders.append(int(kind) if kind.isdigit() else 1)
    Chem.FastFindRings(mol)
    rings = mol.GetRingInfo()
    in_ring = []
    for i, j in bonds:
        bond = mol.GetBondBetweenAtoms(i, j)
        in_ring.append(bond is not None and rings.NumBondRings(bond.GetIdx()) > 0)
    acyclic = [k for k in range(len(bonds)) if from_file[k] and not in_ring[k]]
    if not acyclic:
        return
    element = [atom.GetAtomicNum() for atom in mol.GetAtoms()]
    degree = [atom.GetDegree() for atom in mol.GetAtoms()]
    charge = _unity_charges(block, index, n)
    aromatic = list(from_file)
    incident: list[list[int]] = [[] for _ in range(n)]
    for k, (i, j) in enumerate(bonds):
        incident[i].append(k)
        incident[j].append(k)
    for atom in range(n):  # (thio)carboxylates: the first terminal O or S found takes the charge
        if element[atom] not in (8, 16) or degree[atom] != 1 or not aromatic[incident[atom][0]]:
            continue
        first = incident[atom][0]
        carbon = sum(bonds[first]) - atom
        if element[carbon] != 6:
            continue
        other = [
            k
            for k in incident[carbon]
            if k != first
            and aromatic[k]
            and element[sum(bonds[k]) - carbon] in (8, 16)
            and degree[sum(bonds[k]) - carbon] == 1
        ]
        if not other or charge[sum(bonds[other[-1]]) - carbon] != 0:
            continue
        aromatic[first], charge[atom] = False, -1
        aromatic[other[-1]], orders[other[-1]] = False, 2
    flagged = {end for k, pair in enumerate(bonds) if aromatic[k] for end in pair}
    needs = [
        atom in flagged
        and needs_double_bond(
            element[atom], charge[atom], degree[atom], [orders[k] for k in incident[atom] if not aromatic[k]]
        )
        for atom in range(n)
    ]
    double, _ = kekulize(n, bonds, aromatic, needs)
    touched: set[int] = set()
    for k in acyclic:
        i, j = bonds[k]
        order = 2 if k in double or (not aromatic[k] and orders[k] == 2) else 1
        bond = mol.GetBondBetweenAtoms(i, j)
        bond.SetBondType(Chem.BondType.DOUBLE if order == 2 else Chem.BondType.SINGLE)
        bond.SetIsAromatic(False)
        touched.update((i, j))
    for atom in touched:
        rdkit_atom = mol.GetAtomWithIdx(atom)
        rdkit_atom.SetFormalCharge(charge[atom])
        if not any(b.GetIsAromatic() for b in rdkit_atom.GetBonds()):
            rdkit_atom.SetIsAromatic(False)
