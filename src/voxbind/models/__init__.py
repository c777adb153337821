"""GNINA's CNN architectures on ``(B, C, n, n, n)`` grids, returning pose logits and affinities."""

from ._base import Prediction
from .conv import Conv3d, conv3d
from .default2017 import Default2017
from .default2018 import Default2018
from .dense import Dense, DenseBlock
from .ensemble import Ensemble, EnsemblePrediction
from .gnina_weights import (
    GNINA_ENSEMBLES,
    GNINA_MODELS,
    WeightsError,
    gninatorch_weights_dir,
    load_gnina,
    load_gnina_model,
)
from .registry import ARCHITECTURES, create_model
from .scoring import PoseScore, score_poses

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
    "PoseScore",
    "Prediction",
    "WeightsError",
    "conv3d",
    "create_model",
    "gninatorch_weights_dir",
    "load_gnina",
    "load_gnina_model",
    "score_poses",
]
