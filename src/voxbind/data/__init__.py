"""Data at scale: ``.types`` files, datasets, molecule caches, samplers, augmentation, batches."""

from .collate import Batch, GridCollate, pad_examples
from .dataset import ComplexDataset, Example
from .molecule_cache import LRUCache, MoleculeStore
from .samplers import (
    ExampleSampler,
    GroupedSampler,
    StratifiedSampler,
    balanced_sampler,
    receptor_sampler,
    value_bins,
    value_sampler,
)
from .transforms import RandomTransform, Transform, random_rotation
from .types_file import NONE, PathTable, TypesFile, expand_poses, read_types

__all__ = [
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
    "balanced_sampler",
    "expand_poses",
    "pad_examples",
    "random_rotation",
    "read_types",
    "receptor_sampler",
    "value_bins",
    "value_sampler",
]
