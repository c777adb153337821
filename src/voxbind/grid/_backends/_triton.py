"""Host side of the Triton backend: atoms become splats, splats are binned into tiles, kernels run.

A *splat* is one (atom, channel) pair that can contribute: with index types one per typed atom, with
vector types one per (atom, type) whose weight is not zero, or every (atom, type) pair when the type
gradient is wanted (a zero weight still has a gradient). Radii are per splat (per atom, or the type's).

The forward pass bins splats into ``TILE³`` tiles of the grid: each splat is listed under every (example,
channel, tile) its cut-off box overlaps, the list is sorted by that key (stably, so sums run in atom
order and results are deterministic), and ``searchsorted`` turns it into one slice per tile. Everything
runs as tensor operations on the atoms' device; with index types the only host synchronisation is the
length of the list (vector types add one to list their non-zero weights).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch

from .._spec import GridGeometry
from . import _triton_kernels as kernels

TILE = 8  # grid points per tile side in the forward pass (8³ = 512 per program)
BLOCK_ATOMS = 8  # splats per step of a forward program (tuned on an H100)
BLOCK_POINTS = 256  # grid points per step of a per-splat program


@dataclass
class _Splats:
    """Active (atom, channel) pairs, flattened over the batch: ``S`` of them."""

    index: torch.Tensor  # (S,) int64 position in the flattened (B, N, K) weights
    channel: torch.Tensor  # (S,) int64 flat channel ``b · T + c``
    pos: torch.Tensor  # (S, 3) coordinates relative to the grid center (Å)
    radius: torch.Tensor  # (S,) Å
    weight: torch.Tensor  # (S,)


def _splats(rel, base, weights, radii, per_type, num_types, active_weights) -> _Splats:
    """The pairs with a positive radius where ``active_weights (B, N, K)`` is true.

    With index types (``K = 1``) every atom is kept, inactive ones with radius 0 (the kernels skip them):
    that needs no host synchronisation. Vector types keep only the active pairs.
    """
    B, N, K = weights.shape
    r = radii.reshape(1, 1, K).expand(B, N, K) if per_type else radii.reshape(B, N, 1).expand(B, N, K)
    active = (r > 0) & active_weights
    if K == 1:
        index = torch.arange(B * N, device=rel.device)
        radius = torch.where(active, r, 0.0).reshape(-1)
    else:
        index = active.reshape(-1).nonzero().squeeze(1)
        radius = r.reshape(-1)[index]
    atom = index // K
    k = index - atom * K
    example = atom // N
    channel = example * num_types + base.reshape(-1)[atom] + k
    return _Splats(
        index=index,
        channel=channel,
        pos=rel.reshape(-1, 3)[atom].contiguous(),
        radius=radius.contiguous(),
        weight=weights.reshape(-1)[index].contiguous(),
    )


@functools.cache
def _constants(geom: GridGeometry, dtype, device) -> torch.Tensor:
    g2, c2, qa, qb, qc = geom.profile.kernel_constants()
    values = [geom.lower, geom.resolution, g2, c2, qa, qb, qc, geom.profile.cutoff]
    return torch.tensor(values, dtype=dtype, device=device)


def _point_range(pos, reach, geom: GridGeometry):
    """First and last grid index ``(S, 3)`` within ``reach`` of each splat, widened by a rounding margin
    (the kernels test the cut-off exactly)."""
    margin = 1e-6 * geom.n
    first = torch.ceil((pos - reach[:, None] - geom.lower) / geom.resolution - margin).clamp_min(0)
    last = torch.floor((pos + reach[:, None] - geom.lower) / geom.resolution + margin).clamp_max(geom.n - 1)
    return first.long(), last.long()


def _bin(splats: _Splats, num_channels: int, geom: GridGeometry):
    """``(offsets (W + 1,), listed (P,))``: the splats of work item ``w = channel · tiles³ + tile`` are
    ``listed[offsets[w]:offsets[w + 1]]``."""
    tiles = -(-geom.n // TILE)
    per_channel = tiles**3
    first, last = _point_range(splats.pos, geom.profile.cutoff * splats.radius, geom)
    low = torch.div(first, TILE, rounding_mode="floor")
    span = (torch.div(last, TILE, rounding_mode="floor") - low + 1).clamp_min(0)
    count = torch.where(splats.radius > 0, span.prod(1), 0)
    owner = torch.repeat_interleave(count)  # one host synchronisation: the number of pairs
    local = torch.arange(owner.numel(), device=owner.device) - (torch.cumsum(count, 0) - count)[owner]
    sy, sz = span[owner, 1], span[owner, 2]
    tx = low[owner, 0] + local // (sy * sz)
    ty = low[owner, 1] + (local // sz) % sy
    tz = low[owner, 2] + local % sz
    key = splats.channel[owner] * per_channel + (tx * tiles + ty) * tiles + tz
    items = num_channels * per_channel + 1
    if items < 2**31:  # 32-bit keys sort in half the radix passes
        key = key.to(torch.int32)
    key, order = torch.sort(key, stable=True)
    items = torch.arange(items, device=key.device, dtype=key.dtype)
    offsets = torch.searchsorted(key, items)
    return offsets, owner[order].contiguous(), tiles


def _scatter(splats: _Splats, out, geom: GridGeometry, *, order, binary, set_value, grads=None):
    B, T = out.shape[:2]
    if splats.index.numel() == 0:
        return out.zero_()
    offsets, listed, tiles = _bin(splats, B * T, geom)
    a, e, b = grads if grads is not None else (splats.pos, splats.radius, splats.weight)
    kernels.scatter[(B * T * tiles**3,)](
        out, offsets, listed, splats.pos, splats.radius, splats.weight, a, e, b,
        _constants(geom, out.dtype, out.device), geom.n, tiles,
        ORDER=order, BINARY=binary, SET=set_value, TILE=TILE, BLOCK_A=BLOCK_ATOMS, num_warps=4,
    )  # fmt: skip
    return out


def _gather(splats: _Splats, grid, geom: GridGeometry, *, order, grads=None):
    """Per-splat ``(pos (S, 3), radius (S,), weight (S,))`` sums."""
    S = splats.index.numel()
    out_pos = torch.empty((S, 3), dtype=grid.dtype, device=grid.device)
    out_radius = torch.empty(S, dtype=grid.dtype, device=grid.device)
    out_weight = torch.empty(S, dtype=grid.dtype, device=grid.device)
    if S:
        a, e, b = grads if grads is not None else (splats.pos, splats.radius, splats.weight)
        kernels.gather[(S,)](
            grid, splats.channel, splats.pos, splats.radius, splats.weight, a, e, b,
            _constants(geom, grid.dtype, grid.device), out_pos, out_radius, out_weight, geom.n,
            ORDER=order, BLOCK=BLOCK_POINTS,
        )  # fmt: skip
    return out_pos, out_radius, out_weight


def _per_atom(splats: _Splats, shape, per_type, values):
    """Per-splat results → ``(B, N, 3)``, ``(B, N, K)`` and radius gradients per group ``(B, N, G)``."""
    B, N, K = shape
    out_pos, out_radius, out_weight = values
    dtype, device = out_pos.dtype, out_pos.device
    atom = splats.index // K
    coords = torch.zeros((B * N, 3), dtype=dtype, device=device).index_add_(0, atom, out_pos)
    weight = torch.zeros(B * N * K, dtype=dtype, device=device).index_copy_(0, splats.index, out_weight)
    if per_type:
        radius = torch.zeros(B * N * K, dtype=dtype, device=device).index_copy_(0, splats.index, out_radius)
        radius = radius.reshape(B, N, K)
    else:
        radius = torch.zeros(B * N, dtype=dtype, device=device).index_add_(0, atom, out_radius)
        radius = radius.reshape(B, N, 1)
    return coords.reshape(B, N, 3), weight.reshape(B, N, K), radius


def _per_splat(splats: _Splats, per_type, grad_coords, grad_weights, grad_radii):
    """The double backward's incoming gradients ``a, e, b`` laid out per splat."""
    K = grad_weights.shape[-1]
    atom = splats.index // K
    a = grad_coords.reshape(-1, 3)[atom].contiguous()
    e = grad_radii.reshape(-1)[splats.index % K if per_type else atom]
    b = grad_weights.reshape(-1)[splats.index]
    return a, e.contiguous(), b.contiguous()


