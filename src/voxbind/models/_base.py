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
