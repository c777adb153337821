"""Pure-PyTorch reference backend: plain tensor operations, differentiable to any order by autograd.

It runs on any device and is the oracle the fast backends are tested against. Work is proportional to
the number of (atom, grid point) pairs inside the cut-off: pairs are found per atom in the cube that
bounds its cut-off sphere, and densities are summed into the grid with ``index_add``.
"""

from __future__ import annotations

import math

import torch

from ..._logging import logger
from .._spec import AtomBatch, GridGeometry
from ..density import radial_torch

# Candidate (atom, point) pairs examined at once; bounds the temporary memory.
_PAIR_CHUNK = 1 << 21


def _pairs(rel: torch.Tensor, reach: torch.Tensor, geom: GridGeometry):
    """(atom, flat grid point) index pairs within ``reach`` Å of each atom, ``rel`` (M, 3) detached."""
    n, res, lower = geom.n, geom.resolution, geom.lower
    max_reach = float(reach.max()) if reach.numel() else 0.0
    if max_reach <= 0.0:
        empty = torch.zeros(0, dtype=torch.long, device=rel.device)
        return empty, empty
    # Each atom's window of grid points, never wider than the grid: it starts at the first point within
    # reach (or the grid's first point) and spans the reach's points (or the whole grid).
    side = min(math.floor(2.0 * max_reach / res) + 2, n + 1)
    offsets = torch.arange(side, device=rel.device)
    cube = torch.stack(torch.meshgrid(offsets, offsets, offsets, indexing="ij"), -1).reshape(-1, 3)
    start = (torch.floor((rel - reach[:, None] - lower) / res).long() + 1).clamp(min=0)
    chunk = max(1, _PAIR_CHUNK // cube.shape[0])
    atoms, points = [], []
    for first in range(0, rel.shape[0], chunk):
        idx = start[first : first + chunk, None, :] + cube  # (C, side³, 3)
        delta = lower + idx.to(rel.dtype) * res - rel[first : first + chunk, None, :]
        r = reach[first : first + chunk, None]
        keep = ((idx >= 0) & (idx < n)).all(-1) & ((delta * delta).sum(-1) < r * r)
        atom, cell = keep.nonzero(as_tuple=True)
        ijk = idx[atom, cell]
        atoms.append(atom + first)
        points.append((ijk[:, 0] * n + ijk[:, 1]) * n + ijk[:, 2])
    return torch.cat(atoms), torch.cat(points)


def _profile(s: torch.Tensor, geom: GridGeometry) -> torch.Tensor:
    if geom.profile.binary:
        return (s < 1.0).to(s.dtype)
    return radial_torch(s, torch.exp(-2.0 * s), *geom.profile.kernel_constants())[0]


def reference_grid(atoms: AtomBatch, geom: GridGeometry, *, set_binary: bool = False) -> torch.Tensor:
    """Grid ``atoms`` into a ``(B, T, n, n, n)`` tensor of the coordinates' dtype.

    ``set_binary``: index-typed binary grids set a point to 1 instead of summing.
    """
    B, N, _ = atoms.rel.shape
    T, n = atoms.num_types, geom.n
    dtype, device = atoms.rel.dtype, atoms.rel.device
    rel = atoms.rel.reshape(B * N, 3)
    weights = atoms.weights.reshape(B * N, atoms.weights.shape[-1])
    # Vector types: every atom with a radius, zero weights included (their gradient is not zero).
    if atoms.per_type:
        radius = atoms.radii.reshape(T)
        positive = radius > 0
        atom_radius = radius.detach().amax().expand(B * N)
    else:
        atom_radius = atoms.radii.reshape(B * N).detach()
    active = atom_radius > 0
    if atoms.index_types:  # (a type out of range only gets here unchecked, on a GPU: skipped)
        active &= (weights[:, 0].detach() != 0) & (atoms.base.reshape(B * N) < T)
    reach = torch.where(active, atom_radius * geom.profile.cutoff, -1.0)
    atom, point = _pairs(rel.detach(), reach, geom)
    logger.debug("reference backend: %d atom-point pairs", atom.numel())

    position = geom.lower + geom.resolution * torch.stack(
        (point // (n * n), (point // n) % n, point % n), -1
    ).to(dtype)
    delta = position - rel[atom]
    d2 = (delta * delta).sum(-1)
    if atoms.per_type:
        safe = torch.where(positive, radius, torch.ones_like(radius))
        density = _profile(d2[:, None] / (safe * safe), geom) * positive
        contribution = density * weights[atom]  # (P, T)
    else:
        r = atoms.radii.reshape(B * N)[atom]
        contribution = _profile(d2 / (r * r), geom)[:, None] * weights[atom]  # (P, K)

    flat = torch.zeros(B * T * n**3, dtype=dtype, device=device)
    example = atom // N
    if atoms.index_types:
        channel = atoms.base.reshape(B * N)[atom]
        target = (example * T + channel) * n**3 + point
        value = contribution[:, 0]
        if set_binary:
            return flat.index_fill(0, target[value != 0], 1.0).reshape(B, T, n, n, n)
        return flat.index_add(0, target, value).reshape(B, T, n, n, n)
    grid = flat.reshape(B * n**3, T).index_add(0, example * n**3 + point, contribution)
    return grid.reshape(B, n, n, n, T).permute(0, 4, 1, 2, 3).contiguous()
