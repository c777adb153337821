"""numba kernels for gridding and its first and second derivatives (CPU, all cores, no atomics).

Every kernel takes atoms in the :class:`~voxbind.grid._spec.AtomBatch` layout as NumPy arrays:
``rel (B, N, 3)``, ``base (B, N)``, ``weights (B, N, K)`` and ``radii`` ``(B, N)`` or, with ``per_type``,
``(1, T)``. An atom is visited in *groups* of channels that share a radius: one group of all ``K``
channels with per-atom radii, one group per channel with per-type radii.

Scatters (grid-shaped outputs) give each task one x-slab of one example, so tasks never write to the
same memory; gathers (per-atom outputs) give each task one atom. The Gaussian factorises over axes,
``exp(-2 s) = exp(-2 s_x) exp(-2 s_y) exp(-2 s_z)``, so each visit needs only per-axis ``exp`` tables.
The profile itself is :func:`voxbind.grid.density.radial_terms`, compiled from its scalar binding.
"""

from __future__ import annotations

import math
import types

import numba as nb
import numpy as np

from ..density import compile_radial_scalar, double_backward_terms, radial_value

_radial = compile_radial_scalar(nb.njit(inline="always"))
_value = compile_radial_scalar(nb.njit(inline="always"), radial_value)
_second = nb.njit(inline="always")(double_backward_terms)
# Inputs are validated finite, but the NaN/inf-free flags are left out so that no check is optimised away.
_FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}


@nb.njit(inline="always")
def _group(b, i, g, per_type, radii, num_channels):
    """Radius and channel range ``[k0, k1)`` of group ``g`` of atom ``(b, i)``."""
    if per_type:
        return radii[0, g], g, g + 1
    return radii[b, i], 0, num_channels


@nb.njit(inline="always")
def _axis(x, reach, lower, res, n, inv_r2, d, s, e):
    """Fill the offsets ``d`` (Å), scaled squares ``s`` and Gaussian factors ``e`` of the grid points
    along one axis within ``reach`` of ``x``; return the first index and the count."""
    first = max(math.ceil((x - reach - lower) / res), 0)
    last = min(math.floor((x + reach - lower) / res), n - 1)
    if last < first:
        return first, 0
    # exp(-2 s) by recurrence: e[j+1] = e[j] q[j], q[j+1] = q[j] Q (three exp calls per axis)
    d0 = lower + first * res - x
    ej = math.exp(-2.0 * d0 * d0 * inv_r2)
    qj = math.exp(-2.0 * inv_r2 * res * (2.0 * d0 + res))
    step = math.exp(-4.0 * inv_r2 * res * res)
    for j in range(last - first + 1):
        dj = d0 + j * res
        d[j] = dj
        s[j] = dj * dj * inv_r2
        e[j] = ej
        ej *= qj
        qj *= step
    return first, last - first + 1


@nb.njit(inline="always")
def scratch(n, K):
    """A scatter task's buffers: offsets, scaled squares and Gaussian factors along y and z (``n``
    each), two row buffers (``n``), and the channel list with both weights (``K``)."""
    rows = (np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.empty(n))
    return (*rows, np.empty(n), np.empty(n), np.empty(K, np.int64), np.empty(K), np.empty(K))


@nb.njit(inline="always")
def slab_range(x, reach, lower, res, xa, xb):
    """The first and last x index in the task's slabs ``[xa, xb)`` within ``reach`` of ``x``."""
    return max(math.ceil((x - reach - lower) / res), xa), min(math.floor((x + reach - lower) / res), xb - 1)


@nb.njit(inline="always")
def _chord(z, remaining, r, lower, res, z0, nz):
    """Local index range ``[ja, jb)`` of a row's points within the cut-off, given ``remaining = c² - s_xy``
    (in squared radii) and the row's box ``[z0, z0 + nz)``."""
    span = math.sqrt(remaining) * r
    ja = max(math.ceil((z - span - lower) / res) - z0, 0)
    jb = min(math.floor((z + span - lower) / res) + 1 - z0, nz)
    return ja, jb


@nb.njit(inline="always")
def _listed(weights, second, b, i, k0, k1, everything, chan, w1, w2):
    """List the channels ``k`` in ``[k0, k1)`` to visit (all, or those with a non-zero weight in
    ``weights`` or ``second``) with both weights; return how many."""
    m = 0
    for k in range(k0, k1):
        a = weights[b, i, k]
        c = second[b, i, k]
        if everything or a != 0.0 or c != 0.0:
            chan[m] = k
            w1[m] = a
            w2[m] = c
            m += 1
    return m


