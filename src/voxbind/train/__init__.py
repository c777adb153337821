"""Training: configuration, GNINA's losses, metrics, evaluation, checkpoints, logs and the training loops.

:class:`TrainConfig` (and :class:`~voxbind.errors.ConfigError`) import without PyTorch, so the command
line can show the options' defaults quickly; the other names are imported on first use.
"""

from .._lazy import lazy_attributes
from ..errors import ConfigError
from .config import TrainConfig

_HOMES = {
    **dict.fromkeys(("GninaLoss", "affinity_loss", "pose_loss"), ".losses"),
    **dict.fromkeys(
        (
            "average_ranks",
            "balanced_accuracy",
            "compound_metrics",
            "gnina_metrics",
            "pearson",
            "rmse",
            "roc_auc",
            "spearman",
        ),
        ".metrics",
    ),
    **dict.fromkeys(("evaluate", "evaluate_model", "evaluation_sampler"), ".evaluation"),
    **dict.fromkeys(("load_checkpoint", "save_checkpoint"), ".checkpoint"),
    **dict.fromkeys(("distributed", "rank_and_world"), ".processes"),
    "RunLog": ".logs",
    "MultiPoseTrainer": ".multipose_trainer",
    "AssayTrainer": ".assay_trainer",
    **dict.fromkeys(
        ("AssayLoss", "censored_mse", "gaussian_nll", "pose_cross_entropy", "range_penalty"), ".assay_losses"
    ),
    **dict.fromkeys(("StepLog", "Trainer"), ".trainer"),
}

__all__ = ["ConfigError", "TrainConfig", *sorted(_HOMES)]

__getattr__, __dir__ = lazy_attributes(__name__, _HOMES)
