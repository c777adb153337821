"""Ensembles of models: GNINA averages pose probabilities and affinities and reports their variance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import nn

from ..errors import InvalidArgumentError
from ._base import input_pool, predict


class EnsemblePrediction(NamedTuple):
    """An ensemble's output for a batch.

    Attributes:
        pose_probability: ``(B,)`` mean probability of a good pose (CNNscore).
        affinity: ``(B,)`` mean affinity in pK (CNNaffinity).
        affinity_variance: ``(B,)`` population variance of the members' affinities (CNNvariance).
    """

    pose_probability: torch.Tensor
    affinity: torch.Tensor
    affinity_variance: torch.Tensor


class Ensemble(nn.Module):
    """Runs every member on the same grids and combines them as GNINA does.

    Args:
        members: models returning :class:`~voxbind.models.Prediction`.
    """

    def __init__(self, members: Sequence[nn.Module]):
        super().__init__()
        if not members:
            raise InvalidArgumentError("an ensemble needs at least one model")
        self.members = nn.ModuleList(members)

    @property
    def input_pool(self) -> int:
        """The factor every member average-pools its input by first (1 when they differ); see
        :class:`~voxbind.models.Default2018`."""
        pools = {input_pool(member) for member in self.members}
        return pools.pop() if len(pools) == 1 else 1

    def forward(self, x: torch.Tensor, pooled: bool = False) -> EnsemblePrediction:
        """The members' combined prediction (``pooled``: ``x`` is already pooled by :attr:`input_pool`)."""
        outputs = [predict(member, x, pooled) for member in self.members]
        probabilities = torch.stack([o.pose_probability for o in outputs])
        affinities = torch.stack([o.affinity for o in outputs])
        return EnsemblePrediction(
            probabilities.mean(0), affinities.mean(0), affinities.var(0, unbiased=False)
        )