@nb.njit(parallel=True, cache=True, nogil=True, fastmath=_FASTMATH)
def scatter(
    rel,
    base,
    weights,
    radii,
    per_type,
    lower,
    res,
    consts,
    cutoff,
    binary,
    set_value,
    grad_coords,
    grad_weights,
    grad_radii,
    order,
    chunk,
    out,
):
    """Add per-atom densities (``order == 0``) or the grid-gradient of a double backward
    (``order == 1``) into ``out (B, T, n, n, n)``; each task owns ``chunk`` x-slabs of one example.

    ``order == 0``: ``out[c] += w_k ρ`` (``set_value``: ``out[c] = w_k`` where ``ρ ≠ 0``; binary index types).
    ``order == 1``: ``out[c] += w_k (a·∇ρ + e ∂ρ/∂r) + b_k ρ`` with ``a = grad_coords (B, N, 3)``,
    ``b = grad_weights (B, N, K)`` and ``e = grad_radii`` laid out as ``radii``.
    """
    B, N, K = weights.shape
    n = out.shape[2]
    g2, c2, qa, qb, qc = consts
    groups = K if per_type else 1
    chunks = (n + chunk - 1) // chunk
    for task in nb.prange(B * chunks):
        b = task // chunks
        xa = (task - b * chunks) * chunk
        xb = min(xa + chunk, n)
        dy, sy, ey, dz, sz, ez, rho, alpha, chan, w1, w2 = scratch(n, K)
        out[b, :, xa:xb] = 0.0  # each task clears (and first touches) its own slabs
        for i in range(N):
            x = rel[b, i, 0]
            for g in range(groups):
                r, k0, k1 = _group(b, i, g, per_type, radii, K)
                if not r > 0.0:
                    continue
                reach = cutoff * r
                x0, x1 = slab_range(x, reach, lower, res, xa, xb)
                if x1 < x0:
                    continue
                m = _listed(weights, grad_weights, b, i, k0, k1, False, chan, w1, w2)
                if m == 0:
                    continue
                inv_r2 = 1.0 / (r * r)
                y0, ny = _axis(rel[b, i, 1], reach, lower, res, n, inv_r2, dy, sy, ey)
                z0, nz = _axis(rel[b, i, 2], reach, lower, res, n, inv_r2, dz, sz, ez)
                ax = 0.0
                ay = 0.0
                az = 0.0
                er = 0.0
                if order == 1:
                    ax = grad_coords[b, i, 0]
                    ay = grad_coords[b, i, 1]
                    az = grad_coords[b, i, 2]
                    er = grad_radii[0, g] if per_type else grad_radii[b, i]
                for xi in range(x0, x1 + 1):
                    dx = lower + xi * res - x
                    sx = dx * dx * inv_r2
                    ex = math.exp(-2.0 * sx)
                    for jy in range(ny):
                        sxy = sx + sy[jy]
                        if sxy >= c2:
                            continue
                        exy = ex * ey[jy]
                        y = y0 + jy
                        if m == 1 and order == 0 and not binary and not set_value:
                            c = base[b, i] + chan[0]
                            wa = w1[0]
                            for jz in range(nz):
                                h = _value(sxy + sz[jz], exy * ez[jz], g2, c2, qa, qb, qc)
                                out[b, c, xi, y, z0 + jz] += wa * h
                            continue
                        if binary:
                            for jz in range(nz):
                                rho[jz] = 1.0 if sxy + sz[jz] < 1.0 else 0.0
                        elif order == 0:
                            for jz in range(nz):
                                rho[jz] = _value(sxy + sz[jz], exy * ez[jz], g2, c2, qa, qb, qc)
                        else:
                            for jz in range(nz):
                                s = sxy + sz[jz]
                                h, h1, _ = _radial(s, exy * ez[jz], g2, c2, qa, qb, qc)
                                rho[jz] = h
                                adot = ax * dx + ay * dy[jy] + az * dz[jz]
                                alpha[jz] = -2.0 * h1 * (inv_r2 * adot + er * s / r)
                        for mm in range(m):
                            c = base[b, i] + chan[mm]
                            wa = w1[mm]
                            if order == 1:
                                wb = w2[mm]
                                for jz in range(nz):
                                    out[b, c, xi, y, z0 + jz] += wa * alpha[jz] + wb * rho[jz]
                            elif set_value:
                                for jz in range(nz):
                                    if rho[jz] != 0.0:
                                        out[b, c, xi, y, z0 + jz] = wa
                            else:
                                for jz in range(nz):
                                    out[b, c, xi, y, z0 + jz] += wa * rho[jz]


