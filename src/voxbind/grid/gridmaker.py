"""``GridMaker``: the configuration of a molecular grid as an ``nn.Module``."""

from __future__ import annotations

import math

import torch
from torch import nn

from .._choices import BACKENDS
from ..errors import GridInputError
from ._backends import get_backend
from ._spec import GridGeometry
from .density import DensityProfile
from .functional import coords_to_grid

__all__ = ["GridMaker"]


def _positive(name: str, value: float, allow_zero: bool = False) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise GridInputError(
            f"{name} must be a finite {'non-negative' if allow_zero else 'positive'} number, got {value!r}"
        )
    return value


class GridMaker(nn.Module):
    """Turns atoms into per-type 3D density grids, differentiably.

    Args:
        resolution: grid spacing in Å.
        dimension: side length of the cube in Å; there are ``n = round(dimension / resolution) + 1``
            points per side, and point ``(i, j, k)`` sits at
            ``center - (n - 1) * resolution / 2 + (i, j, k) * resolution`` (the grid is centered on
            ``center`` even when ``dimension`` is not a multiple of ``resolution``).
        gaussian_radius_multiple: ``G``. Positive: Gaussian ``exp(-2 d²/r²)`` up to ``G r``, then a
            quadratic tail reaching zero at ``r (1 + 2G²) / (2G)``. Negative: Gaussian truncated at
            ``|G| r``. See ``docs/density.md``.
        radius_scale: every radius is multiplied by this before gridding.
        binary: 1 inside the (scaled) radius instead of a density; not differentiable.
        backend: ``"auto"`` (numba on CPU tensors, Triton on CUDA tensors, when installed; else the
            reference), ``"numba"`` (CPU), ``"triton"`` (CUDA; CPU under ``TRITON_INTERPRET=1``) or
            ``"reference"`` (pure PyTorch, any device).

    ``forward(center, coords, types, radii, num_types=None, *, radii_per_type=None, out=None,
    check_values=True)`` grids atoms; see :func:`voxbind.coords_to_grid` for shapes. Output layout
    (channel, x, y, z).

    Example:
        >>> import torch, voxbind
        >>> gm = voxbind.GridMaker(resolution=0.5, dimension=6.0)
        >>> grid = gm(torch.zeros(3), torch.zeros(1, 3), torch.ones(1, 1), torch.ones(1))
        >>> tuple(grid.shape)
        (1, 13, 13, 13)
    """

    def __init__(
        self,
        resolution: float = 0.5,
        dimension: float = 23.5,
        *,
        gaussian_radius_multiple: float = 1.0,
        radius_scale: float = 1.0,
        binary: bool = False,
        backend: str = "auto",
    ) -> None:
        super().__init__()
        self.resolution = _positive("resolution", resolution)
        self.dimension = _positive("dimension", dimension, allow_zero=True)
        self.radius_scale = _positive("radius_scale", radius_scale)
        self.profile = DensityProfile(float(gaussian_radius_multiple), bool(binary))
        if backend not in BACKENDS:
            raise GridInputError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        self.backend = backend
        # round half away from zero, as libmolgrid does
        self.points_per_side = math.floor(self.dimension / self.resolution + 0.5) + 1

    @property
    def gaussian_radius_multiple(self) -> float:
        return self.profile.multiple

    @property
    def binary(self) -> bool:
        return self.profile.binary

    @property
    def geometry(self) -> GridGeometry:
        return GridGeometry(self.points_per_side, self.resolution, self.profile)

    def grid_shape(self, num_types: int) -> tuple[int, int, int, int]:
        """``(num_types, n, n, n)``."""
        n = self.points_per_side
        return (int(num_types), n, n, n)

    def axis_coordinates(self, center=(0.0, 0.0, 0.0), dtype=torch.float64) -> torch.Tensor:
        """``(3, n)`` Å coordinates of the grid planes along x, y and z for a grid at ``center``."""
        offsets = self.geometry.lower + self.resolution * torch.arange(self.points_per_side, dtype=dtype)
        return torch.as_tensor(center, dtype=dtype)[:, None] + offsets

    def backend_for(self, device: torch.device | str) -> str:
        """The name of the backend that grids tensors on ``device`` (what ``"auto"`` resolves to there).

        Raises:
            BackendUnavailableError: the configured backend cannot run on ``device``.
        """
        return get_backend(self.backend, torch.device(device)).name

    def forward(
        self, center, coords, types, radii, num_types=None, *, radii_per_type=None, out=None,
        check_values=True, pool=1,
    ):  # fmt: skip
        return coords_to_grid(
            self, center, coords, types, radii, num_types,
            radii_per_type=radii_per_type, out=out, check_values=check_values, pool=pool,
        )  # fmt: skip

    def extra_repr(self) -> str:
        return (
            f"resolution={self.resolution}, dimension={self.dimension}, "
            f"points_per_side={self.points_per_side}, "
            f"gaussian_radius_multiple={self.gaussian_radius_multiple}, "
            f"radius_scale={self.radius_scale}, binary={self.binary}, backend={self.backend!r}"
        )
