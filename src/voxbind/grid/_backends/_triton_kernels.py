"""Triton kernels for gridding and its first and second derivatives (CUDA GPUs; CPU under the interpreter).

The kernels work on *splats*: (atom, channel) pairs. With index types (``DENSE``) splat ``s`` is atom
``s`` of the flattened batch; with vector types the host lists the pairs to visit in ``index`` (flat
positions in the ``(B, N, K)`` weights). Every kernel reads the atoms in the
:class:`~voxbind.grid._spec.AtomBatch` layout through :func:`_splat`; a splat whose radius reads 0 (no
radius, or an ignored atom) contributes nothing. No kernel uses atomics:

* :func:`cell_keys` bins the splats: each gets the cell (example, channel, first block of ``CELL³``
  points along x, y and z) its cut-off box starts in; the host sorts the splats by cell, and
  :func:`sorted_splats` copies those that reach the grid, in that order, into contiguous records.
* :func:`scatter` (grid-shaped outputs): one program per (example, channel, tile) reads the cells its
  splats can start in, skips those whose box misses the tile, sums the densities of the rest over its
  points and writes the tile once. ``ORDER == 0`` is the forward pass, ``ORDER == 1`` the grid-gradient
  of the double backward.
* :func:`reaching` flags the splats whose cut-off box reaches a grid point, and :func:`place` lists
  them in splat order from the cumulative sum of those flags (so the list's length stays on the
  device).
* :func:`gather` (per-splat outputs): a fixed number of programs take the listed splats in turn, each
  summing over the grid points of one splat's cut-off box. ``ORDER == 1`` is the backward pass,
  ``ORDER == 2`` the atom part of the double backward. Splats left off the list (most receptor atoms
  lie outside the grid) keep their zero outputs and cost nothing.

The profile is :func:`voxbind.grid.density.radial_terms`, bound to Triton's primitives. Constants come
in a tensor of the grid's dtype (``lower, resolution, G², c², A, B, C, c``), so float64 grids are
computed in float64 throughout.
"""

from __future__ import annotations

import triton
import triton.language as tl

from ..density import double_backward_terms, radial_terms, with_globals

RECORD = tl.constexpr(8)  # values in a sorted splat's record: x, y, z, r, w (and 3 unused: 32-byte rows)


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


_radial = triton.jit(with_globals(radial_terms, _sqrt=_sqrt, _clamp_min=_clamp_min, _select=_select, tl=tl))
_second = triton.jit(with_globals(double_backward_terms, tl=tl))


@triton.jit
def _stored(acc, ptr):
    """``acc`` in the dtype ``ptr`` points at, rounded to nearest even. float64 sums bound for float16 or
    bfloat16 go through float32, as PyTorch converts them, so every backend stores the same values
    (Triton 3.0-3.2 also cannot compile a direct float64 to bfloat16 conversion)."""
    # (nested: Triton 3.0 cannot ``and`` two compile-time conditions)
    if acc.dtype == tl.float64:  # noqa: SIM102
        if ptr.dtype.element_ty != tl.float64:
            acc = acc.to(tl.float32)
    return acc.to(ptr.dtype.element_ty)


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
def _placement(consts_ptr):
    return tl.load(consts_ptr + 0), tl.load(consts_ptr + 1), tl.load(consts_ptr + 7)


