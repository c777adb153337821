"""Untyped files: structure files read through RDKit (PDB, mmCIF, SDF, MOL2, PDBQT, XYZ) and DX grid maps.

Typed formats (GNINA's ``.gninatypes`` and ``.molcache2``) live in :mod:`voxbind.atomtypes`.
"""

from ..errors import InvalidFileError, StructureWarning
from .dx import read_dx, write_dx, write_dx_channels
from .molecule import Molecule
from .source import FORMATS, StructureText, read_structure_text
from .stream import UnreadableRecord, iter_molecules, iter_records
from .structures import parse_molecules, read_molecule, read_molecules

__all__ = [
    "FORMATS",
    "InvalidFileError",
    "Molecule",
    "StructureText",
    "StructureWarning",
    "UnreadableRecord",
    "iter_molecules",
    "iter_records",
    "parse_molecules",
    "read_dx",
    "read_molecule",
    "read_molecules",
    "read_structure_text",
    "write_dx",
    "write_dx_channels",
]
