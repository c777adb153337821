"""Host side of the Triton backend: which (atom, channel) pairs to visit, binning, kernel launches.

The kernels read the atoms in the :class:`~voxbind.grid._spec.AtomBatch` layout directly. With index
types every atom is a *splat* (ignored atoms are skipped inside the kernels), so no list is built; with
vector types the host lists the (atom, type) pairs to visit: those with a non-zero weight, or all of them
when the type gradient is wanted (a zero weight still has a gradient).

The forward pass bins splats by *cell*: :func:`cell_keys` gives each splat the (example, channel, first
block of ``CELL³`` points along x, y, z) its cut-off box starts in, a stable sort groups the splats by
cell (in splat order within one, so results are deterministic), ``searchsorted`` gives each cell its
slice, and the splats that reach the grid are copied in that order into records the tiles read. Every
size follows from the batch's shape, so with index types nothing here waits for the GPU; vector types
list their pairs with non-zero weights with ``nonzero``, one synchronisation (a pass that wants type
gradients visits every pair and lists them without one).

The backward passes list the splats whose box reaches the grid (flags, their cumulative sum, and a
kernel that places each splat at its rank; the count stays on the device), then launch a fixed number
of programs that take the listed splats in turn: a batch's receptors put most of their atoms outside
the grid, and a program per splat would spend most of the pass starting programs with nothing to do.
"""

from __future__ import annotations

import functools

import torch

from .._spec import GridGeometry
from . import _triton_kernels as kernels

TILE = 8  # grid points per tile side in the forward pass (8³ = 512 per program)
CELL = 8  # grid points per cell side when binning (a divisor of TILE; smaller: fewer splats to test)
BLOCK_POINTS = 256  # grid points per step of a per-splat program
BLOCK_KEYS = 256  # splats per program when finding their cells
RUNS = 16  # runs of cells whose bounds a forward program loads at once (4 × 4: one load, usually)
PROGRAMS_PER_SM = 16  # per-splat programs launched per multiprocessor (4 warps each: 64 warps per SM)
INTERPRETED_PROGRAMS = 4  # per-splat programs under the interpreter (a few, so each takes several)


class _Atoms:
    """Kernel arguments common to every launch: the atoms, and which pairs are splats."""

    def __init__(self, rel, base, weights, radii, per_type, num_types, active=None):
        B, N, K = weights.shape
        self.shape = (B, N, K)
        self.per_type = per_type
        self.dense = K == 1
        if self.dense:
            self.index = None
            self.count = B * N
        elif active is True:  # every pair, listed without reading a value (kernels skip radius 0)
            self.index = torch.arange(B * N * K, device=weights.device)
            self.count = B * N * K
        else:
            r = radii.reshape(1, 1, K) if per_type else radii.reshape(B, N, 1)
            pairs = (r > 0) & active
            self.index = pairs.reshape(-1).nonzero().squeeze(1)
            self.count = self.index.numel()
        self.tensors = (
            rel if self.index is None else self.index,  # (a placeholder when dense)
            rel.contiguous(),
            base.contiguous(),
            weights.contiguous(),
            radii.contiguous(),
        )
        self.sizes = (N, K, num_types)
        self.flags = {"DENSE": self.dense, "PER_TYPE": per_type}


@functools.cache
def _constants(geom: GridGeometry, dtype, device) -> torch.Tensor:
    g2, c2, qa, qb, qc = geom.profile.kernel_constants()
    values = [geom.lower, geom.resolution, g2, c2, qa, qb, qc, geom.profile.cutoff]
    return torch.tensor(values, dtype=dtype, device=device)


@functools.lru_cache(maxsize=16)
def _items(count: int, dtype, device) -> torch.Tensor:
    return torch.arange(count, dtype=dtype, device=device)


