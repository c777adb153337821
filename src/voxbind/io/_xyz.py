"""XYZ files (one or more frames); bonds and their orders are perceived from geometry, as OpenBabel does
(bonds by covalent radii + 0.45 Å, orders by :mod:`._bond_perception`); like OpenBabel's reader, this
one adds no hydrogens a frame leaves out."""

from __future__ import annotations

import warnings

import numpy as np
from rdkit import Chem

from ..errors import InvalidFileError, StructureWarning
from ._bond_perception import perceive_bond_orders
from ._chem import check_atoms, sanitize
from .molecule import Molecule


def read_xyz(lines: list[str], path: str) -> list[Molecule]:
    lines = list(lines)
    while lines and not lines[-1].strip():
        lines.pop()
    out: list = []
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
        mol = _connected(mol)
        perceive_bond_orders(mol, range(mol.GetNumAtoms()))
        sanitize(mol, f"{path}, {where}")
        _dearomatise_radicals(mol)
        warnings.warn(f"{path}, {where}: bond orders guessed from geometry", StructureWarning, stacklevel=3)
        record = len(out) + 1
        out.append(
            Molecule(mol, block[1].strip(), f"{path}, {where}", bond_orders_guessed=True, record=record)
        )
        start += count + 2
    if not out:
        raise InvalidFileError(path, "", "no frames")
    return out


_TABLE = Chem.GetPeriodicTable()


def _connected(mol: Chem.Mol) -> Chem.RWMol:
    """``mol`` with a single bond between every two atoms closer than their covalent radii + 0.45 Å (and
    not closer than 0.4 Å), OpenBabel's rule; no atom gets hydrogens it does not have."""
    out = Chem.RWMol(mol)
    xyz = out.GetConformer().GetPositions()
    radius = np.array([_TABLE.GetRcovalent(atom.GetAtomicNum()) for atom in out.GetAtoms()])
    d2 = ((xyz[:, None, :] - xyz[None, :, :]) ** 2).sum(-1)
    limit = (radius[:, None] + radius[None, :] + 0.45) ** 2
    first, second = np.nonzero(np.triu((d2 >= 0.16) & (d2 <= limit), k=1))
    for i, j in zip(first.tolist(), second.tolist(), strict=True):
        out.AddBond(i, j, Chem.BondType.SINGLE)
    for atom in out.GetAtoms():
        atom.SetNoImplicit(True)
    return out


def _dearomatise_radicals(mol: Chem.Mol) -> None:
    """Give back their Kekulé bonds to the aromatic systems that hold an atom short of hydrogens (a
    radical): OpenBabel's aromaticity wants each atom's usual valence, RDKit's does not."""
    radical = [a.GetIdx() for a in mol.GetAtoms() if a.GetIsAromatic() and a.GetNumRadicalElectrons()]
    if not radical:
        return
    kekule = Chem.Mol(mol)
    Chem.Kekulize(kekule, clearAromaticFlags=True)
    system, stack = set(radical), list(radical)
    while stack:  # the fused aromatic systems the radicals belong to
        atom = mol.GetAtomWithIdx(stack.pop())
        for bond in atom.GetBonds():
            other = bond.GetOtherAtomIdx(atom.GetIdx())
            if bond.GetIsAromatic() and other not in system:
                system.add(other)
                stack.append(other)
    for bond in mol.GetBonds():
        if bond.GetIsAromatic() and bond.GetBeginAtomIdx() in system:
            bond.SetBondType(kekule.GetBondWithIdx(bond.GetIdx()).GetBondType())
            bond.SetIsAromatic(False)
    for i in system:
        mol.GetAtomWithIdx(i).SetIsAromatic(False)
