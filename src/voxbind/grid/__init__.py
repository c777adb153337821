"""Differentiable molecular grids: density math, ``GridMaker``, autograd Functions and backends."""

from .density import DensityProfile
from .functional import coords_to_grid
from .gridmaker import GridMaker

__all__ = ["DensityProfile", "GridMaker", "coords_to_grid"]
