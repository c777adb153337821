"""Everything typed: GNINA's 28 types, channel maps, typers, :class:`TypedAtoms`, reading and typing in one
step, and GNINA's typed binary formats (``.gninatypes``, memory-mapped ``.molcache2``)."""

from ..errors import TypingWarning
from ._perception import gnina_type_indices
from .gnina import (
    GNINA_COVALENT_RADII,
    GNINA_TYPE_NAMES,
    GNINA_TYPES,
    GNINA_XS_RADII,
    GninaType,
)
from .gninatypes import read_gninatypes, write_gninatypes
from .maps import DEFAULT_LIGAND_MAP, DEFAULT_RECEPTOR_MAP, GNINA_IDENTITY_MAP, ChannelMap
from .molcache2 import MolCache2, write_molcache2
from .reading import read_typed_molecule, read_typed_molecules
from .typed import TypedAtoms, combine
from .typers import (
    CallbackTyper,
    ElementTyper,
    FeatureTyper,
    GninaTyper,
    OneHotTyper,
    Typer,
    default_ligand_typer,
    default_receptor_typer,
)

__all__ = [
    "DEFAULT_LIGAND_MAP",
    "DEFAULT_RECEPTOR_MAP",
    "GNINA_COVALENT_RADII",
    "GNINA_IDENTITY_MAP",
    "GNINA_TYPES",
    "GNINA_TYPE_NAMES",
    "GNINA_XS_RADII",
    "CallbackTyper",
    "ChannelMap",
    "ElementTyper",
    "FeatureTyper",
    "GninaType",
    "GninaTyper",
    "MolCache2",
    "OneHotTyper",
    "TypedAtoms",
    "Typer",
    "TypingWarning",
    "combine",
    "default_ligand_typer",
    "default_receptor_typer",
    "gnina_type_indices",
    "read_gninatypes",
    "read_typed_molecule",
    "read_typed_molecules",
    "write_gninatypes",
    "write_molcache2",
]
