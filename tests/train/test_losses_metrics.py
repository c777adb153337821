"""Losses with GNINA's label conventions and metrics against scipy."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

from voxbind.models import Prediction
from voxbind.train import (
    GninaLoss,
    affinity_loss,
    average_ranks,
    balanced_accuracy,
    gnina_metrics,
    pearson,
    pose_loss,
    rmse,
    roc_auc,
    spearman,
)


def test_affinity_labels_positive_upper_bound_and_unknown():
    predicted = torch.tensor([5.0, 7.0, 5.0, 3.0])
    labels = torch.tensor([6.0, -6.0, -6.0, 0.0])  # fit; bad pose above bound; bad pose below; unknown
    # only the first two count: (5-6)^2/2 = 0.5 and (7-6)^2/2 = 0.5, mean over 4 poses
    assert float(affinity_loss(predicted, labels)) == pytest.approx(0.25)
    huber = float(affinity_loss(predicted, labels, kind="huber", delta=2.0))
    assert huber == pytest.approx(2 * 4 * (np.sqrt(1 + 0.25) - 1) / 4)
    predicted.requires_grad_()
    affinity_loss(predicted, labels).backward()
    assert predicted.grad.tolist() == [-0.25, 0.25, 0.0, 0.0]


def test_pseudo_huber_is_quadratic_near_zero_and_linear_far_away():
    small = float(affinity_loss(torch.tensor([1e-3]), torch.tensor([1e-6]) + 0, kind="huber", delta=1.0))
    assert small == pytest.approx(0.5 * (1e-3 - 1e-6) ** 2, rel=1e-3)
    far = float(affinity_loss(torch.tensor([1000.0]), torch.tensor([1.0]), kind="huber", delta=1.0))
    assert far == pytest.approx(998.0, rel=1e-3)
    with pytest.raises(ValueError, match="kind"):
        affinity_loss(torch.zeros(1), torch.zeros(1), kind="l1")


def test_pose_loss_and_combined_loss():
    logits = torch.tensor([[0.0, 2.0], [1.0, -1.0]])
    labels = torch.tensor([1, 0])
    expected = -(torch.log_softmax(logits, 1)[0, 1] + torch.log_softmax(logits, 1)[1, 0]) / 2
    assert float(pose_loss(logits, labels)) == pytest.approx(float(expected))
    prediction = Prediction(logits, torch.tensor([5.0, 1.0]))
    parts = GninaLoss(pose_weight=2.0, affinity_weight=0.5, affinity="l2")(
        prediction, labels, torch.tensor([6.0, 0.0])
    )
    assert float(parts["loss"]) == pytest.approx(2 * float(expected) + 0.5 * 0.25)
    # GNINA's defaults: 0.1 × pseudo-Huber with δ = 4 (error 1 on one of two poses: 16 (√(1 + 1/16) − 1) / 2)
    gnina = GninaLoss()(prediction, labels, torch.tensor([6.0, 0.0]))
    huber = 16 * (np.sqrt(1 + 1 / 16) - 1) / 2
    assert float(gnina["loss"]) == pytest.approx(float(expected) + 0.1 * huber, rel=1e-6)


def test_metrics_match_scipy():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 200)
    scores = np.round(rng.random(200) + 0.3 * labels, 1)  # with ties
    mann_whitney = stats.mannwhitneyu(scores[labels == 1], scores[labels == 0]).statistic
    assert roc_auc(labels, scores) == pytest.approx(mann_whitney / (labels.sum() * (200 - labels.sum())))
    np.testing.assert_allclose(average_ranks(scores), stats.rankdata(scores))
    x, y = rng.normal(size=50), rng.normal(size=50)
    assert pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0])
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0])
    assert rmse([1, 2, 3], [1, 2, 5]) == pytest.approx(np.sqrt(4 / 3))
    assert balanced_accuracy([1, 1, 1, 0], [0.9, 0.8, 0.1, 0.2]) == pytest.approx((2 / 3 + 1) / 2)
    assert np.isnan(roc_auc([1, 1], [0.2, 0.3]))


def test_evaluate_uses_known_affinities_only():
    out = gnina_metrics([1, 0, 1, 0], [0.9, 0.1, 0.8, 0.3], [6.0, -6.0, 7.0, 0.0], [6.5, 2.0, 6.5, 9.0])
    assert out["auc"] == 1.0
    assert out["rmse"] == pytest.approx(0.5)
