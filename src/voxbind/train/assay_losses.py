"""Losses for measured potencies (pIC50, pKi) of compounds, as multi-pose affinity models are trained on
assay data: squared error with censored measurements, Gaussian likelihood with each measurement's
standard error, a range penalty, a per-pose cross-entropy for pose selection, and their weighted sum.

Measurements come as values (in the readout's unit, e.g. pIC50), each with a qualifier: ``"="`` exact,
``"<"`` the true value lies below it, ``">"`` above it (a compound outside the assay's range: "pIC50 < 4"
for an inactive one). Qualifiers are coded ``0``, ``-1`` and ``+1`` (:data:`QUALIFIER_CODES`). A censored
measurement is penalised only when the prediction lies on the wrong side of it (a one-sided, "step"
squared error). A NaN value is no measurement and counts nothing.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..errors import InvalidArgumentError

#: Qualifier → code in the ``qualifier`` tensors.
QUALIFIER_CODES = {"=": 0, "<": -1, ">": 1}


def censored_error(predicted: torch.Tensor, value: torch.Tensor, qualifier: torch.Tensor) -> torch.Tensor:
    """``predicted − value``, set to 0 where a censored measurement is satisfied (``"<"``: the prediction is
    below the value; ``">"``: above it) and where there is no measurement (NaN value)."""
    error = predicted - value
    satisfied = ((qualifier < 0) & (error <= 0)) | ((qualifier > 0) & (error >= 0)) | torch.isnan(value)
    return torch.where(satisfied, torch.zeros_like(error), error)


def _mean(terms: torch.Tensor, measured: torch.Tensor) -> torch.Tensor:
    """The mean of ``terms`` where ``measured`` (0 when none is), with no gradient from the others."""
    kept = torch.where(measured, terms, torch.zeros_like(terms))
    return kept.sum() / measured.sum().clamp(min=1)


def censored_mse(predicted: torch.Tensor, value: torch.Tensor, qualifier: torch.Tensor) -> torch.Tensor:
    """Mean squared error over the measured compounds (``(B,)`` each), one-sided for censored ones."""
    error = censored_error(predicted, value, qualifier)
    return _mean(error**2, ~torch.isnan(value))


def gaussian_nll(
    predicted: torch.Tensor, value: torch.Tensor, qualifier: torch.Tensor, stderr: torch.Tensor
) -> torch.Tensor:
    """Mean negative log-likelihood of the measurements under ``N(predicted, stderr²)``:
    ``½ ln(2π σ²) + ½ (e/σ)²`` with ``e`` the (censored) error; ``(B,)`` each, ``stderr`` > 0 in the
    value's unit.

    Raises:
        InvalidArgumentError: a measured compound whose standard error is not positive.
    """
    measured = ~torch.isnan(value)
    if bool((measured & ~(stderr > 0)).any()):
        raise InvalidArgumentError("every measurement needs a positive standard error for the Gaussian NLL")
    sigma = torch.where(measured, stderr, torch.ones_like(stderr))
    error = censored_error(predicted, value, qualifier)
    terms = 0.5 * torch.log(2 * math.pi * sigma**2) + 0.5 * (error / sigma) ** 2
    return _mean(terms, measured)


def range_penalty(
    values: torch.Tensor, low: float, high: float, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """Mean of ``max(0, low − v)² + max(0, v − high)²`` over ``values`` (any shape; ``mask`` picks the
    real ones): keeps predictions (e.g. per-pose pKi) within a plausible range."""
    if low >= high:
        raise InvalidArgumentError(f"the range needs low < high, not [{low}, {high}]")
    terms = torch.relu(low - values) ** 2 + torch.relu(values - high) ** 2
    if mask is None:
        return terms.mean()
    return _mean(terms, mask)


def pose_cross_entropy(per_pose_dg: torch.Tensor, mask: torch.Tensor, good: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of pose selection: the model's pose probabilities ``softmax(−ΔG_n)`` over a compound's
    real poses against its good poses, ``−ln Σ_good p_n``, averaged over the compounds that have a good
    pose.

    Args:
        per_pose_dg: ``(B, N)`` ΔG per pose (kT units).
        mask: ``(B, N)`` bool, the real poses.
        good: ``(B, N)`` bool, the poses known to be right (e.g. within 2 Å of the crystal pose).
    """
    never = torch.full_like(per_pose_dg, torch.finfo(per_pose_dg.dtype).min)  # finite: no NaN gradients
    logits = torch.where(mask, -per_pose_dg, never)
    good = good & mask
    chosen = torch.where(good, logits, never)
    labelled = good.any(dim=1)
    all_terms = torch.logsumexp(logits, dim=1)
    good_terms = torch.logsumexp(torch.where(labelled[:, None], chosen, logits), dim=1)
    return _mean(all_terms - good_terms, labelled)


class AssayLoss(nn.Module):
    """A weighted sum of the losses above; weights of 0 turn terms off.

    Args:
        mse: weight of :func:`censored_mse` on the compounds' readouts.
        nll: weight of :func:`gaussian_nll` (needs each measurement's standard error).
        range_weight: weight of :func:`range_penalty` on the per-pose readouts, within ``low``-``high``.
        pose: weight of :func:`pose_cross_entropy` (needs good-pose labels).

    ``forward(predicted, value, qualifier, stderr, per_pose, mask, per_pose_dg, good)`` returns the total
    and each weighted term by name.
    """

    def __init__(
        self,
        mse: float = 1.0,
        nll: float = 0.0,
        range_weight: float = 0.0,
        pose: float = 0.0,
        low: float = 0.0,
        high: float = 15.0,
    ):
        super().__init__()
        weights = {"mse": mse, "nll": nll, "range": range_weight, "pose": pose}
        for name, weight in weights.items():
            if not (weight >= 0 and math.isfinite(weight)):
                raise InvalidArgumentError(f"the {name} loss weight must be >= 0, not {weight}")
        if not any(weights.values()):
            raise InvalidArgumentError("at least one loss weight must be positive")
        if low >= high:
            raise InvalidArgumentError(f"the range needs low < high, not [{low}, {high}]")
        self.weights, self.low, self.high = weights, low, high

    def forward(
        self,
        predicted: torch.Tensor,
        value: torch.Tensor,
        qualifier: torch.Tensor,
        stderr: torch.Tensor | None = None,
        per_pose: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        per_pose_dg: torch.Tensor | None = None,
        good: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        w = self.weights
        parts: dict[str, torch.Tensor] = {}
        if w["mse"]:
            parts["mse"] = w["mse"] * censored_mse(predicted, value, qualifier)
        if w["nll"]:
            if stderr is None:
                raise InvalidArgumentError("the Gaussian NLL needs the measurements' standard errors")
            parts["nll"] = w["nll"] * gaussian_nll(predicted, value, qualifier, stderr)
        if w["range"]:
            values = predicted if per_pose is None else per_pose
            parts["range"] = w["range"] * range_penalty(values, self.low, self.high, mask)
        if w["pose"] and per_pose_dg is not None and good is not None and mask is not None:
            parts["pose"] = w["pose"] * pose_cross_entropy(per_pose_dg, mask, good)
        total = sum(parts.values(), predicted.sum() * 0)
        return total, parts
