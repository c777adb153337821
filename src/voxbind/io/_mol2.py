"""Tripos MOL2 (multi-molecule files)."""

from __future__ import annotations

from rdkit import Chem

from ..errors import InvalidFileError
from ._chem import check_atoms, sanitize
from .molecule import Molecule


def read_mol2(lines: list[str], path: str) -> list[Molecule]:
    starts = [i for i, line in enumerate(lines) if line.strip().upper() == "@<TRIPOS>MOLECULE"]
    if not starts:
        raise InvalidFileError(path, "", "no @<TRIPOS>MOLECULE section")
    out = []
    for index, begin in enumerate(starts, 1):
        end = starts[index] if index < len(starts) else len(lines)
        where = f"record {index} (line {begin + 1})"
        block = lines[begin:end]
        if not any(line.strip().upper() == "@<TRIPOS>ATOM" for line in block):
            raise InvalidFileError(path, where, "no @<TRIPOS>ATOM section")
        try:
            mol = Chem.MolFromMol2Block("\n".join(block) + "\n", sanitize=False, removeHs=False)
        except Exception as err:
            raise InvalidFileError(path, where, f"unreadable MOL2 record ({err})") from err
        if mol is None:
            raise InvalidFileError(path, where, "unreadable MOL2 record (bad atom or bond lines)")
        check_atoms(mol, path, where)
        sanitize(mol, f"{path}, {where}")
        name = block[1].strip() if len(block) > 1 else ""
        out.append(Molecule(mol, name, f"{path}, {where}"))
    return out
