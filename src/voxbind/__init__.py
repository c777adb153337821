"""voxbind: structure-based deep learning on protein–ligand complexes.

Differentiable molecular grids (:class:`GridMaker`, :func:`coords_to_grid`) with a pure-PyTorch
reference backend and a multi-core numba backend; structure readers and GNINA formats (:mod:`voxbind.io`);
atom typers and GNINA channel maps (:mod:`voxbind.atomtypes`); ``.types`` datasets, samplers,
augmentation and batched gridding (:mod:`voxbind.data`).
"""

from importlib.metadata import PackageNotFoundError, version

from .errors import (
    BackendUnavailableError,
    GridInputError,
    InvalidFileError,
    NotDifferentiableError,
    VoxbindError,
)
from .grid import DensityProfile, GridMaker, check_atoms, coords_to_grid

try:
    __version__ = version("voxbind")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "BackendUnavailableError",
    "DensityProfile",
    "GridInputError",
    "GridMaker",
    "InvalidFileError",
    "NotDifferentiableError",
    "VoxbindError",
    "__version__",
    "check_atoms",
    "coords_to_grid",
]
