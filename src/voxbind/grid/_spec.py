"""Normalised, validated inputs shared by every backend."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .density import DensityProfile


@dataclass(frozen=True)
class GridGeometry:
    """A cubic grid of ``n`` points per side, ``resolution`` Å apart, centred on the origin.

    Point ``(i, j, k)`` sits at ``lower + (i, j, k) * resolution`` relative to the grid center, with
    ``lower = -(n - 1) * resolution / 2``.
    """

    n: int
    resolution: float
    profile: DensityProfile

    @property
    def lower(self) -> float:
        return -(self.n - 1) * self.resolution / 2.0


@dataclass
class AtomBatch:
    """Atoms in the layout every backend takes (always batched).

    Attributes:
        rel: ``(B, N, 3)`` float coordinates relative to each example's grid center (Å).
        base: ``(B, N)`` int64 first channel of each atom: the type index (clamped to ≥ 0) for index
            types, 0 for vector types.
        weights: ``(B, N, K)`` float channel weights: ``K = 1`` for index types (1 for a typed atom, 0 for
            an ignored one; channel = ``base``), ``K = T`` for vector types (channel = ``k``).
        radii: effective radii in Å (``radius * radius_scale``): ``(B, N)`` per atom, or ``(1, T)`` per type.
        per_type: whether ``radii`` are per type.
        num_types: ``T``, the number of output channels.
        index_types: whether types were given as indices (``weights`` then carry no gradient).
    """

    rel: torch.Tensor
    base: torch.Tensor
    weights: torch.Tensor
    radii: torch.Tensor
    per_type: bool
    num_types: int
    index_types: bool

    @property
    def batch_size(self) -> int:
        return self.rel.shape[0]
