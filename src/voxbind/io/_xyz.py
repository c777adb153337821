"""XYZ files (one or more frames); bonds are perceived from distances."""

from __future__ import annotations

import contextlib
import warnings

from rdkit import Chem
from rdkit.Chem import rdDetermineBonds

from ..errors import InvalidFileError, StructureWarning
from ._chem import check_atoms, sanitize
from .molecule import Molecule


def read_xyz(lines: list[str], path: str) -> list[Molecule]:
    lines = list(lines)
    while lines and not lines[-1].strip():
        lines.pop()
    out = []
    start = 0
    while start < len(lines) and lines[start].strip():
        where = f"frame {len(out) + 1} (line {start + 1})"
        try:
            count = int(lines[start].split()[0])
        except (ValueError, IndexError):
            raise InvalidFileError(
                path, f"line {start + 1}", f"expected an atom count, got {lines[start]!r}"
            ) from None
        if count <= 0:
            raise InvalidFileError(path, where, "no atoms")
        block = lines[start : start + count + 2]
        if len(block) < count + 2:
            raise InvalidFileError(
                path, where, f"truncated: {count} atoms announced, {len(block) - 2} present"
            )
        for offset, line in enumerate(block[2:], start + 3):
            parts = line.split()
            try:
                if len(parts) < 4:
                    raise ValueError
                [float(v) for v in parts[1:4]]
            except ValueError:
                raise InvalidFileError(path, f"line {offset}", f"bad atom line {line!r}") from None
        mol = Chem.MolFromXYZBlock("\n".join(block) + "\n")
        if mol is None:
            raise InvalidFileError(path, where, "unreadable frame (unknown element?)")
        check_atoms(mol, path, where)
        rdDetermineBonds.DetermineConnectivity(mol)
        with contextlib.suppress(Exception):  # bond orders are a best effort; connectivity stays
            rdDetermineBonds.DetermineBondOrders(mol, charge=0)
        sanitize(mol, f"{path}, {where}")
        warnings.warn(f"{path}, {where}: bond orders guessed from geometry", StructureWarning, stacklevel=3)
        record = len(out) + 1
        out.append(
            Molecule(mol, block[1].strip(), f"{path}, {where}", bond_orders_guessed=True, record=record)
        )
        start += count + 2
    if not out:
        raise InvalidFileError(path, "", "no frames")
    return out
