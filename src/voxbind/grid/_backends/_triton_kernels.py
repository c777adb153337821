"""Triton kernels for gridding and its first and second derivatives (CUDA GPUs; CPU under the interpreter).

Both kernels work on *splats*: one (atom, channel) pair with its position (Å, relative to the example's grid
center), radius (Å) and channel weight, as built by :mod:`voxbind.grid._backends._triton`. Neither uses
atomics:

* :func:`scatter` (grid-shaped outputs): one program per (example, channel, tile of ``TILE³`` grid
  points). The host lists, for each such tile, the splats whose cut-off box overlaps it; the program
  sums their densities over its points and writes the tile once. ``ORDER == 0`` is the forward pass,
  ``ORDER == 1`` the grid-gradient of the double backward.
* :func:`gather` (per-splat outputs): one program per splat, summing over the grid points of its cut-off
  box. ``ORDER == 1`` is the backward pass, ``ORDER == 2`` the atom part of the double backward.

The profile is :func:`voxbind.grid.density.radial_terms`, bound to Triton's primitives. Constants come
in a tensor of the grid's dtype (``lower, resolution, G², c², A, B, C, c``), so float64 grids are
computed in float64 throughout.
"""

from __future__ import annotations

import triton
import triton.language as tl

from ..density import radial_with


# Primitives as jit functions (not ``tl.sqrt`` itself), so that the interpreter's patched ``tl`` is used.
@triton.jit
def _sqrt(x):
    return tl.sqrt(x)


@triton.jit
def _clamp_min(x, low):
    return tl.maximum(x, low)


@triton.jit
def _select(condition, if_true, if_false):
    return tl.where(condition, if_true, if_false)


_radial = triton.jit(radial_with(sqrt=_sqrt, clamp_min=_clamp_min, select=_select, tl=tl))


@triton.jit
def _constants(consts_ptr):
    lower = tl.load(consts_ptr + 0)
    res = tl.load(consts_ptr + 1)
    g2 = tl.load(consts_ptr + 2)
    c2 = tl.load(consts_ptr + 3)
    qa = tl.load(consts_ptr + 4)
    qb = tl.load(consts_ptr + 5)
    qc = tl.load(consts_ptr + 6)
    cutoff = tl.load(consts_ptr + 7)
    return lower, res, g2, c2, qa, qb, qc, cutoff


