"""numba kernel for average-pooled grids: the density summed over ``pool³`` blocks of grid points, divided by
``pool³`` (what ``torch.nn.AvgPool3d(pool)`` makes of the full grid), without the full grid.

GNINA's Default2018 begins by average-pooling its 48³ input by 2. Gridding straight into the 24³ result
evaluates the same points but writes to memory an eighth the size, and the model skips its first layer.
Per-atom radii, Gaussian profiles; each task owns pooled x-slabs of one example. The profile is evaluated in
the grid's own precision (float32 grids: float32 arithmetic, twice the SIMD lanes, as libmolgrid), so a
float32 pooled grid may differ from the float64-evaluated full grid in its last bit. The coordinate
gradient of a pooled grid reads its pooled gradient directly (:func:`~._numba_coords.gather_coords` with
``pool``).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from ._numba_kernels import _FASTMATH, _axis, _listed, _single_threaded, _value, slab_range


@nb.njit(parallel=True, cache=True, nogil=True, fastmath=_FASTMATH)
def scatter_pooled(rel, base, weights, radii, lower, res, consts, cutoff, pool, chunk, out):
    """``out (B, T, m, m, m)`` = the densities of ``rel (B, N, 3)`` (Å from each centre), ``base (B, N)``,
    ``weights (B, N, K)`` and per-atom ``radii (B, N)``, averaged over ``pool³`` blocks of the grid of
    ``m * pool`` points per side starting at ``lower`` with spacing ``res``."""
    B, N, K = weights.shape
    m = out.shape[2]
    n = m * pool
    # the profile is evaluated in the grid's precision (float32 grids: twice the SIMD lanes)
    k = np.empty(6, out.dtype)
    k[0], k[1], k[2], k[3], k[4], k[5] = consts[0], consts[1], consts[2], consts[3], consts[4], 0.0
    g2, c2, qa, qb, qc, zero = k[0], k[1], k[2], k[3], k[4], k[5]
    scale = 1.0 / (pool * pool * pool)
    chunks = (m + chunk - 1) // chunk
    for task in nb.prange(B * chunks):
        b = task // chunks
        ca = (task - b * chunks) * chunk
        cb = min(ca + chunk, m)
        xa = ca * pool
        xb = cb * pool
        d, chan, w1, w2 = np.empty(n), np.empty(K, np.int64), np.empty(K), np.empty(K)
        dt = out.dtype
        sx, ex, sy, ey = np.empty(n, dt), np.empty(n, dt), np.empty(n, dt), np.empty(n, dt)
        sz, ez, rho = np.empty(n, dt), np.empty(n, dt), np.empty(n, dt)
        scaled = np.empty(K, dt)  # the channel weights over pool³
        cells_y = np.empty(n, np.int64)  # pooled index of each listed point (no division per point)
        cells_z = np.empty(n, np.int64)
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
            for j in range(ny):
                cells_y[j] = (y0 + j) // pool
            for j in range(nz):
                cells_z[j] = (z0 + j) // pool
            for xi in range(x0, x1 + 1):
                cx = xi // pool
                for jy in range(ny):
                    sxy = sx[xi - xf] + sy[jy]
                    if sxy >= c2:
                        continue
                    exy = ex[xi - xf] * ey[jy]
                    cy = cells_y[jy]
                    for jz in range(nz):
                        rho[jz] = _value(sxy + sz[jz], exy * ez[jz], g2, c2, qa, qb, qc, zero)
                    for mm in range(count):
                        c = base[b, i] + chan[mm]
                        wa = scaled[mm]
                        for jz in range(nz):
                            out[b, c, cx, cy, cells_z[jz]] += wa * rho[jz]


scatter_pooled_single_threaded = _single_threaded(scatter_pooled, fastmath=_FASTMATH)
