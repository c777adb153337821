"""Data at scale: ``.types`` files, datasets, molecule caches, samplers, augmentation, batches."""

from .collate import Batch, GridCollate, atoms_reaching, pad_examples
from .complex import CENTERS, Example, make_example
from .dataset import ComplexDataset, open_dataset
from .loader import grid_loader, on_device
from .molcache_build import build_molcaches
from .molecule_cache import LRUCache, MoleculeStore
from .samplers import (
    ExampleSampler,
    GroupedSampler,
    StratifiedSampler,
    balanced_receptor_sampler,
    balanced_sampler,
    receptor_sampler,
    value_bins,
    value_sampler,
)
from .transforms import RandomTransform, Transform, random_rotation
from .types_file import NONE, PathTable, TypesFile, expand_poses, read_types

__all__ = [
    "CENTERS",
    "NONE",
    "Batch",
    "ComplexDataset",
    "Example",
    "ExampleSampler",
    "GridCollate",
    "GroupedSampler",
    "LRUCache",
    "MoleculeStore",
    "PathTable",
    "RandomTransform",
    "StratifiedSampler",
    "Transform",
    "TypesFile",
    "atoms_reaching",
    "balanced_receptor_sampler",
    "balanced_sampler",
    "build_molcaches",
    "expand_poses",
    "grid_loader",
    "make_example",
    "on_device",
    "open_dataset",
    "pad_examples",
    "random_rotation",
    "read_types",
    "receptor_sampler",
    "value_bins",
    "value_sampler",
]
