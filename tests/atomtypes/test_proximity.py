"""Bonds from distances (``_proximity.proximity_bonds``) against the rule written out by brute force."""

from __future__ import annotations

import numpy as np
from rdkit import Chem

from voxbind.atomtypes._proximity import proximity_bonds

_TABLE = Chem.GetPeriodicTable()


def _brute_force(coords, element, residue, water):
    """RDKit's rule over every pair (see the module docstring of ``_proximity``)."""
    xyz = coords.astype(np.float32).astype(np.float64)
    radius = np.array([_TABLE.GetRcovalent(int(z)) for z in element], dtype=np.float32).astype(np.float64)
    linkable = np.isin(element, [5, 6, 7, 8, 14, 15, 16, 32, 33, 34, 51, 52]) & ~water
    pairs = []
    for i in range(len(xyz)):
        for j in range(i + 1, len(xyz)):
            d2 = float(((xyz[i] - xyz[j]) ** 2).sum())
            limit = radius[i] + radius[j] + 0.45
            if not 0.16 <= d2 <= limit * limit or (element[i] == 1 and element[j] == 1):
                continue
            if residue[i] != residue[j] and not (linkable[i] and linkable[j]):
                continue
            pairs.append((i, j))
    best = {}
    for i, j in pairs:  # a hydrogen keeps its shortest bond (the first found among equals)
        h = i if element[i] == 1 else (j if element[j] == 1 else None)
        if h is not None:
            d = np.linalg.norm(coords[i] - coords[j])
            if h not in best or d < best[h][0]:
                best[h] = (d, (i, j))
    kept = {pair for _, pair in best.values()}
    return {(i, j) for i, j in pairs if (element[i] != 1 and element[j] != 1) or (i, j) in kept}


def test_crowded_random_atoms_match_the_rule():
    """Far more pairs than the first guess of room (four per atom): the search runs again with room."""
    rng = np.random.default_rng(3)
    n = 400
    coords = rng.normal(size=(n, 3)) * 1.2
    element = rng.choice([1, 6, 7, 8, 16, 30], size=n)
    residue = rng.integers(0, 6, size=n)
    water = residue == 5
    i, j = proximity_bonds(coords, element, residue, water)
    found = set(zip(i.tolist(), j.tolist(), strict=True))
    assert len(found) == len(i) > 4 * n
    assert found == _brute_force(coords, element, residue, water)
