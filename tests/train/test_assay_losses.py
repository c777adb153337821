"""Losses on measured potencies, checked against hand-computed values: censored points on each side,
standard errors, the range penalty, pose selection and their weighted sum."""

from __future__ import annotations

import math

import pytest
import torch

from voxbind.errors import InvalidArgumentError
from voxbind.train.assay_losses import (
    QUALIFIER_CODES,
    AssayLoss,
    censored_mse,
    gaussian_nll,
    pose_cross_entropy,
    range_penalty,
)

NAN = math.nan


def codes(*qualifiers: str) -> torch.Tensor:
    return torch.tensor([QUALIFIER_CODES[q] for q in qualifiers])


def test_censored_points_count_only_on_the_wrong_side():
    predicted = torch.tensor([6.0, 5.0, 3.0, 4.5, 7.0, 2.0])
    value = torch.tensor([5.0, 4.0, 4.0, 4.0, 8.0, NAN])
    qualifier = codes("=", "<", "<", ">", ">", "=")
    # "=": 1²; "< 4" predicted 5: 1²; "< 4" predicted 3: 0; "> 4" predicted 4.5: 0; "> 8" predicted 7: 1²;
    # no measurement: not counted
    assert censored_mse(predicted, value, qualifier).item() == pytest.approx(3 / 5)


def test_gaussian_nll_with_each_measurements_standard_error():
    predicted = torch.tensor([6.0, 5.0, 2.0], dtype=torch.float64)
    value = torch.tensor([5.0, 4.0, 3.0], dtype=torch.float64)
    stderr = torch.tensor([0.5, 2.0, 1.0], dtype=torch.float64)
    qualifier = codes("=", "=", "<")  # the third is satisfied: no error term
    expected = [
        0.5 * math.log(2 * math.pi * 0.25) + 0.5 * (1 / 0.5) ** 2,
        0.5 * math.log(2 * math.pi * 4.0) + 0.5 * (1 / 2.0) ** 2,
        0.5 * math.log(2 * math.pi * 1.0),
    ]
    assert gaussian_nll(predicted, value, qualifier, stderr).item() == pytest.approx(sum(expected) / 3)
    with pytest.raises(InvalidArgumentError, match="standard error"):
        gaussian_nll(predicted, value, qualifier, torch.tensor([0.5, 0.0, 1.0]))


def test_range_penalty_outside_the_range_only():
    values = torch.tensor([[-1.0, 5.0], [16.0, 14.0]])
    mask = torch.tensor([[True, True], [True, False]])
    assert range_penalty(values, 0.0, 15.0, mask).item() == pytest.approx((1 + 0 + 1) / 3)
    assert range_penalty(values, 0.0, 15.0).item() == pytest.approx((1 + 0 + 1 + 0) / 4)


def test_pose_cross_entropy_over_minus_dg():
    dg = torch.tensor([[-10.0, -9.0, -8.0], [-5.0, -5.0, 0.0], [-3.0, -1.0, 0.0]], dtype=torch.float64)
    mask = torch.tensor([[True, True, True], [True, True, False], [True, True, True]])
    good = torch.tensor([[False, True, False], [True, True, True], [False, False, False]])
    first = -math.log(math.exp(9) / (math.exp(10) + math.exp(9) + math.exp(8)))
    second = 0.0  # every real pose is good (the padded third does not count)
    expected = (first + second) / 2  # the third compound has no labelled pose
    dg.requires_grad_(True)
    loss = pose_cross_entropy(dg, mask, good)
    assert loss.item() == pytest.approx(expected, rel=1e-12)
    loss.backward()
    assert torch.isfinite(dg.grad).all()
    assert dg.grad[2].abs().sum() == 0


def test_the_weighted_sum_and_its_terms():
    predicted = torch.tensor([6.0, 5.0])
    value = torch.tensor([5.0, 4.0])
    qualifier = codes("=", ">")
    stderr = torch.tensor([1.0, 1.0])
    per_pose = torch.tensor([[6.0, 16.0], [5.0, 5.0]])
    mask = torch.ones(2, 2, dtype=torch.bool)
    loss = AssayLoss(mse=1.0, nll=0.5, range_weight=2.0)
    total, parts = loss(predicted, value, qualifier, stderr, per_pose, mask)
    assert parts["mse"].item() == pytest.approx(0.5)
    assert parts["nll"].item() == pytest.approx(0.5 * (0.5 * math.log(2 * math.pi) + 0.25))
    assert parts["range"].item() == pytest.approx(2.0 * 1 / 4)
    assert total.item() == pytest.approx(sum(p.item() for p in parts.values()))
    with pytest.raises(InvalidArgumentError, match="positive"):
        AssayLoss(mse=0.0)
