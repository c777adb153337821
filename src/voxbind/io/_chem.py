"""RDKit steps shared by the readers: lenient sanitisation, checks, hydrogen handling."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable, Iterable

import numpy as np
from rdkit import Chem, RDLogger

from ..errors import InvalidFileError, StructureWarning

logger = logging.getLogger("voxbind.io")

RDLogger.DisableLog("rdApp.*")  # RDKit's own messages go to stderr; ours say the same with file and record

_LENIENT = Chem.SanitizeFlags.SANITIZE_ALL ^ Chem.SanitizeFlags.SANITIZE_PROPERTIES


def sanitize(mol: Chem.Mol, where: str) -> None:
    """Sanitise ``mol`` in place; on valence or kekulisation errors, keep going leniently and warn.

    The warning numbers atoms as the file does: PDB serial numbers, else 1-based positions."""
    try:
        Chem.SanitizeMol(mol)
        return
    except Exception as err:  # RDKit raises several unrelated exception types here
        problem = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        problem = _file_numbering(mol, problem)
    mol.UpdatePropertyCache(strict=False)
    failed = Chem.SanitizeMol(mol, _LENIENT, catchErrors=True)
    if failed != Chem.SanitizeFlags.SANITIZE_NONE:
        Chem.SanitizeMol(mol, Chem.SanitizeFlags.SANITIZE_SYMMRINGS, catchErrors=True)
    warnings.warn(f"{where}: {problem}; read without valence checks", StructureWarning, stacklevel=4)


_ATOM_NUMBER = re.compile(r"atom # ?(\d+)")
_ATOM_LIST = re.compile(r"(Unkekulized atoms:)((?: \d+)+)")


def atom_label(mol: Chem.Mol, index: int) -> str:
    """Atom ``index`` (RDKit's 0-based) as the file numbers it: ``atom serial 2420 (CA ALA A 12)`` for
    PDB atoms, ``atom 7`` (1-based) otherwise."""
    if not 0 <= index < mol.GetNumAtoms():
        return f"atom {index + 1}"
    info = mol.GetAtomWithIdx(index).GetPDBResidueInfo()
    if info is None:
        return f"atom {index + 1}"
    residue = f"{info.GetResidueName().strip()} {info.GetChainId().strip()} {info.GetResidueNumber()}"
    return f"atom serial {info.GetSerialNumber()} ({info.GetName().strip()} {' '.join(residue.split())})"


def _file_numbering(mol: Chem.Mol, message: str) -> str:
    """RDKit's message with its 0-based atom indices replaced by the file's numbering."""
    message = _ATOM_NUMBER.sub(lambda m: atom_label(mol, int(m.group(1))), message)
    return _ATOM_LIST.sub(
        lambda m: m.group(1) + " " + ", ".join(atom_label(mol, int(i)) for i in m.group(2).split()), message
    )


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
        where_atom = tuple(float(v) for v in xyz[i])
        raise InvalidFileError(path, where, f"atom {i + 1} has non-finite coordinates {where_atom}")


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


def collect(items: Iterable, build: Callable, skip_bad: bool) -> list:
    """``[build(item) for item in items]``; with ``skip_bad``, an item whose ``build`` raises
    :class:`InvalidFileError` is left out with a :class:`StructureWarning` naming it and the reason."""
    out = []
    for item in items:
        try:
            out.append(build(item))
        except InvalidFileError as err:
            if not skip_bad:
                raise
            warnings.warn(f"{err}; skipped", StructureWarning, stacklevel=2)
    return out
