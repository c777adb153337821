"""Bond orders from geometry for atoms a file gives without them, with OpenBabel's outcome.

PDB ligands and cofactors come as coordinates only. GNINA's models were trained on structures that
OpenBabel read, and OpenBabel perceives their bond orders from geometry; RDKit would read them as single
bonds and fill every valence with hydrogens, so that an aromatic ring comes out aliphatic and a carbonyl
oxygen a hydroxyl. This module reproduces OpenBabel's perception, step by step:

1. hybridisation from the mean bond angle (over 155 degrees: sp; over 115: sp2);
2. planar five- and six-membered rings make their atoms sp2;
3. an sp2 (sp) atom with no unsaturated or terminal neighbour is lowered to sp3 (sp2);
4. functional groups (carboxylates, nitro, sulfones, amidines, ...) get their canonical bond orders,
   and carbonyls, thiones, isocyanates and oximes theirs when their geometry fits;
5. rings of five to seven sp2 atoms are kekulised (a maximum matching of their bonds);
6. the other multiple bonds go, atom by atom in order of electronegativity (shorter bonds first), to
   the most electronegative unsaturated neighbour whose bond geometry fits a double (triple) bond.

RDKit's aromaticity, hybridisation and implicit hydrogens then follow from those bond orders.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from rdkit import Chem
from rdkit.Chem import rdMolTransforms

# Pauling electronegativity, OpenBabel's largest number of bonds, and covalent radius (Å) by element.
_ELECTRONEGATIVITY = {1: 2.20, 5: 2.04, 6: 2.55, 7: 3.04, 8: 3.44, 9: 3.98, 14: 1.90, 15: 2.19, 16: 2.58,
                      17: 3.16, 34: 2.55, 35: 2.96, 53: 2.66}  # fmt: skip
_MAX_BONDS = {1: 1, 5: 4, 6: 4, 7: 4, 8: 2, 9: 1, 14: 4, 15: 6, 16: 6, 17: 1, 34: 6, 35: 1, 53: 1}
_COVALENT = {1: 0.31, 5: 0.84, 6: 0.76, 7: 0.71, 8: 0.66, 9: 0.57, 14: 1.11, 15: 1.07, 16: 1.05,
             17: 1.02, 34: 1.20, 35: 1.20, 53: 1.39}  # fmt: skip
_BOND_TYPES = {1: Chem.BondType.SINGLE, 2: Chem.BondType.DOUBLE, 3: Chem.BondType.TRIPLE}
_HYBRIDISATION = {1: Chem.HybridizationType.SP, 2: Chem.HybridizationType.SP2, 3: Chem.HybridizationType.SP3}

# Functional groups and the bond orders their matches get: (SMARTS, [(i, j, order), ...]); ``^n`` is
# the hybridisation of steps 1-3, ``D`` the number of neighbours in the file. This is the table compiled
# into the OpenBabel that libmolgrid (GNINA) ships, which differs from OpenBabel's current data file: it
# makes a ring nitrogen with two neighbours double-bonded to a neighbouring sp2 carbon with three
# (``[#7D2R][#6D3^2]``; lactams, purines and benzimidazoles read from PDB files come out non-aromatic
# with it), has no rules for P(=O)(=O)O and HNO, and its amide and thioamide rules are the older ones.
# The three porphyrin patterns (HEM) come first.
_PORPHYRIN = "*1[#6]([#7{0}]2)[#6][#6][#6]2*[#6]([#7{1}]3)[#6][#6][#6]3*[#6]([#7{0}]4)[#6][#6][#6]4*[#6]([#7{1}]5)[#6][#6][#6]51"  # noqa: E501
_PORPHYRIN_ORDERS = [
    (0, 1, 2),
    (1, 2, 1),
    (1, 3, 1),
    (3, 4, 2),
    (4, 5, 1),
    (5, 2, 1),
    (5, 6, 2),
    (6, 7, 1),
    (7, 8, 2),
    (7, 9, 1),
    (9, 10, 2),
    (10, 11, 1),
    (11, 8, 1),
    (11, 12, 2),
    (12, 13, 1),
    (13, 14, 1),
    (13, 15, 2),
    (15, 16, 1),
    (16, 17, 2),
    (17, 14, 1),
    (17, 18, 1),
    (18, 19, 2),
    (19, 20, 1),
    (19, 21, 1),
    (21, 22, 2),
    (22, 23, 1),
    (23, 20, 2),
]
_GROUPS = [
    (_PORPHYRIN.format("D3", "D3"), _PORPHYRIN_ORDERS),
    (_PORPHYRIN.format("D3", ""), _PORPHYRIN_ORDERS),
    (_PORPHYRIN.format("", ""), _PORPHYRIN_ORDERS),
    ('[#7D2][#7D2^1][#7D1]', [(0, 1, 2), (1, 2, 2)]),
    ('[#8D1][#7D3^2]([#8D1])*', [(0, 1, 2), (1, 2, 2), (1, 3, 1)]),
    ('[#16D4]([#8D1])([#8D1])([*!#8])([*!#8])', [(0, 1, 2), (0, 2, 2), (0, 3, 1), (0, 4, 1)]),
    ('[#16D4]([#8D1])([#8D1])([#8-,#8])([#8-,#8])', [(0, 1, 2), (0, 2, 2), (0, 3, 1), (0, 4, 1)]),
    ('[#16D4]([#16D1])([#8D1])([#8-,#8])([#8-,#8])', [(0, 1, 2), (0, 2, 2), (0, 3, 1), (0, 4, 1)]),
    ('[#16D3]([#8D1])([*!#8])([*!#8])', [(0, 1, 2), (0, 2, 1), (0, 3, 1)]),
    ('[#16D3]([#8D1])([#8D1-])([#8D1-])', [(0, 1, 2), (0, 2, 1), (0, 3, 1)]),
    ('[#16D3]([#8D1])([#8D1])([#8D1])', [(0, 1, 2), (0, 2, 2), (0, 3, 2)]),
    ('[#16D3]([#8D1])([#8])([#8])', [(0, 1, 2), (0, 2, 1), (0, 3, 1)]),
    ('[#16D2]([#8D1])([#16D1])', [(0, 1, 2), (0, 2, 2)]),
    ('[#16D2]([#8D1])([*!#8])', [(0, 1, 2), (0, 2, 1)]),
    ('[#16D2]([#8D1])([#8D1])', [(0, 1, 2), (0, 2, 2)]),
    ('[#15D4]([#8D1])(*)(*)(*)', [(0, 1, 2), (0, 2, 1), (0, 3, 1), (0, 4, 1)]),
    ('[#6D3^2]([#8D1])([#8])*', [(0, 1, 2), (0, 2, 1), (0, 3, 1)]),
    ('[#8D1][#6D2^1][#8D1]', [(0, 1, 2), (1, 2, 2)]),
    ('[#6D3^2]([#8D1])([#7])*', [(0, 1, 2), (0, 2, 1), (0, 3, 1)]),
    ('[#34D3^2]([#8D1])([#8])*', [(0, 1, 2), (0, 2, 1), (0, 3, 1)]),
    ('[#6D3^2]([#8D1])([#16])*', [(0, 1, 2), (0, 2, 1), (0, 3, 1)]),
    ('[#6D3^2]([#16D1])([#16])*', [(0, 1, 2), (0, 2, 1), (0, 3, 1)]),
    ('[#6D3^2]([#16D1])([#7])*', [(0, 1, 2), (0, 2, 1), (0, 3, 1)]),
    ('[#6^2][#6D2^1][#6^2]', [(0, 1, 2), (1, 2, 2)]),
    ('[#6^2][#6D2^1][#8D1]', [(0, 1, 2), (1, 2, 2)]),
    ('[#6D1][#7D2^1]*', [(0, 1, 3), (1, 2, 1)]),
    ('[#7D2R][#6D3^2]', [(0, 1, 2)]),
    ('[#6D3^2;!R]([#7D2;!R])([#7D1;!R])~[#7D1;!R]', [(0, 1, 2), (0, 2, 1), (0, 3, 1)]),
    ('[#6D3^2;!R]([#7D1H0;!R])([#7;!R])*', [(0, 1, 2), (0, 2, 1), (0, 3, 1)]),
    ('[#6D3^2;!R]([#7D2H1;!R])([#7;!R])*', [(0, 1, 2), (0, 2, 1), (0, 3, 1)]),
    ('[#6D3^2;!R]([#7D3H2;!R])([#7;!R])*', [(0, 1, 2), (0, 2, 1), (0, 3, 1)]),
    ('[#6D3^2;!R]([#1,#6])([#1,#6])[#7D3^2;!R]([#1])[#6]',
     [(0, 1, 1), (0, 2, 1), (0, 3, 2), (3, 4, 1), (3, 5, 1)]),
]  # fmt: skip
_PATTERNS = [(Chem.MolFromSmarts(smarts), orders) for smarts, orders in _GROUPS]
# Double bonds that need a fitting geometry too: (SMARTS, mean angle range at atom 1, longest bond 0-1).
_GEOMETRIC = [
    (Chem.MolFromSmarts("[#8D1;!-][#6](*)(*)"), (115.0, 150.0), 1.28),  # carbonyl
    (Chem.MolFromSmarts("[#16D1][#6](*)(*)"), (115.0, 150.0), 1.72),  # thione
    (Chem.MolFromSmarts("[#6D3][#7D2][#8D2]"), (110.0, 150.0), 1.40),  # oxime
]
_ISOCYANATE = Chem.MolFromSmarts("[#8,#16;D1][#6D2][#7D2]")


class _State:
    """The molecule being perceived: hybridisations and bond orders, and geometry."""

    def __init__(self, mol: Chem.RWMol, atoms: set[int]):
        self.mol = mol
        self.atoms = atoms
        self.conformer = mol.GetConformer()
        self.positions = np.asarray(self.conformer.GetPositions())
        self.hyb = {i: 3 for i in atoms}

    def atom(self, i: int) -> Chem.Atom:
        return self.mol.GetAtomWithIdx(i)

    def degree(self, i: int) -> int:
        return self.atom(i).GetDegree()

    def valence(self, i: int) -> int:
        return sum(int(b.GetBondTypeAsDouble()) for b in self.atom(i).GetBonds())

    def non_single(self, i: int) -> bool:
        return any(b.GetBondTypeAsDouble() > 1 for b in self.atom(i).GetBonds())

    def length(self, i: int, j: int) -> float:
        return float(np.linalg.norm(self.positions[i] - self.positions[j]))

    def mean_angle(self, i: int) -> float:
        bonds = [self.positions[n.GetIdx()] - self.positions[i] for n in self.atom(i).GetNeighbors()]
        cosines = [
            u @ v / (np.linalg.norm(u) * np.linalg.norm(v))
            for k, u in enumerate(bonds)
            for v in bonds[k + 1 :]
        ]
        return float(np.degrees(np.arccos(np.clip(cosines, -1.0, 1.0))).mean()) if cosines else 0.0

    def torsion(self, a: int, b: int, c: int, d: int) -> float:
        return abs(rdMolTransforms.GetDihedralDeg(self.conformer, a, b, c, d))

    def set_order(self, i: int, j: int, order: int) -> None:
        bond = self.mol.GetBondBetweenAtoms(i, j)
        if bond is not None:
            bond.SetBondType(
                {1: Chem.BondType.SINGLE, 2: Chem.BondType.DOUBLE, 3: Chem.BondType.TRIPLE}[order]
            )

    def corrected_radius(self, i: int) -> float:
        radius = _COVALENT.get(self.atom(i).GetAtomicNum(), 1.5)
        return radius * {1: 0.90, 2: 0.95}.get(self.hyb.get(i, 3), 1.0)

    def double_bond_geometry(self, i: int, j: int) -> bool:
        """Whether the neighbours of ``i`` and ``j`` are coplanar, as a double bond i=j wants."""
        if self.hyb.get(i) == 1 or self.hyb.get(j) == 1 or self.degree(i) > 3 or self.degree(j) > 3:
            return True
        for a in self.atom(i).GetNeighbors():
            for d in self.atom(j).GetNeighbors():
                if a.GetIdx() != j and d.GetIdx() != i:
                    torsion = self.torsion(a.GetIdx(), i, j, d.GetIdx())
                    if 15.0 < torsion < 160.0:
                        return False
        return True


def perceive_bond_orders(mol: Chem.RWMol, atoms: Iterable[int]) -> None:
    """Set the orders of the bonds among ``atoms`` of ``mol`` (read with single bonds, with a conformer)
    as OpenBabel perceives them from geometry. Bonds to other atoms keep their orders."""
    atoms = set(atoms)
    if not atoms:
        return
    state = _State(mol, atoms)
    rings = [tuple(ring) for ring in Chem.GetSymmSSSR(mol) if atoms.issuperset(ring)]
    _hybridisation_from_angles(state)
    _planar_rings(state, rings)
    _lower_isolated(state)
    _functional_groups(state)
    _kekulise_rings(state, rings)
    _remaining_bonds(state)


def _hybridisation_from_angles(state: _State) -> None:
    for i in state.atoms:
        angle = state.mean_angle(i)
        if angle > 155.0:
            state.hyb[i] = 1
        elif angle > 115.0:
            state.hyb[i] = 2
        atom = state.atom(i)
        if atom.GetAtomicNum() == 7 and state.degree(i) == 2:
            hydrogens = sum(n.GetAtomicNum() == 1 for n in atom.GetNeighbors())
            if (hydrogens == 1 and angle > 109.5) or atom.IsInRing():  # imines, ring nitrogens
                state.hyb[i] = 2


def _planar_rings(state: _State, rings: list[tuple[int, ...]]) -> None:
    for ring in rings:
        size = len(ring)
        if size not in (5, 6):
            continue
        torsions = [state.torsion(*(ring[(k + m) % size] for m in range(4))) for k in range(size)]
        if size == 5 and np.mean(torsions) <= 7.5:
            planar = [i for i in ring if state.degree(i) == 2]
        elif size == 6 and np.mean(torsions) <= 12.0:
            planar = [i for i in ring if state.degree(i) in (2, 3)]
        else:
            continue
        for i in planar:
            state.hyb[i] = 2


def _lower_isolated(state: _State) -> None:
    """An sp2 or sp atom whose neighbours are all sp3 and not terminal has no partner for a multiple
    bond: one step lower."""
    for i in sorted(state.atoms):
        if state.hyb[i] in (1, 2):
            open_neighbour = any(
                state.hyb.get(n.GetIdx(), 3) < 3 or n.GetDegree() == 1 for n in state.atom(i).GetNeighbors()
            )
            if not open_neighbour:
                state.hyb[i] += 1


def _functional_groups(state: _State) -> None:
    mol = state.mol
    saved = [(a.GetNoImplicit(), a.GetHybridization()) for a in mol.GetAtoms()]
    for atom in mol.GetAtoms():  # the SMARTS see the file's neighbours only, and this hybridisation
        atom.SetNoImplicit(True)
        atom.SetNumExplicitHs(0)
        if atom.GetIdx() in state.atoms:
            atom.SetHybridization(_HYBRIDISATION[state.hyb[atom.GetIdx()]])
    mol.UpdatePropertyCache(strict=False)
    for pattern, orders in _PATTERNS:
        for match in mol.GetSubstructMatches(pattern, uniquify=True, maxMatches=100000):
            if state.atoms.issuperset(match):
                for i, j, order in orders:
                    state.set_order(match[i], match[j], order)
    for pattern, (low, high), longest in _GEOMETRIC:
        for match in mol.GetSubstructMatches(pattern, uniquify=True, maxMatches=100000):
            a, b = match[0], match[1]
            if not state.atoms.issuperset((a, b)):
                continue
            fits = low < state.mean_angle(b) < high and state.length(a, b) < longest
            if fits and not any(bond.GetBondTypeAsDouble() == 2 for bond in state.atom(a).GetBonds()):
                state.set_order(a, b, 2)
    for match in mol.GetSubstructMatches(_ISOCYANATE, uniquify=True):
        a, b, c = match
        if not state.atoms.issuperset(match):
            continue
        close = state.length(a, b) < (1.28 if state.atom(a).GetAtomicNum() == 8 else 1.72)
        if state.mean_angle(b) > 150.0 and close and state.length(b, c) < 1.34:
            state.set_order(a, b, 2)
            state.set_order(b, c, 2)
    for atom, (no_implicit, hybridisation) in zip(mol.GetAtoms(), saved, strict=True):
        atom.SetNoImplicit(no_implicit)
        atom.SetHybridization(hybridisation)


def _needs_double_bond(state: _State, i: int) -> bool:
    """Whether a ring atom to kekulise needs one of its ring bonds double (OpenBabel's valence cases)."""
    atom = state.atom(i)
    z, charge, degree = atom.GetAtomicNum(), atom.GetFormalCharge(), state.degree(i)
    if z == 6:
        return not (degree == 3 and charge in (1, -1))
    if z in (5, 7, 15, 33, 51, 83):
        return not (
            (charge == 0 and (degree == 3 or degree > 4))
            or (charge == -1 and degree == 2)
            or (charge == 1 and degree > 3)
        )
    if z in (8, 16, 34, 52):
        if charge == 0:
            return not (degree in (2, 4) or degree > 5)
        if charge in (-1, 1):
            return not (degree in (3, 5) or degree > 6)
    return True


def _kekulise_rings(state: _State, rings: list[tuple[int, ...]]) -> None:
    """Rings of 5-7 sp2 atoms without a multiple bond yet: double bonds by a maximum matching of the
    ring bonds between atoms that need one."""
    aromatic: set[tuple[int, int]] = set()
    for ring in rings:
        if len(ring) in (5, 6, 7) and all(state.hyb[i] == 2 and not state.non_single(i) for i in ring):
            aromatic |= {_pair(ring[k], ring[(k + 1) % len(ring)]) for k in range(len(ring))}
    if not aromatic:
        return
    needing = {i for bond in aromatic for i in bond if _needs_double_bond(state, i)}
    partners: dict[int, list[int]] = {i: [] for i in needing}
    for i, j in sorted(aromatic):
        if i in needing and j in needing:
            partners[i].append(j)
            partners[j].append(i)
    for i, j in _maximum_matching(partners).items():
        if i < j:
            state.set_order(i, j, 2)


def _pair(i: int, j: int) -> tuple[int, int]:
    return (i, j) if i < j else (j, i)


def _maximum_matching(partners: dict[int, list[int]]) -> dict[int, int]:
    """A maximum matching of a small graph (augmenting paths), as ``{atom: partner}`` both ways."""
    match: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in partners[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in match or augment(match[j], seen):
                match[i], match[j] = j, i
                return True
        return False

    for i in sorted(partners, key=lambda k: len(partners[k])):
        if i not in match:
            augment(i, {i})
    return match


def _electronegativity(state: _State, i: int) -> float:
    return _ELECTRONEGATIVITY.get(state.atom(i).GetAtomicNum(), 2.0)


def _remaining_bonds(state: _State) -> None:
    """Multiple bonds atom by atom, least electronegative first (shorter bonds first among equals)."""

    def key(i: int) -> float:
        heavy = [state.length(i, n.GetIdx()) for n in state.atom(i).GetNeighbors() if n.GetAtomicNum() != 1]
        return _electronegativity(state, i) * 1e6 + min(heavy, default=1e5)

    for i in sorted(state.atoms, key=key):
        z = state.atom(i).GetAtomicNum()
        most = _MAX_BONDS.get(z, 4)
        if (state.hyb[i] == 1 or state.degree(i) == 1) and state.valence(i) + 2 <= most:
            _multiple_bond(state, i, 3)
        elif (state.hyb[i] == 2 or state.degree(i) == 1) and state.valence(i) + 1 <= most:
            if z == 16 and state.atom(i).IsInRing():  # no multiple bonds to ring sulfurs
                continue
            _multiple_bond(state, i, 2)


def _saturated(state: _State, i: int, extra: int) -> bool:
    """Whether atom ``i`` cannot take ``extra`` more bond order (a multiple bond already, a nitrogen
    at three, its element's maximum)."""
    atom = state.atom(i)
    z, valence = atom.GetAtomicNum(), state.valence(i)
    return state.non_single(i) or (z == 7 and valence + extra > 3) or valence + extra > _MAX_BONDS.get(z, 4)


def _multiple_bond(state: _State, i: int, order: int) -> None:
    extra = order - 1
    if _saturated(state, i, extra):
        return
    wanted_hyb = 1 if order == 3 else 2
    best, best_neg, shortest = None, 0.0, 5000.0
    for neighbour in state.atom(i).GetNeighbors():
        j = neighbour.GetIdx()
        if j not in state.atoms or not (state.hyb[j] == wanted_hyb or state.degree(j) == 1):
            continue
        negativity = _electronegativity(state, j)
        if _saturated(state, j, extra):
            continue
        length = state.length(i, j)
        if state.degree(i) == 1 or state.degree(j) == 1:  # a terminal bond must be short enough
            expected = state.corrected_radius(i) + state.corrected_radius(j)
            if length > (0.9 if order == 3 else 0.93) * expected:
                continue
        if order == 3:
            if negativity > best_neg or (math.isclose(negativity, best_neg) and length < shortest):
                best, best_neg, shortest = j, negativity, length
            continue
        if not state.double_bond_geometry(i, j) or (
            negativity < best_neg and not math.isclose(negativity, best_neg)
        ):
            continue
        if neighbour.GetAtomicNum() == 16 and neighbour.IsInRing():
            continue
        difference = shortest - length
        in_ring = state.atom(i).IsInRing()
        best_in_ring = best is not None and state.atom(best).IsInRing()
        if difference > 0.1 or (
            difference > -0.01 and (not in_ring or best is None or not best_in_ring or neighbour.IsInRing())
        ):
            best, best_neg, shortest = j, negativity, length
    if best is not None:
        state.set_order(i, best, order)
