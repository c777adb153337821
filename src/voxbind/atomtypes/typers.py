"""Typers: turn a :class:`~voxbind.io.Molecule` into :class:`TypedAtoms`."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence

import numpy as np
from rdkit import Chem

from ..errors import InvalidArgumentError, TypingWarning
from ..io.molecule import Molecule
from ._perception import gnina_type_indices
from .gnina import GENERIC_METAL, GNINA_COVALENT_RADII, GNINA_TYPE_NAMES, GNINA_XS_RADII
from .maps import DEFAULT_LIGAND_MAP, DEFAULT_RECEPTOR_MAP, GNINA_IDENTITY_MAP, ChannelMap
from .typed import TypedAtoms


class Typer:
    """Base class: ``typer(molecule) -> TypedAtoms``. Subclasses define :meth:`type_atoms`."""

    channel_names: tuple[str, ...] = ()

    @property
    def num_channels(self) -> int:
        return len(self.channel_names)

    def type_atoms(self, molecule: Molecule) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(keep, types, radii)``: a bool mask of typed atoms, and their types and radii."""
        raise NotImplementedError

    def __call__(self, molecule: Molecule) -> TypedAtoms:
        return self.assemble(molecule.coords, *self.type_atoms(molecule))

    def assemble(
        self, coords: np.ndarray, keep: np.ndarray, types: np.ndarray, radii: np.ndarray
    ) -> TypedAtoms:
        """:class:`TypedAtoms` of the kept rows of ``(N, 3)`` coordinates with their types and radii."""
        coords = np.ascontiguousarray(coords[keep], dtype=np.float32)
        return TypedAtoms(coords, types, radii.astype(np.float32), self.channel_names)


def warn_unknown_elements(
    types: np.ndarray, source: str, label: Callable[[int], str], symbol: Callable[[int], str]
) -> None:
    """Warn (:class:`TypingWarning`) when atoms of unknown elements were typed GenericMetal; ``label``
    names an atom as its file numbers it, ``symbol`` gives its element."""
    unknown = np.flatnonzero(types == GENERIC_METAL)
    if unknown.size:
        i = int(unknown[0])
        warnings.warn(
            f"{source}: {unknown.size} atom(s) of unknown element (first: {label(i)}, {symbol(i)!r}) "
            "typed GenericMetal",
            TypingWarning,
            stacklevel=4,
        )