class TritonKernels:
    """Forward, backward and double-backward kernels on CUDA tensors (CPU under ``TRITON_INTERPRET=1``)."""

    name = "triton"

    def forward(self, rel, base, weights, radii, per_type, num_types, geom, set_binary, out=None):
        B = rel.shape[0]
        if out is None:
            out = torch.empty((B, num_types) + (geom.n,) * 3, dtype=rel.dtype, device=rel.device)
        splats = _splats(rel, base, weights, radii, per_type, num_types, weights != 0)
        return _scatter(splats, out, geom, order=0, binary=geom.profile.binary, set_value=bool(set_binary))

    def backward(self, rel, base, weights, radii, per_type, geom, grad, need_weights):
        """``(∂L/∂rel (B, N, 3), ∂L/∂weights (B, N, K), ∂L/∂radii per group (B, N, G))``."""
        active = torch.ones_like(weights, dtype=torch.bool) if need_weights else weights != 0
        splats = _splats(rel, base, weights, radii, per_type, grad.shape[1], active)
        values = _gather(splats, grad.contiguous(), geom, order=1)
        return _per_atom(splats, weights.shape, per_type, values)

    def double_backward(
        self, rel, base, weights, radii, per_type, geom, grad, grad_coords, grad_weights,
        grad_radii, need_atoms, need_weights, need_grid,
    ):  # fmt: skip
        """Gradients of ``L2 = a·gc + b·gw + e·gr`` (``a, b, e`` = ``grad_coords, grad_weights,
        grad_radii``) with respect to ``rel``, ``weights``, radii per group and the grid gradient."""
        out_grid = out_coords = out_weights = out_radii = None
        num_types = grad.shape[1]
        if need_grid:
            listed = (weights != 0) | (grad_weights != 0)
            splats = _splats(rel, base, weights, radii, per_type, num_types, listed)
            grads = _per_splat(splats, per_type, grad_coords, grad_weights, grad_radii)
            out_grid = _scatter(
                splats, torch.empty_like(grad), geom, order=1, binary=False, set_value=False, grads=grads
            )
        if need_atoms or need_weights:
            active = torch.ones_like(weights, dtype=torch.bool) if need_weights else weights != 0
            splats = _splats(rel, base, weights, radii, per_type, num_types, active | (grad_weights != 0))
            grads = _per_splat(splats, per_type, grad_coords, grad_weights, grad_radii)
            values = _gather(splats, grad.contiguous(), geom, order=2, grads=grads)
            out_coords, out_weights, out_radii = _per_atom(splats, weights.shape, per_type, values)
        return out_coords, out_weights, out_radii, out_grid
