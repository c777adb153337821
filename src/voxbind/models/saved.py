"""Models saved by ``voxbind train``: checkpoints read without running anything from the file."""

from __future__ import annotations

import os

import torch
from torch import nn

from ..errors import WeightsError
from ._base import input_channels
from .gnina_weights import check_state_dict
from .info import ModelInfo, with_info
from .registry import ARCHITECTURES, create_model


def read_checkpoint(path: str | os.PathLike, map_location: torch.device | str = "cpu") -> dict:
    """A checkpoint written by ``voxbind train`` (``torch.load(weights_only=True)``: tensors and plain
    values only, no code from the file): a dict with at least ``model`` (the weights) and ``config``.

    Raises:
        WeightsError: the file cannot be read, or is not a voxbind checkpoint.
    """
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises several types for corrupt, foreign or unsafe files
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise WeightsError(f"{path}: not a voxbind checkpoint ({reason})") from err
    if not isinstance(state, dict) or not {"model", "config"} <= set(state):
        raise WeightsError(f"{path}: not a voxbind checkpoint (no model weights and configuration)")
    if not isinstance(state["model"], dict) or not isinstance(state["config"], dict):
        raise WeightsError(f"{path}: not a voxbind checkpoint (malformed model weights or configuration)")
    return state


def read_checkpoint_model(path: str | os.PathLike) -> nn.Module:
    """The model a ``voxbind train`` checkpoint holds, on the CPU in eval mode, with its grid as
    ``model.model_info`` (named by the file; GNINA's default channel maps, which training uses).

    Raises:
        WeightsError: not a checkpoint, an unknown architecture, or weights that do not fit it.
    """
    return checkpoint_model(read_checkpoint(path), path)


def checkpoint_model(state: dict, path: str | os.PathLike) -> nn.Module:
    """The model of a checkpoint already read (:func:`read_checkpoint`) from ``path``; see
    :func:`read_checkpoint_model`."""
    config, weights = state["config"], state["model"]
    architecture = config.get("model")
    if architecture not in ARCHITECTURES:
        raise WeightsError(f"{path}: unknown architecture {architecture!r} in its configuration")
    try:
        resolution, dimension = float(config["resolution"]), float(config["dimension"])
    except (KeyError, TypeError, ValueError) as err:
        raise WeightsError(f"{path}: no grid in the checkpoint's configuration ({err})") from err
    channels = input_channels(weights)
    if channels is None:
        raise WeightsError(f"{path}: no convolution weights in the checkpoint")
    info = ModelInfo(str(path), resolution, dimension)
    model = create_model(architecture, channels, info.points_per_side)
    check_state_dict(model, weights, str(path))
    model.load_state_dict(weights)
    return with_info(model, info).eval()
