"""Differentiable molecular grids: density math, ``GridMaker``, autograd Functions and backends."""

from .density import DensityProfile
from .functional import check_atoms, coords_to_grid
from .gridmaker import GridMaker

__all__ = ["DensityProfile", "GridMaker", "check_atoms", "coords_to_grid"]
