"""Training: GNINA's losses and evaluation metrics."""

from .losses import GninaLoss, affinity_loss, pose_loss
from .metrics import average_ranks, balanced_accuracy, evaluate, pearson, rmse, roc_auc, spearman

__all__ = [
    "GninaLoss",
    "affinity_loss",
    "average_ranks",
    "balanced_accuracy",
    "evaluate",
    "pearson",
    "pose_loss",
    "rmse",
    "roc_auc",
    "spearman",
]