@triton.jit
def _splat(s, ok, index_ptr, rel_ptr, base_ptr, weight_ptr, radius_ptr, N, K, T, DENSE, PER_TYPE):
    """Atom, type slot ``k``, flat channel ``b·T + c``, position (Å), radius (0 = skip) and weight of
    splats ``s`` (``ok`` masks them)."""
    if DENSE:
        atom = s
        k = s * 0
    else:
        flat = tl.load(index_ptr + s, mask=ok, other=0)
        atom = flat // K
        k = flat - atom * K
    x = tl.load(rel_ptr + 3 * atom, mask=ok, other=0.0)
    y = tl.load(rel_ptr + 3 * atom + 1, mask=ok, other=0.0)
    z = tl.load(rel_ptr + 3 * atom + 2, mask=ok, other=0.0)
    w = tl.load(weight_ptr + atom * K + k, mask=ok, other=0.0)
    r = tl.load(radius_ptr + (k if PER_TYPE else atom), mask=ok, other=0.0)
    base = tl.load(base_ptr + atom, mask=ok, other=0)
    # Skip (radius 0) an ignored atom (index -1), and values the unchecked path may let through: a type
    # out of range, a non-finite coordinate or radius; so no kernel ever reads or writes out of bounds.
    usable = (base < T) & (tl.abs(x) < 1e30) & (tl.abs(y) < 1e30) & (tl.abs(z) < 1e30) & (r < 1e30)
    if DENSE:
        usable = usable & (w != 0.0)
    r = tl.where(usable, r, 0.0)
    x = tl.where(usable, x, 0.0)
    y = tl.where(usable, y, 0.0)
    z = tl.where(usable, z, 0.0)
    channel = (atom // N) * T + base + k
    return atom, k, channel, x, y, z, r, w


@triton.jit
def _axis_tiles(x, reach, lower, res, n, TILE):
    """First tile and tile count along one axis of the points within ``reach`` of ``x`` (a rounding
    margin widens the range; kernels test the cut-off exactly)."""
    margin = 1e-6 * n
    first = tl.maximum(tl.ceil((x - reach - lower) / res - margin), 0.0).to(tl.int32)
    last = tl.minimum(tl.floor((x + reach - lower) / res + margin), n - 1.0).to(tl.int32)
    low = first // TILE
    span = tl.where(last >= first, last // TILE - low + 1, 0)
    return low, span


@triton.jit
def _box_tiles(x, y, z, r, consts_ptr, n, TILE):
    """First tile and tile count along x, y and z of the cut-off box of an atom at ``(x, y, z)``."""
    lower, res, cutoff = _placement(consts_ptr)
    reach = cutoff * r
    lx, sx = _axis_tiles(x, reach, lower, res, n, TILE)
    ly, sy = _axis_tiles(y, reach, lower, res, n, TILE)
    lz, sz = _axis_tiles(z, reach, lower, res, n, TILE)
    return lx, sx, ly, sy, lz, sz


@triton.jit
def _reach(
    s, ok, index_ptr, rel_ptr, base_ptr, weight_ptr, radius_ptr, consts_ptr, N, K, T, n, DENSE, PER_TYPE,
    TILE,
):  # fmt: skip
    """Channel, box tiles (first and count along x, y, z) and whether the cut-off box of splats ``s``
    reaches a grid point."""
    _, _, channel, x, y, z, r, _ = _splat(
        s, ok, index_ptr, rel_ptr, base_ptr, weight_ptr, radius_ptr, N, K, T, DENSE, PER_TYPE
    )
    lx, sx, ly, sy, lz, sz = _box_tiles(x, y, z, r, consts_ptr, n, TILE)
    live = (r > 0.0) & (sx > 0) & (sy > 0) & (sz > 0)
    return channel, lx, sx, ly, sy, lz, sz, live


@triton.jit
def reaching(
    live_ptr, index_ptr, rel_ptr, base_ptr, weight_ptr, radius_ptr, consts_ptr, S, N, K, T, n,
    DENSE: tl.constexpr, PER_TYPE: tl.constexpr, BLOCK: tl.constexpr,
):  # fmt: skip
    """``live[s]``: 1 if the cut-off box of splat ``s`` can reach a grid point, else 0 (int32)."""
    s = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    ok = s < S
    _, _, _, _, _, _, _, live = _reach(
        s, ok, index_ptr, rel_ptr, base_ptr, weight_ptr, radius_ptr, consts_ptr, N, K, T, n, DENSE,
        PER_TYPE, 1,
    )  # fmt: skip
    tl.store(live_ptr + s, live.to(tl.int32), mask=ok)


@triton.jit
def place(listed_ptr, live_ptr, rank_ptr, S, BLOCK: tl.constexpr):
    """``listed[rank[s] - 1] = s`` for every splat ``s`` flagged ``live`` (``rank``: the inclusive
    cumulative sum of ``live``), so the live splats are listed in splat order."""
    s = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    ok = s < S
    live = tl.load(live_ptr + s, mask=ok, other=0) != 0
    rank = tl.load(rank_ptr + s, mask=ok, other=1)
    tl.store(listed_ptr + rank - 1, s.to(listed_ptr.dtype.element_ty), mask=ok & live)


@triton.jit
def cell_keys(
    key_ptr, span_ptr, index_ptr, rel_ptr, base_ptr, weight_ptr, radius_ptr, consts_ptr, S, N, K, T, n,
    cells, skip_key, DENSE: tl.constexpr, PER_TYPE: tl.constexpr, CELL: tl.constexpr, BLOCK: tl.constexpr,
):  # fmt: skip
    """``key[s]``: the cell of splat ``s``, ``((b·T + c)·cells + x)·cells + y)·cells + z`` for the first
    cell ``(x, y, z)`` (``CELL³`` grid points) its cut-off box overlaps (``skip_key`` for a splat that
    reaches no grid point); ``span[s]``: the most cells that box spans along one axis (0 if skipped)."""
    s = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    ok = s < S
    channel, lx, sx, ly, sy, lz, sz, live = _reach(
        s, ok, index_ptr, rel_ptr, base_ptr, weight_ptr, radius_ptr, consts_ptr, N, K, T, n, DENSE,
        PER_TYPE, CELL,
    )  # fmt: skip
    key = ((channel * cells + lx) * cells + ly) * cells + lz
    key = tl.where(live, key, skip_key)
    span = tl.where(live, tl.maximum(tl.maximum(sx, sy), sz), 0)
    tl.store(key_ptr + s, key.to(key_ptr.dtype.element_ty), mask=ok)
    tl.store(span_ptr + s, span, mask=ok)


@triton.jit
def sorted_splats(
    record_ptr, who_ptr, key_ptr, order_ptr, index_ptr, rel_ptr, base_ptr, weight_ptr, radius_ptr, S, N,
    K, T, skip_key, DENSE: tl.constexpr, PER_TYPE: tl.constexpr, BLOCK: tl.constexpr,
):  # fmt: skip
    """Copy the sorted splats that reach the grid (``key[j] ≠ skip_key``) into records: ``record[j] =
    (x, y, z, r, w)`` (``RECORD`` values a row) and ``who[j] = atom·K + k`` for splat ``order[j]``, so
    the tiles read each splat with one contiguous load instead of two dependent ones."""
    j = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    ok = j < S
    key = tl.load(key_ptr + j, mask=ok, other=0)
    ok = ok & (key != skip_key)
    s = tl.load(order_ptr + j, mask=ok, other=0)
    atom, k, _, x, y, z, r, w = _splat(
        s, ok, index_ptr, rel_ptr, base_ptr, weight_ptr, radius_ptr, N, K, T, DENSE, PER_TYPE
    )
    row = record_ptr + RECORD * j
    tl.store(row, x, mask=ok)
    tl.store(row + 1, y, mask=ok)
    tl.store(row + 2, z, mask=ok)
    tl.store(row + 3, r, mask=ok)
    tl.store(row + 4, w, mask=ok)
    tl.store(who_ptr + j, atom * K + k, mask=ok)


@triton.jit
def _add_splat(
    acc, ex, ey, ez, r, w, who, grad_rel_ptr, grad_radius_ptr, grad_weight_ptr, K, g2, c2, qa, qb, qc,
    PER_TYPE, ORDER, BINARY, SET,
):  # fmt: skip
    """``acc`` plus one splat's term at the tile's points, ``(ex, ey, ez)`` from the splat (see
    :func:`scatter`); ``who`` points at the splat's flat position ``atom·K + k`` (read for ORDER 1)."""
    inv_r2 = 1.0 / (r * r)
    s2 = (ex * ex + ey * ey + ez * ez) * inv_r2
    if BINARY:
        h = tl.where(s2 < 1.0, 1.0, 0.0).to(s2.dtype)
        h1 = h
    else:
        h, h1, _h2 = _radial(s2, tl.exp(-2.0 * s2), g2, c2, qa, qb, qc)
    if ORDER == 0:
        if SET:
            return tl.maximum(acc, tl.where(h != 0.0, 1.0, 0.0).to(acc.dtype))
        return acc + h * w
    flat = tl.load(who)
    atom = flat // K
    k = flat - atom * K
    ax = tl.load(grad_rel_ptr + 3 * atom)
    ay = tl.load(grad_rel_ptr + 3 * atom + 1)
    az = tl.load(grad_rel_ptr + 3 * atom + 2)
    e = tl.load(grad_radius_ptr + (k if PER_TYPE else atom))
    b = tl.load(grad_weight_ptr + flat)
    adot = ax * ex + ay * ey + az * ez
    return acc + (-2.0 * w * h1 * (inv_r2 * adot + (e / r) * s2) + b * h)


@triton.jit
def scatter(
    out_ptr, offsets_ptr, record_ptr, who_ptr, span_ptr, grad_rel_ptr, grad_radius_ptr, grad_weight_ptr,
    consts_ptr, K, n, tiles, cells, PER_TYPE: tl.constexpr, ORDER: tl.constexpr, BINARY: tl.constexpr,
    SET: tl.constexpr, TILE: tl.constexpr, CELL: tl.constexpr, RUNS: tl.constexpr,
):  # fmt: skip
    """Write one ``TILE³`` tile of ``out (B, T, n, n, n)``: program ``(b·T + c)·tiles³ + tile``.

    The splats that can reach the tile start in one of its cells (``CELL³`` points; ``TILE`` is a
    multiple of ``CELL``) or up to ``span - 1`` cells below them along each axis (``span``: the most
    cells any splat spans); a cell's splats are rows ``offsets[cell]:offsets[cell + 1]`` of the sorted
    records (:func:`sorted_splats`). Whole runs of cells along z are read at once, the bounds of
    ``RUNS`` runs in one load, and only runs that hold splats are visited; a splat whose box misses
    the tile is skipped before any point is evaluated.

    ``ORDER == 0``: ``Σ w ρ`` (``SET``: 1 where any splat has ``ρ ≠ 0``; ``BINARY``: ``ρ = [d < r]``).
    ``ORDER == 1``: ``Σ w (a·∇ρ + e ∂ρ/∂r) + b ρ`` with ``a = grad_rel`` (per atom), ``e = grad_radius``
    (laid out as the radii) and ``b = grad_weight`` (as the weights).
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
    acc = tl.zeros([TILE * TILE * TILE], dtype=lower.dtype)  # the atoms' dtype, whatever the output's
    span = tl.load(span_ptr)
    PER: tl.constexpr = TILE // CELL  # cells per tile side
    width = span + PER - 1  # cells per axis where the tile's splats can start
    z_first = tl.maximum(tz * PER - span + 1, 0)
    z_last = tl.minimum(tz * PER + PER - 1, cells - 1)
    lanes = tl.arange(0, RUNS)
    # (while loops: range() over loaded bounds fails in the interpreter)
    p0 = 0
    while p0 < width * width:  # RUNS runs of cells (x, y, z_first..z_last) at a time, bounds in one load
        p = p0 + lanes
        p0 += RUNS
        cx = tx * PER + PER - 1 - p // width
        cy = ty * PER + PER - 1 - p % width
        valid = (p < width * width) & (cx >= 0) & (cy >= 0) & (cx < cells) & (cy < cells)
        row = ((channel.to(tl.int64) * cells + cx) * cells + cy) * cells
        starts = tl.load(offsets_ptr + row + z_first, mask=valid, other=0)
        ends = tl.load(offsets_ptr + row + z_last + 1, mask=valid, other=0)
        waiting = ends > starts  # runs holding splats, visited in order; most tiles have none
        left = tl.sum(waiting.to(tl.int32), axis=0)
        while left > 0:
            run = tl.min(tl.where(waiting, lanes, RUNS), axis=0)
            waiting = waiting & (lanes != run)
            left -= 1
            j = tl.sum(tl.where(lanes == run, starts, 0), axis=0)
            end = tl.sum(tl.where(lanes == run, ends, 0), axis=0)
            while j < end:
                record = record_ptr + RECORD * j
                x = tl.load(record)
                y = tl.load(record + 1)
                z = tl.load(record + 2)
                r = tl.load(record + 3)
                w = tl.load(record + 4)
                lx, sx, ly, sy, lz, sz = _box_tiles(x, y, z, r, consts_ptr, n, TILE)
                if (lx + sx > tx) & (ly + sy > ty) & (lz + sz > tz):  # the box reaches this tile
                    acc = _add_splat(
                        acc, px - x, py - y, pz - z, r, w, who_ptr + j, grad_rel_ptr, grad_radius_ptr,
                        grad_weight_ptr, K, g2, c2, qa, qb, qc, PER_TYPE, ORDER, BINARY, SET,
                    )  # fmt: skip
                j += 1
    point = ((channel.to(tl.int64) * n + ix) * n + iy) * n + iz
    # (a float16 / bfloat16 buffer: rounded when stored, to nearest even on a GPU)
    tl.store(out_ptr + point, _stored(acc, out_ptr), mask=inside)


@triton.jit
def gather(
    grid_ptr, listed_ptr, count_ptr, index_ptr, rel_ptr, base_ptr, weight_ptr, radius_ptr, grad_rel_ptr,
    grad_radius_ptr, grad_weight_ptr, consts_ptr, out_pos_ptr, out_radius_ptr, out_weight_ptr, N, K, T, n,
    DENSE: tl.constexpr, PER_TYPE: tl.constexpr, ORDER: tl.constexpr, BLOCK: tl.constexpr,
):  # fmt: skip
    """Per-splat sums over the grid points of its cut-off box, ``U = grid`` at the splat's channel, for
    the ``count`` splats ``listed``: program ``p`` of ``P`` takes list entries ``p, p + P, …``.

    ``ORDER == 1``: ``out_pos = w Σ U ∇ρ``, ``out_weight = Σ U ρ``, ``out_radius = w Σ U ∂ρ/∂r``.
    ``ORDER == 2``, with the gradients ``a, e, b`` of those outputs, ``Q = w U`` and ``P = b U``:
    ``out_pos = Σ Q (H a + e ∇∂ρ/∂r) + P ∇ρ``, ``out_weight = Σ U (a·∇ρ + e ∂ρ/∂r)``,
    ``out_radius = Σ Q (a·∇∂ρ/∂r + e ∂²ρ/∂r²) + P ∂ρ/∂r``.
    """
    lower, res, g2, c2, qa, qb, qc, _cutoff = _constants(consts_ptr)
    count = tl.load(count_ptr)
    item = tl.program_id(0)
    while item < count:  # (while: range() over loaded bounds fails in the interpreter)
        sid = tl.load(listed_ptr + item).to(tl.int64)
        item += tl.num_programs(0)
        atom, k, channel, x, y, z, r, w = _splat(
            sid, sid >= 0, index_ptr, rel_ptr, base_ptr, weight_ptr, radius_ptr, N, K, T, DENSE, PER_TYPE
        )
        channel = channel.to(tl.int64)  # (a listed splat has a radius and a box that reaches the grid)
        ax = 0.0
        ay = 0.0
        az = 0.0
        e = 0.0
        b = 0.0
        if ORDER == 2:
            ax = tl.load(grad_rel_ptr + 3 * atom)
            ay = tl.load(grad_rel_ptr + 3 * atom + 1)
            az = tl.load(grad_rel_ptr + 3 * atom + 2)
            e = tl.load(grad_radius_ptr + (k if PER_TYPE else atom))
            b = tl.load(grad_weight_ptr + atom * K + k)
        x0, nx, y0, ny, z0, nz = _box_tiles(x, y, z, r, consts_ptr, n, 1)  # (tiles of one point)
        total = nx * ny * nz
        inv_r2 = 1.0 / (r * r)
        inv_r = 1.0 / r
        zero = tl.zeros([BLOCK], dtype=rel_ptr.dtype.element_ty)
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
                along, across, radius = _second(q, p, h1, h2, s, adot, e, inv_r, inv_r2)
                gx += along * dx + across * ax
                gy += along * dy + across * ay
                gz += along * dz + across * az
                gr += radius
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