def _bin(atoms: _Atoms, consts, num_channels: int, geom: GridGeometry):
    """``(offsets (W + 1,), records (S, RECORD), who (S,), span (1,), cells)``: the splats whose
    cut-off box starts in cell ``w = ((channel · cells + x) · cells + y) · cells + z`` (blocks of
    ``CELL³`` points, ``cells`` a side) are rows ``offsets[w]:offsets[w + 1]`` of ``records`` (``x, y,
    z, r, w``) and ``who`` (``atom · K + k``), in splat order; ``span`` is the most cells any box spans
    along an axis. Every size here follows from the batch's shape alone, so nothing waits on the GPU."""
    cells = -(-geom.n // CELL)
    device = consts.device
    S = atoms.count
    W = num_channels * cells**3
    key = torch.empty(S, dtype=torch.int32 if W < 2**31 else torch.int64, device=device)
    spans = torch.empty(S, dtype=torch.int32, device=device)
    kernels.cell_keys[(-(-S // BLOCK_KEYS),)](
        key, spans, *atoms.tensors, consts, S, *atoms.sizes, geom.n, cells, W,
        CELL=CELL, BLOCK=BLOCK_KEYS, **atoms.flags,
    )  # fmt: skip
    key, order = torch.sort(key, stable=True)  # stable: each cell's splats stay in splat order
    offsets = torch.searchsorted(key, _items(W + 1, key.dtype, device))
    records = torch.empty((S, kernels.RECORD.value), dtype=consts.dtype, device=device)
    who = torch.empty(S, dtype=torch.int64, device=device)
    kernels.sorted_splats[(-(-S // BLOCK_KEYS),)](
        records, who, key, order, *atoms.tensors, S, *atoms.sizes, W, BLOCK=BLOCK_KEYS, **atoms.flags
    )
    return offsets, records, who, spans.amax().reshape(1), cells


@functools.cache
def _programs_per_launch(device: torch.device) -> int:
    if device.type != "cuda":
        return INTERPRETED_PROGRAMS
    return PROGRAMS_PER_SM * torch.cuda.get_device_properties(device).multi_processor_count


def _reaching(atoms: _Atoms, consts, geom: GridGeometry):
    """``(listed (S,), count (1,))``: the splats whose cut-off box can reach a grid point, in splat
    order, are ``listed[:count]``; ``count`` stays on the device, so nothing waits on the GPU."""
    S = atoms.count
    device = consts.device
    blocks = (-(-S // BLOCK_KEYS),)
    live = torch.empty(S, dtype=torch.int32, device=device)
    kernels.reaching[blocks](
        live, *atoms.tensors, consts, S, *atoms.sizes, geom.n, BLOCK=BLOCK_KEYS, **atoms.flags
    )
    positions = torch.int32 if S < 2**31 else torch.int64
    rank = torch.cumsum(live, 0, dtype=positions)
    listed = torch.empty(S, dtype=positions, device=device)
    kernels.place[blocks](listed, live, rank, S, BLOCK=BLOCK_KEYS)
    return listed, rank[-1:]


def _scatter(atoms: _Atoms, out, geom: GridGeometry, *, order, binary, set_value, grads=None):
    """Fill ``out (B, T, n, n, n)``: densities (``order == 0``) or the double backward's grid part."""
    B, T = out.shape[:2]
    if atoms.count == 0:
        return out.zero_()
    consts = _constants(geom, atoms.tensors[1].dtype, out.device)  # (sums in the atoms' dtype)
    offsets, records, who, span, cells = _bin(atoms, consts, B * T, geom)
    tiles = -(-geom.n // TILE)
    a, e, b = grads if grads is not None else atoms.tensors[1:4]
    kernels.scatter[(B * T * tiles**3,)](
        out, offsets, records, who, span, a, e, b, consts, atoms.shape[2], geom.n, tiles, cells,
        PER_TYPE=atoms.per_type, ORDER=order, BINARY=binary, SET=set_value, TILE=TILE, CELL=CELL,
        RUNS=RUNS, num_warps=2,
    )  # fmt: skip
    return out


def _gather(atoms: _Atoms, grid, geom: GridGeometry, *, order, grads=None):
    """Per-atom results of the per-splat sums: ``(B, N, 3)``, ``(B, N, K)`` and radius gradients per
    group ``(B, N, G)`` (``G = K`` with per-type radii, else 1)."""
    B, N, K = atoms.shape
    S = atoms.count
    dtype, device = grid.dtype, grid.device
    out_pos = torch.zeros((S, 3), dtype=dtype, device=device)
    out_radius = torch.zeros(S, dtype=dtype, device=device)
    out_weight = torch.zeros(S, dtype=dtype, device=device)
    if S:
        a, e, b = grads if grads is not None else atoms.tensors[1:4]
        consts = _constants(geom, dtype, device)
        listed, count = _reaching(atoms, consts, geom)
        kernels.gather[(min(S, _programs_per_launch(device)),)](
            grid, listed, count, *atoms.tensors, a, e, b, consts, out_pos, out_radius, out_weight,
            *atoms.sizes, geom.n, ORDER=order, BLOCK=BLOCK_POINTS, **atoms.flags,
        )  # fmt: skip
    if atoms.dense:  # one splat per atom
        return out_pos.reshape(B, N, 3), out_weight.reshape(B, N, 1), out_radius.reshape(B, N, 1)
    atom = atoms.index // K
    coords = torch.zeros((B * N, 3), dtype=dtype, device=device).index_add_(0, atom, out_pos)
    weight = torch.zeros(B * N * K, dtype=dtype, device=device).index_copy_(0, atoms.index, out_weight)
    if atoms.per_type:
        radius = torch.zeros(B * N * K, dtype=dtype, device=device).index_copy_(0, atoms.index, out_radius)
        radius = radius.reshape(B, N, K)
    else:
        radius = torch.zeros(B * N, dtype=dtype, device=device).index_add_(0, atom, out_radius)
        radius = radius.reshape(B, N, 1)
    return coords.reshape(B, N, 3), weight.reshape(B, N, K), radius


def _visited(weights, everything: bool, also=None):
    """The (atom, type) pairs vector types visit: ``True`` for all of them (type gradients wanted), else
    a mask of those with a non-zero weight or a non-zero ``also``; ``None`` for index types, whose
    kernels skip ignored atoms."""
    if weights.shape[-1] == 1:
        return None
    if everything:
        return True
    active = weights != 0
    return active if also is None else active | (also != 0)


class TritonKernels:
    """Forward, backward and double-backward kernels on CUDA tensors (CPU under ``TRITON_INTERPRET=1``)."""

    name = "triton"
    rounds_on_store = True  # out= may be float16 / bfloat16: sums in the atoms' dtype, rounded once

    def forward(self, rel, base, weights, radii, per_type, num_types, geom, set_binary, out=None):
        B = rel.shape[0]
        if out is None:
            out = torch.empty((B, num_types) + (geom.n,) * 3, dtype=rel.dtype, device=rel.device)
        atoms = _Atoms(rel, base, weights, radii, per_type, num_types, _visited(weights, False))
        return _scatter(atoms, out, geom, order=0, binary=geom.profile.binary, set_value=bool(set_binary))

    def backward(self, rel, base, weights, radii, per_type, geom, grad, need_weights):
        """``(∂L/∂rel (B, N, 3), ∂L/∂weights (B, N, K), ∂L/∂radii per group (B, N, G))``."""
        atoms = _Atoms(rel, base, weights, radii, per_type, grad.shape[1], _visited(weights, need_weights))
        return _gather(atoms, grad.contiguous(), geom, order=1)

    def double_backward(
        self, rel, base, weights, radii, per_type, geom, grad, grad_coords, grad_weights,
        grad_radii, need_atoms, need_weights, need_grid,
    ):  # fmt: skip
        """Gradients of ``L2 = a·gc + b·gw + e·gr`` (``a, b, e`` = ``grad_coords, grad_weights,
        grad_radii``) with respect to ``rel``, ``weights``, radii per group and the grid gradient."""
        out_grid = out_coords = out_weights = out_radii = None
        num_types = grad.shape[1]
        grads = (grad_coords.contiguous(), grad_radii.contiguous(), grad_weights.contiguous())
        if need_grid:
            listed = _visited(weights, False, grad_weights)
            atoms = _Atoms(rel, base, weights, radii, per_type, num_types, listed)
            out_grid = _scatter(
                atoms, torch.empty_like(grad), geom, order=1, binary=False, set_value=False, grads=grads
            )
        if need_atoms or need_weights:
            active = _visited(weights, need_weights, grad_weights)
            atoms = _Atoms(rel, base, weights, radii, per_type, num_types, active)
            out_coords, out_weights, out_radii = _gather(atoms, grad.contiguous(), geom, order=2, grads=grads)
        return out_coords, out_weights, out_radii, out_grid
