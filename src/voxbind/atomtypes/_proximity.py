"""Bonds from distances, by the rule RDKit's PDB reader applies.

Two atoms are bonded when their distance ``d`` satisfies ``0.4 Å <= d <= r_i + r_j + 0.45 Å`` (``r``:
RDKit's covalent radii, coordinates rounded to float32 first), except hydrogen–hydrogen pairs and, between
different residues, pairs involving a metal, halogen, noble gas or hydrogen, or a water (``HOH``). A
hydrogen left with several bonds keeps only the shortest. Matching RDKit exactly is what lets the
template typing path give the same types as typing the RDKit molecule.
"""

from __future__ import annotations

import numba
import numpy as np
from rdkit import Chem

_EXTRA = 0.45
_MIN_D2 = 0.16
_TABLE = Chem.GetPeriodicTable()
#: Elements that may bond across residues: B-O, Si-S, Ge-Se, Sb-Te.
_LINKABLE = frozenset([5, 6, 7, 8, 14, 15, 16, 32, 33, 34, 51, 52])


@numba.njit(cache=True, nogil=True)
def _close_pairs(xyz, radius, cell):  # pragma: no cover - compiled
    """All pairs ``i < j`` within the bonding distance; a uniform cell grid finds the candidates."""
    n = xyz.shape[0]
    lo = np.empty(3)
    dims = np.empty(3, dtype=np.int64)
    for k in range(3):
        lo[k] = xyz[:, k].min()
        dims[k] = int((xyz[:, k].max() - lo[k]) / cell) + 1
    index = np.empty((n, 3), dtype=np.int64)
    cell_of = np.empty(n, dtype=np.int64)
    for i in range(n):
        for k in range(3):
            index[i, k] = int((xyz[i, k] - lo[k]) / cell)
        cell_of[i] = (index[i, 0] * dims[1] + index[i, 1]) * dims[2] + index[i, 2]
    n_cells = dims[0] * dims[1] * dims[2]
    start = np.zeros(n_cells + 1, dtype=np.int64)
    for i in range(n):
        start[cell_of[i] + 1] += 1
    for c in range(n_cells):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    members = np.empty(n, dtype=np.int64)
    for i in range(n):
        members[fill[cell_of[i]]] = i
        fill[cell_of[i]] += 1
    px = xyz[members].astype(np.float64)  # atoms in cell order: neighbours are close in memory
    pr = radius[members].astype(np.float64)
    capacity = 4 * n + 16
    first = np.empty(capacity, dtype=np.int64)
    second = np.empty(capacity, dtype=np.int64)
    count = 0
    for a in range(n):
        i = members[a]
        for cx in range(max(index[i, 0] - 1, 0), min(index[i, 0] + 2, dims[0])):
            for cy in range(max(index[i, 1] - 1, 0), min(index[i, 1] + 2, dims[1])):
                for cz in range(max(index[i, 2] - 1, 0), min(index[i, 2] + 2, dims[2])):
                    target = (cx * dims[1] + cy) * dims[2] + cz
                    for b in range(max(start[target], a + 1), start[target + 1]):
                        d2 = 0.0
                        for k in range(3):
                            diff = px[a, k] - px[b, k]
                            d2 += diff * diff
                        limit = pr[a] + pr[b] + _EXTRA
                        if _MIN_D2 <= d2 <= limit * limit:
                            if count == capacity:
                                first = np.concatenate((first, np.empty(capacity, np.int64)))
                                second = np.concatenate((second, np.empty(capacity, np.int64)))
                                capacity *= 2
                            j = members[b]
                            first[count] = min(i, j)
                            second[count] = max(i, j)
                            count += 1
    return first[:count], second[:count]


def proximity_bonds(
    coords: np.ndarray, element: np.ndarray, residue: np.ndarray, water: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Bonds RDKit's PDB reader would make from distances.

    Args:
        coords: ``(N, 3)`` coordinates in Å.
        element: ``(N,)`` atomic numbers.
        residue: ``(N,)`` residue ids (same id = same residue name, chain, number and insertion code).
        water: ``(N,)`` bool, atoms of ``HOH`` residues.

    Returns:
        ``(i, j)``: bonded atom indices (``i < j``).
    """
    numbers = np.unique(element)
    radii = np.array([_TABLE.GetRcovalent(int(z)) for z in numbers], dtype=np.float32)
    radius = radii[np.searchsorted(numbers, element)]
    xyz = np.ascontiguousarray(coords, dtype=np.float32)
    cell = float(2 * radii.max() + _EXTRA) + 1e-3
    extent = xyz.max(axis=0) - xyz.min(axis=0)
    while np.prod(extent / cell + 1) > 8_000_000:  # sparse, huge boxes: fewer, larger cells
        cell *= 2
    i, j = _close_pairs(xyz, radius, cell)
    hydrogen = element == 1
    keep = ~(hydrogen[i] & hydrogen[j])
    across = residue[i] != residue[j]
    linkable = np.isin(element, list(_LINKABLE))
    keep &= ~(across & (~linkable[i] | ~linkable[j] | water[i] | water[j]))
    i, j = i[keep], j[keep]
    h_end = np.where(hydrogen[i], i, np.where(hydrogen[j], j, -1))
    with_h = np.flatnonzero(h_end >= 0)
    if with_h.size:  # a hydrogen keeps only its shortest bond
        d = np.linalg.norm(coords[i[with_h]] - coords[j[with_h]], axis=1)
        order = with_h[np.lexsort((d, h_end[with_h]))]
        repeated = np.zeros(order.size, dtype=bool)
        repeated[1:] = h_end[order[1:]] == h_end[order[:-1]]
        if repeated.any():
            mask = np.ones(i.size, dtype=bool)
            mask[order[repeated]] = False
            i, j = i[mask], j[mask]
    return i, j
