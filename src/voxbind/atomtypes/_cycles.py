"""Which atoms of a bond graph lie on a cycle (ring membership), in linear time.

RDKit's ring information answers this for one molecule; the template typing path of :mod:`._fast_pdb`
needs it for a whole receptor without building one, and a ring may run through many residues (a chain
closed by a disulfide bond). An edge lies on a cycle exactly when it is not a bridge, and Tarjan's
depth-first search finds every bridge in one pass.
"""

from __future__ import annotations

import numba
import numpy as np
from rdkit import Chem


@numba.njit(cache=True, nogil=True)
def _bridges(n, first, second):  # pragma: no cover - compiled
    """``(E,)`` bool: whether each edge ``(first[e], second[e])`` of the graph on ``n`` nodes is a bridge."""
    m = first.size
    start = np.zeros(n + 1, dtype=np.int64)
    for e in range(m):
        start[first[e] + 1] += 1
        start[second[e] + 1] += 1
    for v in range(n):
        start[v + 1] += start[v]
    fill = start[:-1].copy()
    neighbour = np.empty(2 * m, dtype=np.int64)
    edge = np.empty(2 * m, dtype=np.int64)
    for e in range(m):
        a, b = first[e], second[e]
        neighbour[fill[a]] = b
        edge[fill[a]] = e
        fill[a] += 1
        neighbour[fill[b]] = a
        edge[fill[b]] = e
        fill[b] += 1
    found = np.full(n, -1, dtype=np.int64)
    low = np.zeros(n, dtype=np.int64)
    bridge = np.zeros(m, dtype=np.bool_)
    stack = np.empty(n, dtype=np.int64)
    via = np.empty(n, dtype=np.int64)
    cursor = np.empty(n, dtype=np.int64)
    clock = 0
    for root in range(n):
        if found[root] >= 0:
            continue
        top = 0
        stack[0], via[0], cursor[0] = root, -1, start[root]
        found[root] = low[root] = clock
        clock += 1
        while top >= 0:
            v = stack[top]
            if cursor[top] < start[v + 1]:
                k = cursor[top]
                cursor[top] += 1
                if edge[k] == via[top]:
                    continue
                w = neighbour[k]
                if found[w] < 0:
                    found[w] = low[w] = clock
                    clock += 1
                    top += 1
                    stack[top], via[top], cursor[top] = w, edge[k], start[w]
                elif found[w] < low[v]:
                    low[v] = found[w]
            else:
                if top > 0:
                    u = stack[top - 1]
                    if low[v] < low[u]:
                        low[u] = low[v]
                    if low[v] > found[u]:
                        bridge[via[top]] = True
                top -= 1
    return bridge


#: Elements that are not metals (RDKit's PDB reader bonds no metal across residues; OpenBabel does).
_NONMETALS = frozenset(
    {1, 2, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32, 33, 34, 35, 36, 51, 52, 53, 54, 85, 86}
)
_TABLE = Chem.GetPeriodicTable()


def rings_with_metal_contacts(
    coords: np.ndarray, element: np.ndarray, first: np.ndarray, second: np.ndarray
) -> np.ndarray:
    """``(N,)`` bool: the atoms on a cycle of the bonds ``(first, second)`` together with every contact
    of a metal with a heavy atom (closer than their covalent radii + 0.45 Å): the rings OpenBabel sees,
    since it bonds a heme's iron to a histidine and a zinc to its ligands, which RDKit's PDB reader does
    not across residues.

    Args:
        coords: ``(N, 3)`` in Å; element: ``(N,)`` atomic numbers; first, second: ``(E,)`` bonded atoms.
    """
    element = np.asarray(element)
    metals = np.flatnonzero(~np.isin(element, list(_NONMETALS)))
    first = np.asarray(first, dtype=np.int64)
    second = np.asarray(second, dtype=np.int64)
    if metals.size:
        heavy = np.flatnonzero(element > 1)
        radius = np.array([_TABLE.GetRcovalent(int(z)) for z in element[heavy]])
        metal_radius = np.array([_TABLE.GetRcovalent(int(z)) for z in element[metals]])
        d2 = ((coords[metals][:, None, :] - coords[heavy][None, :, :]) ** 2).sum(-1)
        limit = (metal_radius[:, None] + radius[None, :] + 0.45) ** 2
        m, h = np.nonzero((d2 >= 0.16) & (d2 <= limit))
        a, b = metals[m], heavy[h]
        pairs = np.unique(np.concatenate([
            np.stack([np.minimum(first, second), np.maximum(first, second)], axis=1),
            np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1),
        ]), axis=0)  # fmt: skip
        first, second = pairs[:, 0], pairs[:, 1]
    return atoms_in_rings(len(element), first, second)


def atoms_in_rings(n: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """``(n,)`` bool: the atoms that lie on a cycle of the graph with bonds ``(first[k], second[k])``.

    Args:
        n: number of atoms.
        first, second: ``(E,)`` integer atom indices of the bonds (each bond once).
    """
    first = np.ascontiguousarray(first, dtype=np.int64)
    second = np.ascontiguousarray(second, dtype=np.int64)
    out = np.zeros(n, dtype=bool)
    if first.size == 0:
        return out
    on_cycle = ~_bridges(n, first, second)
    out[first[on_cycle]] = True
    out[second[on_cycle]] = True
    return out
