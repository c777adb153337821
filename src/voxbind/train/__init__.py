"""Training: configuration, GNINA's losses, evaluation metrics and the training loop."""

from .config import ConfigError, TrainConfig
from .losses import GninaLoss, affinity_loss, pose_loss
from .metrics import average_ranks, balanced_accuracy, evaluate, pearson, rmse, roc_auc, spearman
from .multipose_trainer import MultiPoseTrainer
from .trainer import StepLog, Trainer

__all__ = [
    "ConfigError",
    "GninaLoss",
    "MultiPoseTrainer",
    "StepLog",
    "TrainConfig",
    "Trainer",
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
