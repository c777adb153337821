"""The :class:`Molecule` every reader returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from rdkit import Chem

from ._chem import atom_label


@dataclass(frozen=True, eq=False)
class Molecule:
    """One structure (a pose, record or model) read from a file.

    Attributes:
        rdmol: the RDKit molecule with one conformer: atoms as read (hydrogens the file has, unless
            removed on request), bonds (from the file, or perceived from distances for PDB, PDBQT and
            XYZ), PDB residue information where the format has it.
        name: the record's title (SDF/MOL2 name line, PDB ``HEADER``/file stem), possibly empty.
        source: where it came from, for messages: ``"path, record 3"``.
        properties: the record's data fields (SDF ``> <name>`` items, PDBQT ``REMARK VINA RESULT``, ...),
            as strings.
        bond_orders_guessed: whether bond orders had to be guessed (PDB HETATM residues, XYZ).
        record: the 1-based number of the record, model or frame in its file (pose numbers stay those
            of the file when bad records are skipped).
        text: the record's molfile block as the file has it, up to ``M  END`` (SDF records; ``""``
            otherwise), so that a writer can give the structure back unchanged.
        topology: a key that two molecules read from V2000 SDF records share when RDKit builds the same
            molecule from both but for the coordinates (atoms, bonds, charges as the file gives them):
            the poses of one ligand. ``None`` when not known (other formats).
    """

    rdmol: Chem.Mol
    name: str = ""
    source: str = ""
    properties: Mapping[str, str] = field(default_factory=dict)
    bond_orders_guessed: bool = False
    record: int = 1
    text: str = ""
    topology: tuple | None = field(default=None, repr=False)

    @property
    def num_atoms(self) -> int:
        """Number of atoms, hydrogens included."""
        return self.rdmol.GetNumAtoms()

    @property
    def coords(self) -> np.ndarray:
        """``(N, 3)`` float64 atom coordinates in Å."""
        if self.rdmol.GetNumConformers() == 0:
            return np.zeros((0, 3))
        return np.asarray(self.rdmol.GetConformer().GetPositions(), dtype=np.float64).reshape(-1, 3)

    @property
    def elements(self) -> np.ndarray:
        """``(N,)`` int64 atomic numbers (0 for unknown ``*`` atoms)."""
        return np.fromiter((a.GetAtomicNum() for a in self.rdmol.GetAtoms()), np.int64, self.num_atoms)

    @property
    def heavy(self) -> np.ndarray:
        """``(N,)`` bool mask of non-hydrogen atoms."""
        return self.elements != 1

    def atom_label(self, index: int) -> str:
        """Atom ``index`` (0-based) as the file numbers it: ``atom serial 2420 (CA ALA A 12)`` in PDB-like
        formats, ``atom 7`` (1-based) otherwise."""
        return atom_label(self.rdmol, index)

    def atom_names(self) -> list[str]:
        """PDB atom names (stripped), or element symbols for formats without names."""
        names = []
        for atom in self.rdmol.GetAtoms():
            info = atom.GetPDBResidueInfo()
            names.append(info.GetName().strip() if info is not None else atom.GetSymbol())
        return names

    def residue_names(self) -> list[str]:
        """PDB residue names per atom (``""`` where the format has none)."""
        out = []
        for atom in self.rdmol.GetAtoms():
            info = atom.GetPDBResidueInfo()
            out.append(info.GetResidueName().strip() if info is not None else "")
        return out

    def __repr__(self) -> str:
        return f"Molecule({self.name!r}, {self.num_atoms} atoms, from {self.source!r})"
