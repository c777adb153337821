"""numba kernel for the backward to coordinates (and radii) only: what refinement calls at every step.

The general gather (:func:`~._numba_kernels.gather`) visits a grid point at a time and keeps every
quantity it might need. With no type-weight gradient asked for, a grid row along z reduces to three sums,
``S₀ = Σ Q h'``, ``S_z = Σ Q h' δz`` and ``S_s = Σ Q h' s_z`` (``Q = Σ_k w_k U_k``, the weighted upstream
gradient), which the compiler turns into vector instructions as it does the forward's rows:

``∂L/∂x = -2/r² Σ_rows δx S₀``, likewise ``y``; ``∂L/∂z = -2/r² Σ_rows S_z``;
``∂L/∂r = -2/r Σ_rows (s_xy S₀ + S_s)``.

Rows are summed over the atom's whole bounding box (``h' = 0`` beyond the cut-off): a fifth more points
than the sphere's chords, but no square root and rounding per row, which cost more on rows this short.
Each task takes a block of atoms and allocates its tables once.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ._numba_kernels import _FASTMATH, _axis, _group, _listed, _radial, _single_threaded


@nb.njit(inline="always", fastmath=_FASTMATH)
def _row_sums(row, nz, sxy, exy, dz, sz, ez, consts):
    """``(Σ u h', Σ u h' δz, Σ u h' s_z)`` over the row's first ``nz`` points (``h' = 0`` beyond the
    cut-off, so the row of the atom's whole bounding box is summed, without a branch)."""
    g2, c2, qa, qb, qc = consts
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    for jz in range(nz):
        t = row[jz] * _radial(sxy + sz[jz], exy * ez[jz], g2, c2, qa, qb, qc)[1]
        s0 += t
        s1 += t * dz[jz]
        s2 += t * sz[jz]
    return s0, s1, s2


@nb.njit(inline="always")
def _pooled_row(grid, b, base, chan, w1, m, x, y, z0, nz, pool, q):
    """``q[j] = Σ_k w_k U_k`` at the pooled cells of the row's points ``(x, y, z0 + j)``, ``j < nz``;
    zero for points beyond the last whole block (pooling drops them)."""
    top = grid.shape[2]
    xp = x // pool
    yp = y // pool
    for jz in range(nz):
        zp = (z0 + jz) // pool
        v = 0.0
        if xp < top and yp < top and zp < top:
            for mm in range(m):
                v += w1[mm] * grid[b, base + chan[mm], xp, yp, zp]
        q[jz] = v


@nb.njit(parallel=True, cache=True, nogil=True, fastmath=_FASTMATH)
def gather_coords(
    rel, base, weights, radii, per_type, lower, res, consts, cutoff, grid, pool, chunk, out_coords, out_radii
):
    """``out_coords (B, N, 3) = Σ_k w_k Σ U_k ∇ρ`` and ``out_radii (B, N, G) = Σ_k w_k Σ U_k ∂ρ/∂r`` for
    ``U = grid (B, T, n, n, n)``; atoms as in :func:`~._numba_kernels.gather`, ``chunk`` atoms per task.

    ``pool > 1``: ``grid (B, T, m, m, m)`` is the gradient of the grid average-pooled over ``pool³``
    blocks (``n = m·pool`` points per side; a grid point's share is its block's value over ``pool³``).
    """
    B, N, K = weights.shape
    n = grid.shape[2] * pool
    inv_p3 = 1.0 / (pool * pool * pool)
    c2 = consts[1]
    groups = K if per_type else 1
    atoms = B * N
    for task in nb.prange((atoms + chunk - 1) // chunk):
        tables = np.empty((9, n))
        q = np.empty(n)
        chan = np.empty(K, np.int64)
        w1 = np.empty(K)
        w2 = np.empty(K)
        for atom in range(task * chunk, min(atoms, (task + 1) * chunk)):
            b = atom // N
            i = atom - b * N
            x = rel[b, i, 0]
            cx = 0.0
            cy = 0.0
            cz = 0.0
            for g in range(groups):
                r, k0, k1 = _group(b, i, g, per_type, radii, K)
                out_radii[b, i, g] = 0.0
                if not r > 0.0:
                    continue
                m = _listed(weights, weights, b, i, k0, k1, False, chan, w1, w2)
                if m == 0:
                    continue
                reach = cutoff * r
                inv_r2 = 1.0 / (r * r)
                x0, nx = _axis(x, reach, lower, res, n, inv_r2, tables[0], tables[1], tables[2])
                y0, ny = _axis(rel[b, i, 1], reach, lower, res, n, inv_r2, tables[3], tables[4], tables[5])
                z0, nz = _axis(rel[b, i, 2], reach, lower, res, n, inv_r2, tables[6], tables[7], tables[8])
                dz = tables[6, :nz]
                sz = tables[7, :nz]
                ez = tables[8, :nz]
                first = base[b, i] + chan[0]
                gx = 0.0
                gy = 0.0
                gz = 0.0
                gr = 0.0
                for jx in range(nx):
                    sx = tables[1, jx]
                    if sx >= c2:
                        continue
                    for jy in range(ny):
                        sxy = sx + tables[4, jy]
                        if sxy >= c2:
                            continue
                        exy = tables[2, jx] * tables[5, jy]
                        if pool > 1:  # Q from the pooled gradient, point by point
                            scale = inv_p3
                            _pooled_row(grid, b, base[b, i], chan, w1, m, x0 + jx, y0 + jy, z0, nz, pool, q)
                            s0, s1, s2 = _row_sums(q, nz, sxy, exy, dz, sz, ez, consts)
                        elif m == 1:
                            scale = w1[0]
                            row = grid[b, first, x0 + jx, y0 + jy, z0 : z0 + nz]
                            s0, s1, s2 = _row_sums(row, nz, sxy, exy, dz, sz, ez, consts)
                        else:  # Q = Σ_k w_k U_k along the row
                            scale = 1.0
                            row = grid[b, first, x0 + jx, y0 + jy, z0 : z0 + nz]
                            for jz in range(nz):
                                q[jz] = w1[0] * row[jz]
                            for mm in range(1, m):
                                other = grid[b, base[b, i] + chan[mm], x0 + jx, y0 + jy, z0 : z0 + nz]
                                wk = w1[mm]
                                for jz in range(nz):
                                    q[jz] += wk * other[jz]
                            s0, s1, s2 = _row_sums(q, nz, sxy, exy, dz, sz, ez, consts)
                        s0 *= scale
                        gx += tables[0, jx] * s0
                        gy += tables[3, jy] * s0
                        gz += scale * s1
                        gr += sxy * s0 + scale * s2
                cx += -2.0 * inv_r2 * gx
                cy += -2.0 * inv_r2 * gy
                cz += -2.0 * inv_r2 * gz
                out_radii[b, i, g] = -2.0 * gr / r
            out_coords[b, i, 0] = cx
            out_coords[b, i, 1] = cy
            out_coords[b, i, 2] = cz


gather_coords_single_threaded = _single_threaded(gather_coords, fastmath=_FASTMATH)
