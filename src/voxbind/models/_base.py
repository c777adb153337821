"""What every GNINA-style model returns, and the shared heads."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from ..errors import InvalidArgumentError


class Prediction(NamedTuple):
    """A model's output for a batch.

    Attributes:
        pose_logits: ``(B, 2)`` logits of (bad pose, good pose); ``softmax(...)[:, 1]`` is GNINA's
            CNNscore.
        affinity: ``(B,)`` predicted affinity in pK units (GNINA's CNNaffinity).
    """

    pose_logits: torch.Tensor
    affinity: torch.Tensor

    @property
    def pose_probability(self) -> torch.Tensor:
        """``(B,)`` probability of a good pose (CNNscore)."""
        return torch.softmax(self.pose_logits, dim=1)[:, 1]


def check_grid(x: torch.Tensor, channels: int, size: int, name: str) -> None:
    """Refuse inputs that are not ``(B, channels, size, size, size)``."""
    expected = (channels, size, size, size)
    if x.ndim != 5 or tuple(x.shape[1:]) != expected:
        raise InvalidArgumentError(
            f"{name} takes (B, {channels}, {size}, {size}, {size}) grids, got {tuple(x.shape)}"
        )


def heads(model: nn.Module, features: int, pose: str, affinity: str) -> None:
    """Add GNINA's two linear heads to ``model`` under the given attribute names."""
    setattr(model, pose, nn.Linear(features, 2))
    setattr(model, affinity, nn.Linear(features, 1))


def pose_output(model: nn.Module, logits: torch.Tensor) -> torch.Tensor:
    """The pose head's output as ``model`` gives it: the logits, or with ``model.pose_activation`` set
    (``"softmax"`` or ``"log_softmax"``), that function of them: a model read from a GNINA 1.3 TorchScript
    file gives what the file's graph gives (its pose head ends in a ``log_softmax``). Either way
    ``softmax(output)[:, 1]`` is the probability of a good pose."""
    activation = getattr(model, "pose_activation", None)
    if activation == "softmax":
        return torch.softmax(logits, dim=1)
    if activation == "log_softmax":
        return torch.log_softmax(logits, dim=1)
    return logits


def input_channels(state: dict) -> int | None:
    """The input channels of a grid model from its state dict: those of its first 3D convolution (the
    first 5-D weight), or ``None`` when it has none."""
    return next(
        (int(w.shape[1]) for w in state.values() if isinstance(w, torch.Tensor) and w.ndim == 5), None
    )


def input_pool(model: nn.Module) -> int:
    """The factor ``model`` average-pools its input by first (``model.input_pool``; 1 for models that do
    not): grids made pooled by it (``GridMaker(..., pool=)``) let the model skip that layer."""
    return getattr(model, "input_pool", 1)


def predict(model: nn.Module, grids: torch.Tensor, pooled: bool):
    """``model``'s prediction on ``grids``, which with ``pooled`` are already pooled by its
    :func:`input_pool` (models that do not pool are called plainly)."""
    return model(grids, pooled=True) if pooled else model(grids)
