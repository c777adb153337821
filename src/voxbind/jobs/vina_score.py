"""AutoDock Vina's empirical score of a pose as it stands, as GNINA reports it with ``--score_only``
(``minimizedAffinity``, kcal/mol).

GNINA (smina) evaluates Vina's function pair by pair, without grid maps: every ligand heavy atom with every
receptor heavy atom closer than 8 Å, on the surface distance ``d = r - R_i - R_j`` (X-Score radii)::

    -0.035579 exp(-(d/0.5)^2)                  gauss 1
    -0.005156 exp(-((d-3)/2)^2)                gauss 2
    +0.840245 d^2               (d < 0)        repulsion
    -0.035069 1 → 0 as d goes 0.5 → 1.5 Å     hydrophobic (both atoms hydrophobic)
    -0.587439 1 → 0 as d goes -0.7 → 0 Å      hydrogen bond (a donor with an acceptor)

and divides their sum by ``1 + 0.05846 N``, ``N`` the ligand's rotatable bonds between two atoms with
at least two heavy neighbours each (single, not in a ring, not an amide C-N). Atom types (hydrophobic
carbons, donors, acceptors, radii) are GNINA's, from :mod:`voxbind.atomtypes`, as the CNN sees them.

The ``vina`` package computes the same terms from grid maps (interpolated, and Vina 1.2 counts a
hydroxyl's rotor as half a torsion); GNINA's exact pair sums are what this module reproduces.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
from rdkit import Chem

from ..atomtypes import GNINA_IDENTITY_MAP, GninaTyper, read_typed_molecule
from ..atomtypes.gnina import GNINA_TYPES
from ..errors import VoxbindError
from ..io import Molecule

#: Weights of gauss 1, gauss 2, repulsion, hydrophobic and hydrogen-bond terms (GNINA's ``vina``).
WEIGHTS = np.array([-0.035579, -0.005156, 0.840245, -0.035069, -0.587439])
#: Weight of each rotatable bond in the divisor ``1 + w N``.
TORSION_WEIGHT = 0.05846
#: Pairs at this distance or farther do not interact (Å).
CUTOFF = 8.0

_RADIUS = np.array([t.xs_radius for t in GNINA_TYPES])
_HYDROPHOBE = np.array([t.hydrophobe for t in GNINA_TYPES])
_DONOR = np.array([t.donor for t in GNINA_TYPES])
_ACCEPTOR = np.array([t.acceptor for t in GNINA_TYPES])
_HEAVY = np.array([t.element != 1 for t in GNINA_TYPES])


@dataclass(frozen=True)
class VinaScore:
    """Vina's score of one pose.

    Attributes:
        terms: ``(5,)`` unweighted sums of gauss 1, gauss 2, repulsion, hydrophobic and hydrogen bond.
        torsions: the ligand's rotatable bonds as Vina's divisor counts them.
    """

    terms: np.ndarray
    torsions: int

    @property
    def inter(self) -> float:
        """The weighted intermolecular energy (kcal/mol), before the torsion divisor."""
        return float(WEIGHTS @ self.terms)

    @property
    def affinity(self) -> float:
        """Vina's score (kcal/mol; GNINA's ``minimizedAffinity``)."""
        return self.inter / (1 + TORSION_WEIGHT * self.torsions)


@dataclass(frozen=True)
class VinaAtoms:
    """Heavy atoms as Vina's function sees them: ``coords`` ``(N, 3)`` float64 (Å) and ``types``
    ``(N,)`` GNINA type indices (0-27)."""

    coords: np.ndarray
    types: np.ndarray

    @classmethod
    def heavy(cls, coords: np.ndarray, types: np.ndarray) -> VinaAtoms:
        """The heavy atoms of ``(N, 3)`` coordinates (Å) with their ``(N,)`` GNINA type indices."""
        keep = _HEAVY[types]
        return cls(np.asarray(coords, dtype=np.float64)[keep], np.asarray(types)[keep])


def vina_score(receptor: VinaAtoms, ligand: VinaAtoms, torsions: int) -> VinaScore:
    """Vina's score of ``ligand`` in ``receptor`` (see the module's description)."""
    if not len(ligand.coords) or not len(receptor.coords):
        return VinaScore(np.zeros(5), torsions)
    low, high = ligand.coords.min(0) - CUTOFF, ligand.coords.max(0) + CUTOFF
    near = np.all((receptor.coords > low) & (receptor.coords < high), axis=1)
    rec_xyz, rec_types = receptor.coords[near], receptor.types[near]
    r = np.linalg.norm(ligand.coords[:, None] - rec_xyz[None], axis=2)
    within = r < CUTOFF
    lig_t, rec_t = np.broadcast_arrays(ligand.types[:, None], rec_types[None])
    lig_t, rec_t, r = lig_t[within], rec_t[within], r[within]
    d = r - _RADIUS[lig_t] - _RADIUS[rec_t]
    hydrophobic = _HYDROPHOBE[lig_t] & _HYDROPHOBE[rec_t]
    hbond = (_DONOR[lig_t] & _ACCEPTOR[rec_t]) | (_ACCEPTOR[lig_t] & _DONOR[rec_t])
    terms = np.array(
        [
            np.exp(-((d / 0.5) ** 2)).sum(),
            np.exp(-(((d - 3.0) / 2.0) ** 2)).sum(),
            (np.minimum(d, 0.0) ** 2).sum(),
            np.clip(1.5 - d, 0.0, 1.0)[hydrophobic].sum(),
            np.clip(-d / 0.7, 0.0, 1.0)[hbond].sum(),
        ]
    )
    return VinaScore(terms, torsions)


def vina_torsions(mol: Chem.Mol, types: np.ndarray | None = None) -> int:
    """The rotatable bonds of ``mol`` that Vina's divisor counts, as GNINA counts them: single bonds, not
    in a ring and not an amide C-N, whose two atoms each have at least two heavy neighbours.

    ``types`` (GNINA type indices of ``mol``'s atoms) also finds carbonyls whose double bond the file
    does not give (a PDBQT pose read without bond orders): a terminal oxygen that is no hydrogen-bond
    donor, on a carbon."""

    def heavy_degree(atom: Chem.Atom) -> int:
        return sum(n.GetAtomicNum() > 1 for n in atom.GetNeighbors())

    count = 0
    for bond in mol.GetBonds():
        if bond.GetBondType() != Chem.BondType.SINGLE or bond.IsInRing():
            continue
        ends = bond.GetBeginAtom(), bond.GetEndAtom()
        if min(heavy_degree(a) for a in ends) < 2 or _is_amide(*ends, types):
            continue
        count += 1
    return count


def _is_amide(a: Chem.Atom, b: Chem.Atom, types: np.ndarray | None = None) -> bool:
    """Whether ``a``-``b`` is an amide's C-N bond (OpenBabel's rule: a carbonyl carbon and a nitrogen with
    three neighbours, hydrogens included)."""
    pair = {a.GetAtomicNum(): a, b.GetAtomicNum(): b}
    carbon, nitrogen = pair.get(6), pair.get(7)
    if carbon is None or nitrogen is None or nitrogen.GetTotalDegree() != 3:
        return False
    for bond in carbon.GetBonds():
        oxygen = bond.GetOtherAtom(carbon)
        if oxygen.GetAtomicNum() != 8:
            continue
        if bond.GetBondType() == Chem.BondType.DOUBLE:
            return True
        lone = sum(n.GetAtomicNum() > 1 for n in oxygen.GetNeighbors()) == 1
        if types is not None and lone and not _DONOR[types[oxygen.GetIdx()]]:
            return True  # a carbonyl whose double bond the file did not give
    return False


class VinaScorer:
    """Vina's score of poses in one receptor (read and typed once).

    Args:
        receptor: the receptor: a structure file (PDB, ..., ``.gninatypes``), a read
            :class:`~voxbind.io.Molecule`, or its atoms already typed (:class:`VinaAtoms`).

    Raises:
        InvalidFileError: the receptor cannot be read.
    """

    def __init__(self, receptor: str | os.PathLike | Molecule | VinaAtoms):
        typer = GninaTyper(GNINA_IDENTITY_MAP)  # channel k is GNINA type k
        if isinstance(receptor, VinaAtoms):
            self.receptor = receptor
        else:
            atoms = (
                typer(receptor) if isinstance(receptor, Molecule) else read_typed_molecule(receptor, typer)
            )
            self.receptor = VinaAtoms.heavy(atoms.coords, atoms.types)
        self._typer = typer
        self._ligand: tuple[object, np.ndarray, int] | None = None  # (topology, types, torsions)

    def __call__(self, pose: Molecule) -> VinaScore:
        """Vina's score of ``pose`` as it stands. Consecutive poses of one ligand (the same
        :attr:`~voxbind.io.Molecule.topology`) are typed once.

        Raises:
            VoxbindError: the pose cannot be typed.
        """
        key = pose.topology
        if self._ligand is not None and key is not None and self._ligand[0] == key:
            types, torsions = self._ligand[1:]
        else:
            types = self._typer.gnina_types(pose)
            torsions = vina_torsions(pose.rdmol, types)
            self._ligand = key, types, torsions
        return vina_score(self.receptor, VinaAtoms.heavy(pose.coords, types), torsions)

    def affinity(self, pose: Molecule) -> float:
        """Vina's score of ``pose`` (kcal/mol; see :meth:`__call__`), or NaN where it cannot be typed (the
        CNN's scoring of the pose reports why)."""
        try:
            return self(pose).affinity
        except VoxbindError:
            return math.nan
