"""RDKit steps shared by the readers: lenient sanitisation, checks, hydrogen handling."""

from __future__ import annotations

import logging
import warnings

import numpy as np
from rdkit import Chem, RDLogger

from ..errors import InvalidFileError, StructureWarning

logger = logging.getLogger("voxbind.io")

RDLogger.DisableLog("rdApp.*")  # RDKit's own messages go to stderr; ours say the same with file and record

_LENIENT = Chem.SanitizeFlags.SANITIZE_ALL ^ Chem.SanitizeFlags.SANITIZE_PROPERTIES


def sanitize(mol: Chem.Mol, where: str) -> None:
    """Sanitise ``mol`` in place; on valence or kekulisation errors, keep going leniently and warn."""
    try:
        Chem.SanitizeMol(mol)
        return
    except Exception as err:  # RDKit raises several unrelated exception types here
        problem = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    mol.UpdatePropertyCache(strict=False)
    failed = Chem.SanitizeMol(mol, _LENIENT, catchErrors=True)
    if failed != Chem.SanitizeFlags.SANITIZE_NONE:
        Chem.SanitizeMol(mol, Chem.SanitizeFlags.SANITIZE_SYMMRINGS, catchErrors=True)
    warnings.warn(f"{where}: {problem}; read without valence checks", StructureWarning, stacklevel=4)


def check_atoms(mol: Chem.Mol, path: str, where: str) -> None:
    """Refuse empty molecules and non-finite coordinates."""
    if mol.GetNumAtoms() == 0:
        raise InvalidFileError(path, where, "no atoms")
    if mol.GetNumConformers() == 0:
        raise InvalidFileError(path, where, "no coordinates")
    xyz = mol.GetConformer().GetPositions()
    bad = ~np.isfinite(xyz).all(axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidFileError(path, where, f"atom {i + 1} has non-finite coordinates {tuple(xyz[i])}")


def apply_hydrogens(mol: Chem.Mol, hydrogens: str) -> Chem.Mol:
    """``"keep"``: as read; ``"remove"``: drop explicit hydrogens; ``"add"``: make every H explicit with
    coordinates (RDKit's geometry rules)."""
    if hydrogens == "keep":
        return mol
    if hydrogens == "remove":
        out = Chem.RemoveHs(mol, sanitize=False, implicitOnly=False)
        Chem.SanitizeMol(out, Chem.SanitizeFlags.SANITIZE_SYMMRINGS, catchErrors=True)  # ring info again
        return out
    return Chem.AddHs(mol, addCoords=True, addResidueInfo=True)
