"""A receptor as AutoDock Vina reads it: PDBQT written from GNINA's typing of the structure.

Vina types receptor atoms from their AutoDock type (the PDBQT's last column) and their bonds: a carbon
bonded to N or O is polar, an ``NA`` or ``OA`` atom accepts hydrogen bonds, and an N or O bonded to an
``HD`` hydrogen donates them. GNINA's typing of the receptor (:mod:`voxbind.atomtypes`) already knows all
of that, so each heavy atom is written with the AutoDock type of its GNINA type, polar hydrogens as ``HD``
and non-polar ones left out (Vina ignores them). A donor that has no hydrogen in the file (structures
from crystallography) gets one ``HD`` 1 Å away, pointing away from its neighbours, so that Vina sees the
donor GNINA sees. Charges are written as 0 (Vina's scoring does not use them).
"""

from __future__ import annotations

import numpy as np

from ..atomtypes import GNINA_IDENTITY_MAP, GninaTyper
from ..atomtypes.gnina import GNINA_TYPE_NAMES
from ..io import Molecule

#: GNINA type → AutoDock type (``None``: not written).
AUTODOCK_TYPES: dict[str, str | None] = {
    "Hydrogen": None,
    "PolarHydrogen": "HD",
    "AliphaticCarbonXSHydrophobe": "C",
    "AliphaticCarbonXSNonHydrophobe": "C",
    "AromaticCarbonXSHydrophobe": "A",
    "AromaticCarbonXSNonHydrophobe": "A",
    "Nitrogen": "N",
    "NitrogenXSDonor": "N",
    "NitrogenXSDonorAcceptor": "NA",
    "NitrogenXSAcceptor": "NA",
    "Oxygen": "OA",
    "OxygenXSDonor": "OA",
    "OxygenXSDonorAcceptor": "OA",
    "OxygenXSAcceptor": "OA",
    "Sulfur": "SA",
    "SulfurAcceptor": "SA",
    "Phosphorus": "P",
    "Fluorine": "F",
    "Chlorine": "Cl",
    "Bromine": "Br",
    "Iodine": "I",
    "Magnesium": "Mg",
    "Manganese": "Mn",
    "Zinc": "Zn",
    "Calcium": "Ca",
    "Iron": "Fe",
    "GenericMetal": "Mg",  # Vina treats every metal alike (Met_D)
    "Boron": None,  # no AutoDock type
}
_DONORS = {"NitrogenXSDonor", "NitrogenXSDonorAcceptor", "OxygenXSDonor", "OxygenXSDonorAcceptor"}


def receptor_pdbqt(molecule: Molecule, gnina_types: np.ndarray | None = None) -> str:
    """The PDBQT text of ``molecule`` (a receptor read with :func:`~voxbind.io.read_molecule`) for Vina;
    ``gnina_types``: its atoms' GNINA type indices, when already known."""
    if gnina_types is None:
        gnina_types = GninaTyper(GNINA_IDENTITY_MAP).gnina_types(molecule)
    types = [GNINA_TYPE_NAMES[t] for t in gnina_types]
    xyz = molecule.coords
    lines: list[str] = []
    rdmol = molecule.rdmol
    for atom in rdmol.GetAtoms():
        i = atom.GetIdx()
        kind = AUTODOCK_TYPES[types[i]]
        if kind is None:
            continue
        lines.append(_atom_line(len(lines) + 1, atom, xyz[i], kind))
        if types[i] in _DONORS and not any(types[n.GetIdx()] == "PolarHydrogen" for n in atom.GetNeighbors()):
            neighbours = [xyz[n.GetIdx()] for n in atom.GetNeighbors()]
            lines.append(_atom_line(len(lines) + 1, atom, _hydrogen_position(xyz[i], neighbours), "HD"))
    return "\n".join(lines) + "\n"


def _hydrogen_position(at: np.ndarray, neighbours: list[np.ndarray]) -> np.ndarray:
    """A point 1 Å from ``at``, away from its bonded ``neighbours``."""
    away = sum((at - n for n in neighbours), np.zeros(3))
    norm = np.linalg.norm(away)
    direction = away / norm if norm > 1e-6 else np.array([1.0, 0.0, 0.0])
    return at + direction


def _atom_line(serial: int, atom, xyz: np.ndarray, kind: str) -> str:
    info = atom.GetPDBResidueInfo()
    if info is not None:
        name, residue = info.GetName().strip()[:4], info.GetResidueName().strip()[:3]
        chain, number = (info.GetChainId() or "A")[:1], info.GetResidueNumber()
    else:
        name, residue, chain, number = atom.GetSymbol(), "UNL", "A", 1
    x, y, z = (float(v) for v in xyz)
    return (
        f"ATOM  {serial % 100000:5d} {name:<4} {residue:>3} {chain}{number % 10000:4d}    "
        f"{x:8.3f}{y:8.3f}{z:8.3f}  1.00  0.00    {0.0:6.3f} {kind:<2}"
    )
