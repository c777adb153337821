"""OpenBabel's kekulisation of aromatic bonds, step for step, for the cases where its outcome is not a
Kekulé structure RDKit would choose: an odd system (a guanidinium whose nitrogens carry their hydrogens)
fails, and OpenBabel keeps the double bonds its greedy pass placed.

OpenBabel first marks the atoms that need a double bond (by element, charge and number of neighbours),
then matches them greedily: atoms with one candidate partner first, then, in atom order, atoms with two,
then the rest; if atoms are left, it searches alternating paths between them (backtracking). The order
of atoms and of each atom's bonds is the file's, and decides which bonds it picks.
"""

from __future__ import annotations

from collections.abc import Sequence

_NITROGEN_GROUP = frozenset({5, 7, 15, 33, 51, 83})
_OXYGEN_GROUP = frozenset({8, 16, 34, 52})
_FIND_PATH_LIMIT = 10000


def needs_double_bond(element: int, charge: int, degree: int, other_orders: Sequence[int]) -> bool:
    """OpenBabel's test of an aromatic atom: whether it needs one of its aromatic bonds double.

    Args:
        element: atomic number; charge: formal charge; degree: neighbours, hydrogens included.
        other_orders: orders of the atom's bonds that are not aromatic.
    """
    for order in other_orders:
        if order == 2:  # a double bond already: only a neutral sp2 N with three neighbours, or an S
            special_n = element == 7 and degree == 3 and charge == 0
            return special_n or (element == 16 and degree == 4 and charge == 0)
        if order > 2:
            return False
    if element == 6:
        return not (degree == 3 and charge in (1, -1))
    if element in _NITROGEN_GROUP:
        if charge == 0:
            return not (degree == 3 or degree > 4)
        if charge == -1:
            return degree != 2
        if charge == 1:
            return degree <= 3
    if element in _OXYGEN_GROUP:
        if charge == 0:
            return not (degree in (2, 4) or degree > 5)
        if charge in (1, -1):
            return not (degree in (3, 5) or degree > 6)
    return True


def kekulize(n_atoms: int, bonds: Sequence[tuple[int, int]], aromatic: Sequence[bool], needs: list[bool]):
    """The bonds OpenBabel makes double among the aromatic ``bonds`` (``(atom, atom)`` in file order).

    Args:
        n_atoms: number of atoms (0-based indices).
        bonds: every bond, in the order the file lists them.
        aromatic: whether each bond is aromatic.
        needs: whether each atom needs a double bond (:func:`needs_double_bond`); not modified.

    Returns:
        ``(double, complete)``: the indices of the bonds made double, and whether every atom that needed
        a double bond got one (OpenBabel warns "Failed to kekulize" otherwise, and keeps ``double``).
    """
    state = _Kekulizer(n_atoms, bonds, aromatic, needs)
    complete = state.greedy() or state.backtrack()
    return state.double, complete


class _Kekulizer:
    """The state of OpenBabel's two steps: atoms still needing a double bond, their numbers of candidate
    partners, and the bonds made double so far."""

    def __init__(self, n_atoms, bonds, aromatic, needs):
        self.n, self.bonds, self.aromatic = n_atoms, bonds, aromatic
        self.incident: list[list[int]] = [[] for _ in range(n_atoms)]
        for k, (a, b) in enumerate(bonds):
            self.incident[a].append(k)
            self.incident[b].append(k)
        self.need = list(needs)
        self.system = list(needs)
        self.double: set[int] = set()
        self.degree = [0] * n_atoms
        self.degree_one: list[int] = []
        for atom in range(n_atoms):
            if self.need[atom]:
                self.degree[atom] = len(self.candidates(atom))
                if self.degree[atom] == 1:
                    self.degree_one.append(atom)

    def partner(self, atom: int, k: int) -> int:
        a, b = self.bonds[k]
        return b if a == atom else a

    def candidates(self, atom: int) -> list[int]:
        """The aromatic bonds of ``atom`` to atoms still needing a double bond, in the atom's order."""
        return [k for k in self.incident[atom] if self.aromatic[k] and self.need[self.partner(atom, k)]]

    def match(self, atom: int, k: int) -> bool:
        """Make bond ``k`` of ``atom`` double; whether an atom around it dropped to one candidate."""
        other = self.partner(atom, k)
        self.double.add(k)
        self.need[atom] = self.need[other] = False
        dropped = False
        for ref in (atom, other):
            for j in self.incident[ref]:
                beyond = self.partner(ref, j)
                if j != k and self.aromatic[j] and self.need[beyond]:
                    self.degree[beyond] -= 1
                    if self.degree[beyond] == 1:
                        self.degree_one.append(beyond)
                        dropped = True
        return dropped

    def greedy(self) -> bool:
        """Atoms with one candidate first; then, in atom order, one with two (or, when none has two, more)
        at a time, until one is left with a single candidate. Whether every atom got its double bond."""
        while True:
            while self.degree_one:
                atom = self.degree_one.pop()
                if self.need[atom] and (options := self.candidates(atom)):
                    self.match(atom, options[0])
            if not any(self.need):
                return True
            if not self._match_next():
                return False

    def _match_next(self) -> bool:
        for wanted in (2, None):
            for atom in range(self.n):
                if not self.need[atom] or (self.degree[atom] != 2 if wanted else self.degree[atom] <= 2):
                    continue
                options = self.candidates(atom)
                if options and self.match(atom, options[0]):
                    return True
        return False

    def backtrack(self) -> bool:
        """Flip alternating paths between atoms still needing a double bond; whether none is left."""
        waiting = [atom for atom in range(self.n) if self.need[atom]]
        count, handled = len(waiting), 0
        for atom in waiting:
            if not self.need[atom]:
                continue
            handled += 1
            if handled == count:
                return False
            self.need[atom] = False
            self._calls = 0
            path: list[int] = []
            if not self._find(atom, False, set(), path):
                self.need[atom] = True
                continue
            handled += 1
            path.append(atom)
            self.need[path[0]] = False
            for step in range(len(path) - 1):
                k = next(
                    j for j in self.incident[path[step]] if self.partner(path[step], j) == path[step + 1]
                )
                if step % 2 == 0:
                    self.double.add(k)
                else:
                    self.double.discard(k)
        return not any(self.need)

    def _find(self, current: int, want_double: bool, visited: set[int], path: list[int]) -> bool:
        """A path from ``current`` to an atom needing a double bond, along bonds alternately single and
        double; appended to ``path`` from its far end."""
        self._calls += 1
        if self._calls > _FIND_PATH_LIMIT:
            return False
        if self.need[current]:
            return True
        visited.add(current)
        for k in self.incident[current]:
            other = self.partner(current, k)
            if not self.aromatic[k] or not self.system[other] or (k in self.double) != want_double:
                continue
            if other not in visited and self._find(other, not want_double, visited, path):
                path.append(other)
                return True
        visited.discard(current)
        return False
