"""GNINA's CNN architectures on ``(B, C, n, n, n)`` grids, returning pose logits and affinities; GNINA's
published models (1.0 weights, 1.3 TorchScript files), voxbind checkpoints, and export to GNINA's format.
PyTorch only: scoring structure files is :mod:`voxbind.jobs`."""

from ..errors import WeightsError
from ._base import Prediction, input_pool, predict
from .conv import Conv3d, conv3d
from .default2017 import Default2017
from .default2018 import Default2018
from .dense import Dense, DenseBlock
from .ensemble import Ensemble, EnsemblePrediction
from .export import export_torchscript
from .gnina_weights import GNINA_ENSEMBLES, GNINA_MODELS, gninatorch_weights_dir, load_gnina_model
from .info import ModelInfo, describe_model, model_info
from .loading import is_checkpoint, load_model, read_model_file
from .registry import ARCHITECTURES, create_model

__all__ = [
    "ARCHITECTURES",
    "GNINA_ENSEMBLES",
    "GNINA_MODELS",
    "Conv3d",
    "Default2017",
    "Default2018",
    "Dense",
    "DenseBlock",
    "Ensemble",
    "EnsemblePrediction",
    "ModelInfo",
    "Prediction",
    "WeightsError",
    "conv3d",
    "create_model",
    "describe_model",
    "export_torchscript",
    "gninatorch_weights_dir",
    "input_pool",
    "is_checkpoint",
    "load_gnina_model",
    "load_model",
    "model_info",
    "predict",
    "read_model_file",
]
