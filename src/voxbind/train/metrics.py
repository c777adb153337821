"""Metrics: pose ROC AUC and balanced accuracy, affinity RMSE, Pearson and Spearman."""

from __future__ import annotations

import numpy as np


def average_ranks(values) -> np.ndarray:
    """1-based ranks with ties given their average rank (as ``scipy.stats.rankdata``)."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], ordered.size]
    ranks = np.empty(values.size)
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    return ranks


def roc_auc(labels, scores) -> float:
    """Area under the ROC curve of ``scores`` for binary ``labels`` (ties count half); NaN with one class."""
    labels = np.asarray(labels) > 0
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if not positives or not negatives:
        return float("nan")
    ranks = average_ranks(scores)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def balanced_accuracy(labels, scores, threshold: float = 0.5) -> float:
    """Mean of the true-positive and true-negative rates of ``scores > threshold``."""
    labels = np.asarray(labels) > 0
    predicted = np.asarray(scores) > threshold
    rates = [
        np.mean(predicted[labels] == cls)
        for cls, labels in ((True, labels), (False, ~labels))
        if labels.any()
    ]
    return float(np.mean(rates)) if rates else float("nan")


def rmse(targets, predicted) -> float:
    diff = np.asarray(predicted, np.float64) - np.asarray(targets, np.float64)
    return float(np.sqrt(np.mean(diff * diff))) if diff.size else float("nan")


def pearson(x, y) -> float:
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if x.size < 2:
        return float("nan")
    x, y = x - x.mean(), y - y.mean()
    denominator = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / denominator) if denominator > 0 else float("nan")


def spearman(x, y) -> float:
    return pearson(average_ranks(x), average_ranks(y))


def gnina_metrics(pose_labels, pose_scores, affinity_labels, affinity_predicted) -> dict[str, float]:
    """All metrics at once. Affinity metrics use only poses with a positive affinity label (a known
    affinity), as GNINA reports them.

    Returns:
        ``{"auc", "balanced_accuracy", "rmse", "pearson", "spearman"}``.
    """
    affinity_labels = np.asarray(affinity_labels, np.float64)
    affinity_predicted = np.asarray(affinity_predicted, np.float64)
    known = affinity_labels > 0
    return {
        "auc": roc_auc(pose_labels, pose_scores),
        "balanced_accuracy": balanced_accuracy(pose_labels, pose_scores),
        "rmse": rmse(affinity_labels[known], affinity_predicted[known]),
        "pearson": pearson(affinity_labels[known], affinity_predicted[known]),
        "spearman": spearman(affinity_labels[known], affinity_predicted[known]),
    }


def compound_metrics(targets, predicted) -> dict[str, float]:
    """Metrics of one affinity per compound: ``{"rmse", "pearson", "spearman", "compounds"}``."""
    return {
        "rmse": rmse(targets, predicted),
        "pearson": pearson(targets, predicted),
        "spearman": spearman(targets, predicted),
        "compounds": float(np.size(targets)),
    }
