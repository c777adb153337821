"""Atom typers: GNINA's 28 types and channel maps, element, file-mapped, callback and vector typers."""

from ._perception import gnina_type_indices
from .gnina import (
    GNINA_COVALENT_RADII,
    GNINA_TYPE_NAMES,
    GNINA_TYPES,
    GNINA_XS_RADII,
    GninaType,
)
from .maps import DEFAULT_LIGAND_MAP, DEFAULT_RECEPTOR_MAP, GNINA_IDENTITY_MAP, ChannelMap
from .reading import read_typed_molecule, read_typed_molecules
from .typed import TypedAtoms, combine
from .typers import (
    CallbackTyper,
    ElementTyper,
    FeatureTyper,
    GninaTyper,
    OneHotTyper,
    Typer,
    TypingWarning,
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
    "OneHotTyper",
    "TypedAtoms",
    "Typer",
    "TypingWarning",
    "combine",
    "default_ligand_typer",
    "default_receptor_typer",
    "gnina_type_indices",
    "read_typed_molecule",
    "read_typed_molecules",
]