@triton.jit
def scatter(
    out_ptr,
    offsets_ptr,
    listed_ptr,
    pos_ptr,
    radius_ptr,
    weight_ptr,
    grad_pos_ptr,
    grad_radius_ptr,
    grad_weight_ptr,
    consts_ptr,
    n,
    tiles,
    ORDER: tl.constexpr,
    BINARY: tl.constexpr,
    SET: tl.constexpr,
    TILE: tl.constexpr,
    BLOCK_A: tl.constexpr,
):
    """Write one ``TILE³`` tile of ``out (B, T, n, n, n)``: program ``(b·T + c)·tiles³ + tile``.

    Its splats are ``listed[offsets[p]:offsets[p + 1]]`` (indices into the per-splat arrays).
    ``ORDER == 0``: ``Σ w ρ`` (``SET``: 1 where any splat has ``ρ ≠ 0``; ``BINARY``: ``ρ = [d < r]``).
    ``ORDER == 1``: ``Σ w (a·∇ρ + e ∂ρ/∂r) + b ρ`` with ``a = grad_pos (S, 3)``, ``e = grad_radius (S,)``
    and ``b = grad_weight (S,)``.
    """
    item = tl.program_id(0)
    per_channel = tiles * tiles * tiles
    tile = item % per_channel
    channel = item // per_channel
    tx = tile // (tiles * tiles)
    ty = (tile // tiles) % tiles
    tz = tile % tiles
    v = tl.arange(0, TILE * TILE * TILE)
    ix = tx * TILE + v // (TILE * TILE)
    iy = ty * TILE + (v // TILE) % TILE
    iz = tz * TILE + v % TILE
    inside = (ix < n) & (iy < n) & (iz < n)
    lower, res, g2, c2, qa, qb, qc, _cutoff = _constants(consts_ptr)
    px = lower + ix.to(lower.dtype) * res
    py = lower + iy.to(lower.dtype) * res
    pz = lower + iz.to(lower.dtype) * res
    acc = tl.zeros([TILE * TILE * TILE], dtype=out_ptr.dtype.element_ty)
    start = tl.load(offsets_ptr + item)
    end = tl.load(offsets_ptr + item + 1)
    first = start
    while first < end:  # (a while loop: range() over loaded bounds fails in the interpreter)
        k = first + tl.arange(0, BLOCK_A)
        first += BLOCK_A
        ok = k < end
        sid = tl.load(listed_ptr + k, mask=ok, other=0).to(tl.int64)
        x = tl.load(pos_ptr + 3 * sid, mask=ok, other=0.0)
        y = tl.load(pos_ptr + 3 * sid + 1, mask=ok, other=0.0)
        z = tl.load(pos_ptr + 3 * sid + 2, mask=ok, other=0.0)
        r = tl.load(radius_ptr + sid, mask=ok, other=1.0)
        w = tl.load(weight_ptr + sid, mask=ok, other=0.0)
        inv_r2 = 1.0 / (r * r)
        dx = px[:, None] - x[None, :]
        dy = py[:, None] - y[None, :]
        dz = pz[:, None] - z[None, :]
        s = (dx * dx + dy * dy + dz * dz) * inv_r2[None, :]
        if BINARY:
            h = tl.where(s < 1.0, 1.0, 0.0).to(s.dtype)
            h1 = h
        else:
            h, h1, _h2 = _radial(s, tl.exp(-2.0 * s), g2, c2, qa, qb, qc)
        if ORDER == 0:
            if SET:
                hit = tl.where((h != 0.0) & ok[None, :], 1.0, 0.0).to(acc.dtype)
                acc = tl.maximum(acc, tl.max(hit, axis=1))
            else:
                acc += tl.sum(h * w[None, :], axis=1)
        else:
            ax = tl.load(grad_pos_ptr + 3 * sid, mask=ok, other=0.0)
            ay = tl.load(grad_pos_ptr + 3 * sid + 1, mask=ok, other=0.0)
            az = tl.load(grad_pos_ptr + 3 * sid + 2, mask=ok, other=0.0)
            e = tl.load(grad_radius_ptr + sid, mask=ok, other=0.0)
            b = tl.load(grad_weight_ptr + sid, mask=ok, other=0.0)
            adot = ax[None, :] * dx + ay[None, :] * dy + az[None, :] * dz
            grad_part = inv_r2[None, :] * adot + (e / r)[None, :] * s
            acc += tl.sum(-2.0 * w[None, :] * h1 * grad_part + b[None, :] * h, axis=1)
    point = ((channel.to(tl.int64) * n + ix) * n + iy) * n + iz
    tl.store(out_ptr + point, acc, mask=inside)


@triton.jit
def gather(
    grid_ptr,
    channel_ptr,
    pos_ptr,
    radius_ptr,
    weight_ptr,
    grad_pos_ptr,
    grad_radius_ptr,
    grad_weight_ptr,
    consts_ptr,
    out_pos_ptr,
    out_radius_ptr,
    out_weight_ptr,
    n,
    ORDER: tl.constexpr,
    BLOCK: tl.constexpr,
):
    """Per-splat sums over the grid points of its cut-off box; ``U = grid[channel[s]]`` (flat
    ``b·T + c``).

    ``ORDER == 1``: ``out_pos = w Σ U ∇ρ``, ``out_weight = Σ U ρ``, ``out_radius = w Σ U ∂ρ/∂r``.
    ``ORDER == 2``, with the gradients ``a, e, b`` of those outputs, ``Q = w U`` and ``P = b U``:
    ``out_pos = Σ Q (H a + e ∇∂ρ/∂r) + P ∇ρ``, ``out_weight = Σ U (a·∇ρ + e ∂ρ/∂r)``,
    ``out_radius = Σ Q (a·∇∂ρ/∂r + e ∂²ρ/∂r²) + P ∂ρ/∂r``.
    """
    sid = tl.program_id(0).to(tl.int64)
    lower, res, g2, c2, qa, qb, qc, cutoff = _constants(consts_ptr)
    x = tl.load(pos_ptr + 3 * sid)
    y = tl.load(pos_ptr + 3 * sid + 1)
    z = tl.load(pos_ptr + 3 * sid + 2)
    r = tl.load(radius_ptr + sid)
    active = r > 0.0  # radius 0: an atom to skip
    r = tl.where(active, r, 1.0)
    w = tl.load(weight_ptr + sid)
    channel = tl.load(channel_ptr + sid).to(tl.int64)
    ax = 0.0
    ay = 0.0
    az = 0.0
    e = 0.0
    b = 0.0
    if ORDER == 2:
        ax = tl.load(grad_pos_ptr + 3 * sid)
        ay = tl.load(grad_pos_ptr + 3 * sid + 1)
        az = tl.load(grad_pos_ptr + 3 * sid + 2)
        e = tl.load(grad_radius_ptr + sid)
        b = tl.load(grad_weight_ptr + sid)
    reach = cutoff * r
    x0 = tl.maximum(tl.ceil((x - reach - lower) / res), 0.0).to(tl.int32)
    x1 = tl.minimum(tl.floor((x + reach - lower) / res), n - 1.0).to(tl.int32)
    y0 = tl.maximum(tl.ceil((y - reach - lower) / res), 0.0).to(tl.int32)
    y1 = tl.minimum(tl.floor((y + reach - lower) / res), n - 1.0).to(tl.int32)
    z0 = tl.maximum(tl.ceil((z - reach - lower) / res), 0.0).to(tl.int32)
    z1 = tl.minimum(tl.floor((z + reach - lower) / res), n - 1.0).to(tl.int32)
    nx = tl.maximum(x1 - x0 + 1, 0)
    ny = tl.maximum(y1 - y0 + 1, 0)
    nz = tl.maximum(z1 - z0 + 1, 0)
    total = tl.where(active, nx * ny * nz, 0)
    inv_r2 = 1.0 / (r * r)
    inv_r = 1.0 / r
    zero = tl.zeros([BLOCK], dtype=pos_ptr.dtype.element_ty)
    gx = zero
    gy = zero
    gz = zero
    gr = zero
    gw = zero
    first = 0
    while first < total:
        j = first + tl.arange(0, BLOCK)
        first += BLOCK
        jx = j // (ny * nz)
        jy = (j // nz) % ny
        jz = j % nz
        ix = x0 + jx
        iy = y0 + jy
        iz = z0 + jz
        dx = lower + ix.to(x.dtype) * res - x
        dy = lower + iy.to(x.dtype) * res - y
        dz = lower + iz.to(x.dtype) * res - z
        s = (dx * dx + dy * dy + dz * dz) * inv_r2
        ok = (j < total) & (s < c2)
        h, h1, h2 = _radial(s, tl.exp(-2.0 * s), g2, c2, qa, qb, qc)
        point = ((channel * n + ix) * n + iy) * n + iz
        u = tl.load(grid_ptr + point, mask=ok, other=0.0)
        if ORDER == 1:
            gw += u * h
            qh = u * h1
            gx += qh * dx
            gy += qh * dy
            gz += qh * dz
            gr += qh * s
        else:
            q = w * u
            p = b * u
            adot = ax * dx + ay * dy + az * dz
            gw += u * (-2.0 * h1 * (inv_r2 * adot + e * s * inv_r))
            # Q (H a + e ∇ρ_r) + P ∇ρ, with H a = 4 h'' δ (a·δ)/r⁴ + 2 h' a / r²,
            # ∇ρ_r = 4 (s h'' + h') δ / r³ and ∇ρ = -2 h' δ / r².
            radial_part = 4.0 * (s * h2 + h1) * inv_r2 * inv_r
            along = q * (4.0 * h2 * adot * inv_r2 * inv_r2 + e * radial_part) - 2.0 * p * h1 * inv_r2
            across = 2.0 * q * h1 * inv_r2
            gx += along * dx + across * ax
            gy += along * dy + across * ay
            gz += along * dz + across * az
            # Q (a·∇ρ_r + e ρ_rr) + P ρ_r
            rho_r = -2.0 * s * h1 * inv_r
            rho_rr = (6.0 * s * h1 + 4.0 * s * s * h2) * inv_r2
            gr += q * (radial_part * adot + e * rho_rr) + p * rho_r
    sx = tl.sum(gx, axis=0)
    sy = tl.sum(gy, axis=0)
    sz = tl.sum(gz, axis=0)
    sr = tl.sum(gr, axis=0)
    if ORDER == 1:
        scale = -2.0 * w * inv_r2
        sx = scale * sx
        sy = scale * sy
        sz = scale * sz
        sr = -2.0 * w * inv_r * sr
    tl.store(out_pos_ptr + 3 * sid, sx)
    tl.store(out_pos_ptr + 3 * sid + 1, sy)
    tl.store(out_pos_ptr + 3 * sid + 2, sz)
    tl.store(out_radius_ptr + sid, sr)
    tl.store(out_weight_ptr + sid, tl.sum(gw, axis=0))
