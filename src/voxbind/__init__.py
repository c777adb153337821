"""voxbind: structure-based deep learning on protein–ligand complexes.

Differentiable molecular grids (:class:`GridMaker`, :func:`coords_to_grid`) with a pure-PyTorch
reference backend, a multi-core numba backend and Triton GPU kernels (:mod:`voxbind.grid`); structure
files (:mod:`voxbind.io`); GNINA's atom typing and typed formats (:mod:`voxbind.atomtypes`); ``.types``
datasets, samplers, augmentation and batches (:mod:`voxbind.data`); GNINA's CNNs (:mod:`voxbind.models`);
multi-pose combination (:mod:`voxbind.combine`); scoring (:mod:`voxbind.jobs`); training
(:mod:`voxbind.train`).

The gridding names below are imported on first use, so that ``import voxbind`` (and the ``voxbind``
command's ``--help``) does not load PyTorch.
"""

from importlib.metadata import PackageNotFoundError, version

from ._lazy import lazy_attributes
from .errors import (
    BackendUnavailableError,
    ConfigError,
    GridInputError,
    InvalidArgumentError,
    InvalidFileError,
    NotDifferentiableError,
    StructureWarning,
    TypingWarning,
    VoxbindError,
    VoxbindWarning,
    WeightsError,
)

try:
    __version__ = version("voxbind")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0"

_FROM_GRID = ("DensityProfile", "GridMaker", "check_atoms", "coords_to_grid")

__all__ = [
    "BackendUnavailableError",
    "ConfigError",
    "DensityProfile",
    "GridInputError",
    "GridMaker",
    "InvalidArgumentError",
    "InvalidFileError",
    "NotDifferentiableError",
    "StructureWarning",
    "TypingWarning",
    "VoxbindError",
    "VoxbindWarning",
    "WeightsError",
    "__version__",
    "check_atoms",
    "coords_to_grid",
]

__getattr__, __dir__ = lazy_attributes(__name__, dict.fromkeys(_FROM_GRID, ".grid"))
