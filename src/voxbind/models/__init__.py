"""GNINA's CNN architectures on ``(B, C, n, n, n)`` grids, returning pose logits and affinities, and GNINA's
published weights. PyTorch only: scoring structure files is :mod:`voxbind.jobs`."""

from ..errors import WeightsError
from ._base import Prediction, input_pool, predict
from .conv import Conv3d, conv3d
from .default2017 import Default2017
from .default2018 import Default2018
from .dense import Dense, DenseBlock
from .ensemble import Ensemble, EnsemblePrediction
from .gnina_weights import (
    GNINA_ENSEMBLES,
    GNINA_MODELS,
    gninatorch_weights_dir,
    load_gnina,
    load_gnina_model,
)
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
    "Prediction",
    "WeightsError",
    "conv3d",
    "create_model",
    "gninatorch_weights_dir",
    "input_pool",
    "load_gnina",
    "load_gnina_model",
    "predict",
]
