"""GNINA's training losses: pose classification and affinity regression with GNINA's label conventions."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional

from .._choices import AFFINITY_LOSSES, check_choice
from ..errors import InvalidArgumentError


def affinity_loss(
    predicted: torch.Tensor, labels: torch.Tensor, *, kind: str = "l2", delta: float = 1.0
) -> torch.Tensor:
    """Mean affinity loss over a batch, with GNINA's labels.

    A positive label is the affinity (pK) to fit; a negative label ``-y`` marks a bad pose whose affinity is
    at most ``y`` (only predictions above ``y`` are penalised); a zero label is unknown and ignored. The mean
    is over the whole batch (ignored entries count as zero loss), as GNINA does.

    Args:
        predicted: ``(B,)`` predicted affinities.
        labels: ``(B,)`` affinity labels.
        kind: ``"l2"`` (half the squared error) or ``"huber"`` (pseudo-Huber, ``δ² (√(1 + (e/δ)²) − 1)``).
        delta: δ of the pseudo-Huber loss (its quadratic-to-linear scale, pK units).
    """
    check_choice("kind", kind, AFFINITY_LOSSES)
    if delta <= 0:
        raise InvalidArgumentError(f"delta must be > 0, not {delta}")
    target = labels.abs()
    error = predicted - target
    active = (labels > 0) | ((labels < 0) & (error > 0))
    error = torch.where(active, error, torch.zeros_like(error))
    if kind == "huber":  # δ² (√(1 + u) − 1) written as δ² u / (√(1 + u) + 1): no cancellation near 0
        u = (error / delta) ** 2
        return (delta * delta * u / (torch.sqrt(1 + u) + 1)).mean()
    return (0.5 * error * error).mean()


def pose_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood of ``(B, 2)`` pose logits for ``(B,)`` labels in {0, 1}."""
    return functional.cross_entropy(logits, labels.long())


class GninaLoss(nn.Module):
    """``pose_weight · pose NLL + affinity_weight · affinity loss`` on a model's
    :class:`~voxbind.models.Prediction`.

    Args:
        pose_weight, affinity_weight: scales of the two terms (0 turns one off).
        affinity: ``"l2"`` or ``"huber"``; ``delta``: the pseudo-Huber δ (pK).

    The defaults are GNINA's: its models weight the affinity term by 0.1 (the ``scale`` of its Caffe
    affinity loss) and train it as a pseudo-Huber loss with δ = 4.
    """

    def __init__(
        self,
        pose_weight: float = 1.0,
        affinity_weight: float = 0.1,
        affinity: str = "huber",
        delta: float = 4.0,
    ):
        super().__init__()
        self.pose_weight, self.affinity_weight = pose_weight, affinity_weight
        self.affinity, self.delta = affinity, delta
        affinity_loss(torch.zeros(1), torch.zeros(1), kind=affinity, delta=delta)  # validate the options

    def forward(
        self, prediction, pose_labels: torch.Tensor, affinity_labels: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        """``{"loss", "pose", "affinity"}``: the total and its two (unscaled) terms."""
        pose = pose_loss(prediction.pose_logits, pose_labels)
        affinity = affinity_loss(prediction.affinity, affinity_labels, kind=self.affinity, delta=self.delta)
        return {
            "loss": self.pose_weight * pose + self.affinity_weight * affinity,
            "pose": pose,
            "affinity": affinity,
        }
