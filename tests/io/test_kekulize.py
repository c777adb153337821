"""OpenBabel's kekulisation (``io._kekulize``) on systems with known outcomes."""

from __future__ import annotations

import itertools

import pytest

from voxbind.io._kekulize import kekulize, needs_double_bond


def _ring(n):
    return [(k, (k + 1) % n) for k in range(n)]


def test_benzene_gets_three_alternating_double_bonds():
    double, complete = kekulize(6, _ring(6), [True] * 6, [True] * 6)
    assert complete
    assert len(double) == 3
    bonds = [_ring(6)[k] for k in double]
    assert all(not {a, b} & {c, d} for (a, b), (c, d) in itertools.combinations(bonds, 2))


def test_a_guanidinium_whose_nitrogens_carry_hydrogens_keeps_single_bonds():
    """C(N)(N)N with two hydrogens on each terminal N and one on the inner: only the carbon needs a
    double bond, so OpenBabel's kekulisation fails and makes none."""
    needs = [
        needs_double_bond(6, 0, 3, []),  # the carbon
        needs_double_bond(7, 0, 3, []),  # NE: C, CZ, H
        needs_double_bond(7, 0, 3, []),  # NH1: CZ, H, H
        needs_double_bond(7, 0, 3, []),
    ]
    assert needs == [True, False, False, False]
    double, complete = kekulize(4, [(0, 1), (0, 2), (0, 3)], [True] * 3, needs)
    assert double == set()
    assert not complete


def test_pyrrole_without_its_hydrogen_is_odd_and_keeps_two_double_bonds():
    """Every atom needs a double bond (the nitrogen has two neighbours): five atoms, two bonds."""
    needs = [needs_double_bond(6, 0, 2, [])] * 4 + [needs_double_bond(7, 0, 2, [])]
    assert all(needs)
    double, complete = kekulize(5, _ring(5), [True] * 5, needs)
    assert not complete
    assert len(double) == 2


@pytest.mark.parametrize(
    ("element", "charge", "degree", "others", "expected"),
    [
        (7, 0, 3, [], False),  # pyrrole-type nitrogen
        (7, 1, 3, [], True),  # pyridinium
        (7, 0, 3, [2], True),  # N with an exocyclic double bond and three neighbours
        (6, 0, 3, [2], False),  # carbon with an exocyclic double bond
        (6, -1, 3, [], False),  # cyclopentadienyl anion carbon
        (8, 0, 2, [], False),  # furan oxygen
        (16, 0, 4, [2], True),  # the sulfur special case
    ],
)
def test_which_atoms_need_a_double_bond(element, charge, degree, others, expected):
    assert needs_double_bond(element, charge, degree, others) is expected
