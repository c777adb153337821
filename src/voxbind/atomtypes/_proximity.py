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
def _close_pairs(xyz, radius, cell, capacity):  # pragma: no cover - compiled
    """All pairs ``i < j`` within the bonding distance; a uniform cell grid finds the candidates.

    Returns ``(first, second, count)``: the first ``capacity`` pairs found and how many there are; a
    caller seeing ``count > capacity`` calls again with more room (no growing inside the hot loop, which
    would keep numba from optimising it)."""
    n = xyz.shape[0]
    lo = np.empty(3)
    dims = np.empty(3, dtype=np.int64)
    for k in range(3):
        lo[k] = xyz[:, k].min()
        dims[k] = int((xyz[:, k].max() - lo[k]) / cell) + 1
    cx = np.empty(n, dtype=np.int64)
    cy = np.empty(n, dtype=np.int64)
    cz = np.empty(n, dtype=np.int64)
    cell_of = np.empty(n, dtype=np.int64)
    for i in range(n):
        cx[i] = int((xyz[i, 0] - lo[0]) / cell)
        cy[i] = int((xyz[i, 1] - lo[1]) / cell)
        cz[i] = int((xyz[i, 2] - lo[2]) / cell)
        cell_of[i] = (cx[i] * dims[1] + cy[i]) * dims[2] + cz[i]
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
    # atoms in cell order (neighbours are close in memory), one array per coordinate
    px = np.empty(n)
    py = np.empty(n)
    pz = np.empty(n)
    pr = np.empty(n)
    for a in range(n):
        i = members[a]
        px[a], py[a], pz[a], pr[a] = xyz[i, 0], xyz[i, 1], xyz[i, 2], radius[i]
    first = np.empty(capacity, dtype=np.int64)
    second = np.empty(capacity, dtype=np.int64)
    count = 0
    for a in range(n):
        i = members[a]
        x, y, z, r = px[a], py[a], pz[a], pr[a]
        for ux in range(max(cx[i] - 1, 0), min(cx[i] + 2, dims[0])):
            for uy in range(max(cy[i] - 1, 0), min(cy[i] + 2, dims[1])):
                row = (ux * dims[1] + uy) * dims[2]
                # the three cells along z are adjacent in cell order: one run of atoms; each pair once
                begin = max(start[row + max(cz[i] - 1, 0)], a + 1)
                for b in range(begin, start[row + min(cz[i] + 2, dims[2])]):
                    dx, dy, dz = x - px[b], y - py[b], z - pz[b]
                    d2 = dx * dx + dy * dy + dz * dz
                    limit = r + pr[b] + _EXTRA
                    if _MIN_D2 <= d2 <= limit * limit:
                        if count < capacity:
                            j = members[b]
                            first[count] = min(i, j)
                            second[count] = max(i, j)
                        count += 1
    return first, second, count


@numba.njit(cache=True, nogil=True)
def _filter(first, second, count, coords, hydrogen, linkable, residue):  # pragma: no cover - compiled
    """The pairs RDKit keeps as bonds (see the module docstring), in the order found."""
    keep = np.zeros(count, dtype=np.bool_)
    best = np.full(hydrogen.size, -1, dtype=np.int64)  # a hydrogen's shortest bond so far
    best_d = np.empty(hydrogen.size)
    for k in range(count):
        a, b = first[k], second[k]
        if hydrogen[a] and hydrogen[b]:
            continue
        if residue[a] != residue[b] and not (linkable[a] and linkable[b]):
            continue
        keep[k] = True
        h = a if hydrogen[a] else (b if hydrogen[b] else -1)
        if h >= 0:
            d = 0.0
            for m in range(3):
                diff = coords[a, m] - coords[b, m]
                d += diff * diff
            if best[h] < 0 or d < best_d[h]:
                if best[h] >= 0:
                    keep[best[h]] = False
                best[h], best_d[h] = k, d
            else:
                keep[k] = False
    return first[:count][keep[:count]], second[:count][keep[:count]]


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
    capacity = 4 * len(xyz) + 16
    first, second, count = _close_pairs(xyz, radius, cell, capacity)
    if count > capacity:  # crowded atoms (clashes): once more with room for all
        first, second, count = _close_pairs(xyz, radius, cell, count)
    linkable = np.isin(numbers, list(_LINKABLE))[np.searchsorted(numbers, element)] & ~water
    return _filter(
        first,
        second,
        count,
        np.ascontiguousarray(coords, dtype=np.float64),
        element == 1,
        linkable,
        np.ascontiguousarray(residue, dtype=np.int64),
    )