@nb.njit(parallel=True, cache=True, nogil=True)
def gather(
    rel,
    base,
    weights,
    radii,
    per_type,
    lower,
    res,
    consts,
    cutoff,
    grid,
    need_weights,
    grad_coords,
    grad_weights,
    grad_radii,
    order,
    out_coords,
    out_weights,
    out_radii,
):
    """Per-atom sums over the grid: the backward (``order == 1``) or the double backward (``order == 2``).

    ``order == 1`` with ``U = grid``: ``out_coords = Σ_k w_k Σ U_k ∇ρ``; ``out_weights[k] = Σ U_k ρ``;
    ``out_radii[g] = Σ_k w_k Σ U_k ∂ρ/∂r`` (per group, ``(B, N, G)``).
    ``order == 2`` with ``U = grid`` and the gradients ``a, b, e`` of the first backward's outputs:
    ``Q = Σ w_k U_k``, ``P = Σ b_k U_k``;
    ``out_coords = Σ Q (H a + e ∇∂ρ/∂r) + P ∇ρ``; ``out_weights[k] = Σ U_k (a·∇ρ + e ∂ρ/∂r)``;
    ``out_radii[g] = Σ Q (a·∇∂ρ/∂r + e ∂²ρ/∂r²) + P ∂ρ/∂r``.
    ``need_weights``: compute ``out_weights`` (visits every channel, not only weighted ones).
    """
    B, N, K = weights.shape
    n = grid.shape[2]
    g2, c2, qa, qb, qc = consts
    groups = K if per_type else 1
    for atom in nb.prange(B * N):
        b = atom // N
        i = atom - b * N
        tables = np.empty((9, n))
        chan = np.empty(K, np.int64)
        w1 = np.empty(K)
        w2 = np.empty(K)
        acc_w = np.empty(K)
        x = rel[b, i, 0]
        y = rel[b, i, 1]
        z = rel[b, i, 2]
        cx = 0.0
        cy = 0.0
        cz = 0.0
        ax = 0.0
        ay = 0.0
        az = 0.0
        if order == 2:
            ax = grad_coords[b, i, 0]
            ay = grad_coords[b, i, 1]
            az = grad_coords[b, i, 2]
        for g in range(groups):
            r, k0, k1 = _group(b, i, g, per_type, radii, K)
            out_radii[b, i, g] = 0.0
            if not r > 0.0:
                continue
            m = _listed(weights, grad_weights, b, i, k0, k1, need_weights, chan, w1, w2)
            if m == 0:
                continue
            er = 0.0
            if order == 2:
                er = grad_radii[0, g] if per_type else grad_radii[b, i]
            reach = cutoff * r
            inv_r2 = 1.0 / (r * r)
            inv_r = 1.0 / r
            x0, nx = _axis(x, reach, lower, res, n, inv_r2, tables[0], tables[1], tables[2])
            y0, ny = _axis(y, reach, lower, res, n, inv_r2, tables[3], tables[4], tables[5])
            z0, nz = _axis(z, reach, lower, res, n, inv_r2, tables[6], tables[7], tables[8])
            for mm in range(m):
                acc_w[mm] = 0.0
            gx = 0.0
            gy = 0.0
            gz = 0.0
            gr = 0.0
            for jx in range(nx):
                dx = tables[0, jx]
                sx = tables[1, jx]
                if sx >= c2:
                    continue
                for jy in range(ny):
                    dy = tables[3, jy]
                    sxy = sx + tables[4, jy]
                    if sxy >= c2:
                        continue
                    exy = tables[2, jx] * tables[5, jy]
                    ja, jb = _chord(z, c2 - sxy, r, lower, res, z0, nz)
                    for jz in range(ja, jb):
                        s = sxy + tables[7, jz]
                        dz = tables[6, jz]
                        h, h1, h2 = _radial(s, exy * tables[8, jz], g2, c2, qa, qb, qc)
                        adot = ax * dx + ay * dy + az * dz
                        # weight-gradient factor: ρ (order 1), a·∇ρ + e ∂ρ/∂r (order 2)
                        f = h if order == 1 else -2.0 * h1 * (inv_r2 * adot + er * s * inv_r)
                        q = 0.0
                        p = 0.0
                        for mm in range(m):
                            u = grid[b, base[b, i] + chan[mm], x0 + jx, y0 + jy, z0 + jz]
                            q += w1[mm] * u
                            p += w2[mm] * u
                            if need_weights:
                                acc_w[mm] += u * f
                        if order == 1:
                            qh = q * h1
                            gx += qh * dx
                            gy += qh * dy
                            gz += qh * dz
                            gr += qh * s
                        else:
                            along, across, radius = _second(q, p, h1, h2, s, adot, er, inv_r, inv_r2)
                            gx += along * dx + across * ax
                            gy += along * dy + across * ay
                            gz += along * dz + across * az
                            gr += radius
            if order == 1:
                cx += -2.0 * inv_r2 * gx
                cy += -2.0 * inv_r2 * gy
                cz += -2.0 * inv_r2 * gz
                out_radii[b, i, g] = -2.0 * inv_r * gr
            else:
                cx += gx
                cy += gy
                cz += gz
                out_radii[b, i, g] = gr
            if need_weights:
                for mm in range(m):
                    out_weights[b, i, chan[mm]] = acc_w[mm]
        out_coords[b, i, 0] = cx
        out_coords[b, i, 1] = cy
        out_coords[b, i, 2] = cz


def _single_threaded(kernel, **options):
    """The same kernel compiled without threads (``prange`` runs as ``range``), under its own cache name."""
    source = kernel.py_func
    name = source.__name__ + "_single_threaded"
    copy = types.FunctionType(
        source.__code__, source.__globals__, name, source.__defaults__, source.__closure__
    )
    copy.__qualname__ = name
    return nb.njit(cache=True, nogil=True, **options)(copy)


#: Versions for processes that must not start threads: ``DataLoader`` workers (the workers are the
#: parallelism) and processes forked after their parent ran threaded kernels (GNU OpenMP cannot).
scatter_single_threaded = _single_threaded(scatter, fastmath=_FASTMATH)
gather_single_threaded = _single_threaded(gather)