class GninaTyper(Typer):
    """GNINA's atom typing, mapped onto channels.

    Args:
        channel_map: which GNINA types go in which channel; default: every type its own channel (28,
            hydrogens included). Atoms whose type is in no channel are dropped.
        covalent_radii: use covalent instead of X-Score radii (before merging).

    With ``DEFAULT_RECEPTOR_MAP`` / ``DEFAULT_LIGAND_MAP`` this is GNINA's default 14 + 14 typing; a merged
    channel's radius is the mean of its members' radii.
    """

    def __init__(self, channel_map: ChannelMap = GNINA_IDENTITY_MAP, *, covalent_radii: bool = False):
        if tuple(channel_map.source_names) != GNINA_TYPE_NAMES:
            raise InvalidArgumentError("GninaTyper needs a channel map over GNINA's 28 type names")
        self.channel_map = channel_map
        self.channel_names = channel_map.names
        self._table = channel_map.table
        self._radii = channel_map.radii(GNINA_COVALENT_RADII if covalent_radii else GNINA_XS_RADII)

    def gnina_types(self, molecule: Molecule) -> np.ndarray:
        """``(N,)`` int64 GNINA type index (0-27) of every atom, warning about unknown elements."""
        types = gnina_type_indices(molecule.rdmol)
        symbol = lambda i: molecule.rdmol.GetAtomWithIdx(i).GetSymbol()  # noqa: E731
        warn_unknown_elements(types, molecule.source, molecule.atom_label, symbol)
        return types

    def type_atoms(self, molecule):
        return self.map_gnina_types(self.gnina_types(molecule))

    def from_gnina_types(self, coords: np.ndarray, types: np.ndarray) -> TypedAtoms:
        """Atoms already typed with GNINA's 28 types (a ``.gninatypes`` or ``.molcache2`` molecule, the
        template path) mapped onto this typer's channels, with this typer's radii; atoms in no channel
        are dropped. This is the one mapping from GNINA types to channels.

        Args:
            coords: ``(N, 3)`` coordinates in Å.
            types: ``(N,)`` int64 GNINA type indices (0-27).
        """
        return self.assemble(coords, *self.map_gnina_types(types))

    def map_gnina_types(self, types: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(keep, channels, radii)`` for ``(N,)`` GNINA type indices: this typer's channel mapping."""
        channels = self._table[types]
        keep = channels >= 0
        return keep, channels[keep], self._radii[channels[keep]]

    @classmethod
    def from_file(cls, path: str | os.PathLike, *, covalent_radii: bool = False) -> GninaTyper:
        """A GNINA typer with channels read from a GNINA map file (see :meth:`ChannelMap.from_file`)."""
        return cls(ChannelMap.from_file(path), covalent_radii=covalent_radii)


def default_receptor_typer() -> GninaTyper:
    """GNINA's default receptor typing: 14 channels, hydrogens dropped."""
    return GninaTyper(DEFAULT_RECEPTOR_MAP)


def default_ligand_typer() -> GninaTyper:
    """GNINA's default ligand typing: 14 channels, hydrogens dropped."""
    return GninaTyper(DEFAULT_LIGAND_MAP)


#: Elements of :class:`ElementTyper`'s default channels.
DEFAULT_ELEMENTS = ("H", "C", "N", "O", "F", "P", "S", "Cl", "Br", "I")


class ElementTyper(Typer):
    """One channel per element, plus a last catch-all channel ``"Other"``.

    Args:
        elements: element symbols, one channel each.
        hydrogens: type hydrogens (default: drop them, like GNINA's default maps).
        radii: per-channel radii in Å; default: RDKit's covalent radii (``Other``: 1.5 Å).
    """

    def __init__(
        self,
        elements: Sequence[str] = DEFAULT_ELEMENTS,
        *,
        hydrogens: bool = False,
        radii: Sequence[float] | None = None,
    ):
        table = Chem.GetPeriodicTable()
        self.elements = tuple(elements)
        self._numbers = {table.GetAtomicNumber(e): i for i, e in enumerate(self.elements)}
        self.hydrogens = hydrogens
        self.channel_names = (*self.elements, "Other")
        if radii is None:
            radii = [table.GetRcovalent(e) for e in self.elements] + [1.5]
        if len(radii) != len(self.channel_names):
            raise InvalidArgumentError(
                f"need {len(self.channel_names)} radii (one per element and 'Other'), got {len(radii)}"
            )
        self._radii = np.asarray(radii, dtype=np.float32)

    def type_atoms(self, molecule):
        z = molecule.elements
        types = np.array([self._numbers.get(int(e), len(self.elements)) for e in z], dtype=np.int64)
        keep = np.ones(len(z), dtype=bool) if self.hydrogens else z != 1
        return keep, types[keep], self._radii[types[keep]]


class CallbackTyper(Typer):
    """Types from a user function ``f(atom: rdkit.Chem.Atom) -> (channel, radius)``; a negative channel
    drops the atom.

    Args:
        function: the per-atom callback.
        channel_names: names of the channels the callback returns indices into.
    """

    def __init__(self, function: Callable[[Chem.Atom], tuple[int, float]], channel_names: Sequence[str]):
        self.function = function
        self.channel_names = tuple(channel_names)

    def type_atoms(self, molecule):
        pairs = [self.function(atom) for atom in molecule.rdmol.GetAtoms()]
        types = np.array([int(t) for t, _ in pairs], dtype=np.int64).reshape(-1)
        radii = np.array([float(r) for _, r in pairs], dtype=np.float32).reshape(-1)
        if (types >= len(self.channel_names)).any():
            bad = int(types[types >= len(self.channel_names)][0])
            raise InvalidArgumentError(f"callback returned channel {bad} of {len(self.channel_names)}")
        keep = types >= 0
        return keep, types[keep], radii[keep]


class OneHotTyper(Typer):
    """Vector types: the one-hot encoding of any index typer's channels (``(N, C)`` float32 weights)."""

    def __init__(self, typer: Typer):
        self.typer = typer
        self.channel_names = typer.channel_names

    def type_atoms(self, molecule):
        keep, types, radii = self.typer.type_atoms(molecule)
        return keep, np.eye(self.num_channels, dtype=np.float32)[types], radii


class FeatureTyper(Typer):
    """Vector types from continuous per-atom features: ``f(atom) -> sequence of C floats``.

    Args:
        function: per-atom features (e.g. partial charge, hydrophobicity); may be negative.
        channel_names: one name per feature.
        radius: radius (Å) of every atom, or a callable ``atom -> radius``.
        hydrogens: type hydrogens (default: drop them).
    """

    def __init__(
        self,
        function: Callable[[Chem.Atom], Sequence[float]],
        channel_names: Sequence[str],
        *,
        radius: float | Callable[[Chem.Atom], float] = 1.5,
        hydrogens: bool = False,
    ):
        self.function = function
        self.channel_names = tuple(channel_names)
        self.radius = radius
        self.hydrogens = hydrogens

    def type_atoms(self, molecule):
        atoms = [a for a in molecule.rdmol.GetAtoms() if self.hydrogens or a.GetAtomicNum() != 1]
        keep = np.array(
            [self.hydrogens or a.GetAtomicNum() != 1 for a in molecule.rdmol.GetAtoms()], dtype=bool
        )
        features = np.array([list(self.function(a)) for a in atoms], dtype=np.float32).reshape(
            len(atoms), self.num_channels
        )
        if callable(self.radius):
            radii = np.array([self.radius(a) for a in atoms], dtype=np.float32)
        else:
            radii = np.full(len(atoms), self.radius, dtype=np.float32)
        return keep, features, radii
