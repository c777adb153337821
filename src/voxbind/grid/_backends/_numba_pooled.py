"""numba kernel for average-pooled grids: the density summed over ``pool³`` blocks of grid points, divided by
``pool³`` (what ``torch.nn.AvgPool3d(pool)`` makes of the full grid), without the full grid.

GNINA's Default2018 begins by average-pooling its 48³ input by 2. Gridding straight into the 24³ result
evaluates the same points but writes to memory an eighth the size, and the model skips its first layer.
Per-atom radii, Gaussian profiles; each task owns pooled x-slabs of one example.

An atom's y-z plane of points is padded to whole pooled cells and stored as ``pool²`` *quarters*, each
holding the points at one offset ``(dy, dz)`` within their cells, in pooled-cell order. Summing a plane
into its pooled cells is then one pass over the plane and ``pool²`` contiguous sums (one pass for
``pool=2``), which the compiler vectorises; an atom's pooled block is written to the grid once per pooled
x-slab. The profile is evaluated in the grid's own precision (float32 grids: float32 arithmetic, twice the
SIMD lanes, as libmolgrid), so a float32 pooled grid may differ from the float64-evaluated full grid in its
last bits.
The coordinate gradient of a pooled grid reads its pooled gradient directly
(:func:`~._numba_coords.gather_coords` with ``pool``).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ._numba_kernels import _FASTMATH, _axis, _listed, _single_threaded, _value, slab_range


@nb.njit(inline="always")
def _padded(first, count, pool, s, e, s_pad, e_pad, beyond):
    """Copy one axis's tables ``s``, ``e`` (``count`` points from index ``first``) into ``s_pad``,
    ``e_pad`` padded to whole pooled cells with points beyond the cut-off; return the first pooled
    cell and the number of cells."""
    offset = first % pool
    padded = ((offset + count + pool - 1) // pool) * pool
    for j in range(padded):
        s_pad[j] = beyond
        e_pad[j] = 0.0
    for j in range(count):
        s_pad[offset + j] = s[j]
        e_pad[offset + j] = e[j]
    return first // pool, padded // pool


@nb.njit(inline="always")
def _quarters(pool, my, mz, sy, ey, sz, ez, s_yz, e_yz):
    """Fill the plane's scaled squares ``s_yz`` and Gaussian factors ``e_yz`` in the layout
    ``[dy, dz, ky, kz]`` (offset within the pooled cell, then pooled cell)."""
    at = 0
    for dy in range(pool):
        for dz in range(pool):
            for ky in range(my):
                s_y = sy[ky * pool + dy]
                e_y = ey[ky * pool + dy]
                s_row = s_yz[at : at + mz]
                e_row = e_yz[at : at + mz]
                for kz in range(mz):
                    s_row[kz] = s_y + sz[kz * pool + dz]
                    e_row[kz] = e_y * ez[kz * pool + dz]
                at += mz


@nb.njit(inline="always")
def _add_block(out, b, first_channel, chan, scaled, count, cx, cy, cz, my, mz, block):
    """Add the atom's pooled block ``(my, mz)`` at pooled x ``cx`` to each of its channels."""
    for mm in range(count):
        c = first_channel + chan[mm]
        wa = scaled[mm]
        for ky in range(my):  # row views: the inner loops index by their own counter alone (5-8 % faster)
            row = out[b, c, cx, cy + ky, cz : cz + mz]
            part = block[ky * mz : ky * mz + mz]
            for kz in range(mz):
                row[kz] += wa * part[kz]


