"""Reading and writing molecules and grids: structure files through RDKit, GNINA's binary formats, DX maps."""

from ..errors import InvalidFileError
from ._chem import StructureWarning
from .dx import read_dx, write_dx, write_dx_channels
from .gninatypes import read_gninatypes, write_gninatypes
from .molcache2 import MolCache2, write_molcache2
from .molecule import Molecule
from .structures import read_molecule, read_molecules

__all__ = [
    "InvalidFileError",
    "MolCache2",
    "Molecule",
    "StructureWarning",
    "read_dx",
    "read_gninatypes",
    "read_molecule",
    "read_molecules",
    "write_dx",
    "write_dx_channels",
    "write_gninatypes",
    "write_molcache2",
]
