"""The 20 standard amino acids as flat arrays for the template typing path (graphs and bond orders:
:mod:`voxbind.io._standard_residues`)."""

from __future__ import annotations

import numpy as np

from ..io._standard_residues import BACKBONE as _BACKBONE
from ..io._standard_residues import SIDE_CHAINS

#: Ring atoms RDKit perceives as aromatic in the complete residue.
AROMATIC = {
    "HIS": "CG ND1 CD2 CE1 NE2",
    "PHE": "CG CD1 CD2 CE1 CE2 CZ",
    "TYR": "CG CD1 CD2 CE1 CE2 CZ",
    "TRP": "CG CD1 CD2 NE1 CE2 CE3 CZ2 CZ3 CH2",
}
_ELEMENTS = {"C": 6, "N": 7, "O": 8, "S": 16}


def pdb_name(name: str) -> bytes:
    """The 4-column PDB spelling of a standard heavy-atom name (``"CA"`` → ``b" CA "``)."""
    return (" " + name).ljust(4).encode()


class ResidueTemplates:
    """The templates as flat arrays over every template atom (``gid``: the atom's row).

    Attributes:
        keys: sorted ``S7`` keys ``resname + 4-column atom name``; ``gid`` = position in this array.
        residue: ``(G,)`` template residue index of each atom; ``names``: the residue names.
        element: ``(G,)`` atomic numbers; ``aromatic``: ``(G,)`` bool.
        bit: ``(G,)`` int64 ``1 << k`` for the atom's position ``k`` within its residue.
        required: ``(R,)`` int64 bit mask of the residue's atoms other than OXT.
        bond_keys: sorted int64 ``gid_a * G + gid_b`` (``a < b``) of template bonds; ``bond_order``: 1 or 2.
        backbone_n, backbone_c, oxt, sulfur_link: ``(G,)`` bool roles for bonds between residues.
    """

    def __init__(self) -> None:
        names = sorted(SIDE_CHAINS)
        rows = []
        bonds = []
        for r, resname in enumerate(names):
            spec = (_BACKBONE + " " + SIDE_CHAINS[resname]).split()
            atoms: list[str] = []
            for bond in spec:
                a, b = bond.replace("=", "-").split("-")
                for atom in (a, b):
                    if atom not in atoms:
                        atoms.append(atom)
                bonds.append((resname, a, b, 2 if "=" in bond else 1))
            aromatic = set(AROMATIC.get(resname, "").split())
            for k, atom in enumerate(atoms):
                key = resname.encode() + pdb_name(atom)
                rows.append((key, r, _ELEMENTS[atom[0]], atom in aromatic, 1 << k))
        rows.sort()
        self.names = names
        self.keys = np.array([row[0] for row in rows], dtype="S7")
        self.residue = np.array([row[1] for row in rows], dtype=np.int64)
        self.element = np.array([row[2] for row in rows], dtype=np.int64)
        self.aromatic = np.array([row[3] for row in rows], dtype=bool)
        self.bit = np.array([row[4] for row in rows], dtype=np.int64)
        atom_names = np.array([key[3:] for key in self.keys.tolist()], dtype="S4")
        self.oxt = atom_names == pdb_name("OXT")
        self.backbone_n = atom_names == pdb_name("N")
        self.backbone_c = atom_names == pdb_name("C")
        self.sulfur_link = self.keys == b"CYS" + pdb_name("SG")
        self.required = np.zeros(len(names), dtype=np.int64)
        np.bitwise_or.at(self.required, self.residue[~self.oxt], self.bit[~self.oxt])
        size = len(rows)
        gid = {key: g for g, key in enumerate(self.keys.tolist())}
        pairs = []
        for resname, a, b, order in bonds:
            ga, gb = gid[resname.encode() + pdb_name(a)], gid[resname.encode() + pdb_name(b)]
            pairs.append((min(ga, gb) * size + max(ga, gb), order))
        pairs.sort()
        self.size = size
        self.bond_keys = np.array([p[0] for p in pairs], dtype=np.int64)
        self.bond_order = np.array([p[1] for p in pairs], dtype=np.int64)
        #: number of template bonds of each residue without / with OXT
        self.bond_count = np.bincount(self.residue[self.bond_keys // size], minlength=len(names))

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """``gid`` of each ``S7`` key, ``-1`` where it is not a template atom."""
        pos = np.searchsorted(self.keys, keys)
        pos = np.minimum(pos, len(self.keys) - 1)
        return np.where(self.keys[pos] == keys, pos, -1)


TEMPLATES = ResidueTemplates()