@nb.njit(parallel=True, cache=True, nogil=True, fastmath=_FASTMATH)
def scatter_pooled(rel, base, weights, radii, lower, res, consts, cutoff, pool, chunk, out):
    """``out (B, T, m, m, m)`` = the densities of ``rel (B, N, 3)`` (Å from each centre), ``base (B, N)``,
    ``weights (B, N, K)`` and per-atom ``radii (B, N)``, averaged over ``pool³`` blocks of the grid of
    ``m * pool`` points per side starting at ``lower`` with spacing ``res``."""
    B, N, K = weights.shape
    m = out.shape[2]
    n = m * pool
    # the profile is evaluated in the grid's precision (float32 grids: twice the SIMD lanes)
    k = np.empty(7, out.dtype)
    k[0], k[1], k[2], k[3], k[4], k[5] = consts[0], consts[1], consts[2], consts[3], consts[4], 0.0
    k[6] = 4.0 * consts[1] + 4.0  # a scaled square beyond the cut-off, for padding
    g2, c2, qa, qb, qc, zero, beyond = k[0], k[1], k[2], k[3], k[4], k[5], k[6]
    scale = 1.0 / (pool * pool * pool)
    chunks = (m + chunk - 1) // chunk
    for task in nb.prange(B * chunks):
        b = task // chunks
        ca = (task - b * chunks) * chunk
        cb = min(ca + chunk, m)
        xa = ca * pool
        xb = cb * pool
        dt = out.dtype
        padded = n + 2 * pool
        d, chan, w1, w2 = np.empty(n), np.empty(K, np.int64), np.empty(K), np.empty(K)
        sx, ex, sy, ey = np.empty(n, dt), np.empty(n, dt), np.empty(n, dt), np.empty(n, dt)
        sz, ez = np.empty(n, dt), np.empty(n, dt)
        sy_pad, ey_pad = np.empty(padded, dt), np.empty(padded, dt)
        sz_pad, ez_pad = np.empty(padded, dt), np.empty(padded, dt)
        s_yz, e_yz = np.empty(padded * padded, dt), np.empty(padded * padded, dt)
        block = np.empty(padded * padded, dt)  # one atom's pooled cells at one pooled x
        rho = np.empty(padded * padded, dt)  # the densities of one plane
        scaled = np.empty(K, dt)  # the channel weights over pool³
        out[b, :, ca:cb] = 0.0
        for i in range(N):
            r = radii[b, i]
            if not r > 0.0:
                continue
            reach = cutoff * r
            x0, x1 = slab_range(rel[b, i, 0], reach, lower, res, xa, xb)
            if x1 < x0:
                continue
            count = _listed(weights, weights, b, i, 0, K, False, chan, w1, w2)
            if count == 0:
                continue
            for mm in range(count):
                scaled[mm] = w1[mm] * scale
            inv_r2 = 1.0 / (r * r)
            xf, _ = _axis(rel[b, i, 0], reach, lower, res, n, inv_r2, d, sx, ex)
            y0, ny = _axis(rel[b, i, 1], reach, lower, res, n, inv_r2, d, sy, ey)
            z0, nz = _axis(rel[b, i, 2], reach, lower, res, n, inv_r2, d, sz, ez)
            if ny == 0 or nz == 0:
                continue
            cy, my = _padded(y0, ny, pool, sy, ey, sy_pad, ey_pad, beyond)
            cz, mz = _padded(z0, nz, pool, sz, ez, sz_pad, ez_pad, beyond)
            cells = my * mz
            _quarters(pool, my, mz, sy_pad, ey_pad, sz_pad, ez_pad, s_yz, e_yz)
            cx = x0 // pool
            block[:cells] = 0.0
            for xi in range(x0, x1 + 1):
                if xi // pool != cx:
                    _add_block(out, b, base[b, i], chan, scaled, count, cx, cy, cz, my, mz, block)
                    block[:cells] = 0.0
                    cx = xi // pool
                s_x = sx[xi - xf]
                if s_x >= c2:
                    continue
                e_x = ex[xi - xf]
                for p in range(cells * pool * pool):  # the whole plane in one loop: no remainders per quarter
                    rho[p] = _value(s_x + s_yz[p], e_x * e_yz[p], g2, c2, qa, qb, qc, zero)
                if pool == 2:  # the four quarters in one pass: one store per cell
                    r0 = rho[:cells]
                    r1 = rho[cells : 2 * cells]
                    r2 = rho[2 * cells : 3 * cells]
                    r3 = rho[3 * cells : 4 * cells]
                    for q in range(cells):
                        block[q] += (r0[q] + r1[q]) + (r2[q] + r3[q])
                else:
                    for quarter in range(pool * pool):
                        at = quarter * cells
                        for q in range(cells):
                            block[q] += rho[at + q]
            _add_block(out, b, base[b, i], chan, scaled, count, cx, cy, cz, my, mz, block)


scatter_pooled_single_threaded = _single_threaded(scatter_pooled, fastmath=_FASTMATH)
