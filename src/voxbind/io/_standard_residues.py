"""Heavy-atom graphs of the 20 standard amino acids, with the bond orders RDKit's PDB reader assigns.

``-`` is a single bond and ``=`` a double bond. The double bonds are exactly those RDKit's
``StandardPDBResidueBondOrders`` sets (one Kekulé structure for aromatic rings, the ``HIS`` tautomer with
the hydrogen on NE2, ``ARG``'s double bond to NH2). ``OXT`` is optional (C-terminal residues). Atoms of
other names in these residues (a force field's caps, such as CHARMM's ``CAY CY OY``) get no bond orders
from RDKit.
"""

from __future__ import annotations

import re

BACKBONE = "N-CA CA-C C=O C-OXT"
_RING6 = "CG=CD1 CG-CD2 CD1-CE1 CD2=CE2 CE1=CZ CE2-CZ"
SIDE_CHAINS = {
    "ALA": "CA-CB",
    "ARG": "CA-CB CB-CG CG-CD CD-NE NE-CZ CZ-NH1 CZ=NH2",
    "ASN": "CA-CB CB-CG CG=OD1 CG-ND2",
    "ASP": "CA-CB CB-CG CG=OD1 CG-OD2",
    "CYS": "CA-CB CB-SG",
    "GLN": "CA-CB CB-CG CG-CD CD=OE1 CD-NE2",
    "GLU": "CA-CB CB-CG CG-CD CD=OE1 CD-OE2",
    "GLY": "",
    "HIS": "CA-CB CB-CG CG-ND1 CG=CD2 ND1=CE1 CE1-NE2 NE2-CD2",
    "ILE": "CA-CB CB-CG1 CB-CG2 CG1-CD1",
    "LEU": "CA-CB CB-CG CG-CD1 CG-CD2",
    "LYS": "CA-CB CB-CG CG-CD CD-CE CE-NZ",
    "MET": "CA-CB CB-CG CG-SD SD-CE",
    "PHE": "CA-CB CB-CG " + _RING6,
    "PRO": "CA-CB CB-CG CG-CD CD-N",
    "SER": "CA-CB CB-OG",
    "THR": "CA-CB CB-OG1 CB-CG2",
    "TRP": "CA-CB CB-CG CG=CD1 CG-CD2 CD1-NE1 NE1-CE2 CD2=CE2 CD2-CE3 CE3=CZ3 CZ3-CH2 CH2=CZ2 CZ2-CE2",
    "TYR": "CA-CB CB-CG " + _RING6 + " CZ-OH",
    "VAL": "CA-CB CB-CG1 CB-CG2",
}


def standard_atom_names(resname: str) -> frozenset[str] | None:
    """The heavy-atom names of standard residue ``resname`` (upper case), or ``None`` for other residues."""
    return _ATOM_NAMES.get(resname)


_ATOM_NAMES = {
    resname: frozenset(name for bond in (BACKBONE + " " + side).split() for name in re.split("[-=]", bond))
    for resname, side in SIDE_CHAINS.items()
}
