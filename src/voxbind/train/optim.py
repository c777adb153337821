"""The optimiser and learning-rate schedule a training configuration asks for."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from .config import TrainConfig


def make_optimizer(config: TrainConfig, parameters: Iterable[torch.nn.Parameter]) -> torch.optim.Optimizer:
    """SGD with momentum (GNINA's default) or Adam, with the configured rate and weight decay."""
    if config.optimizer == "sgd":
        return torch.optim.SGD(
            parameters, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay
        )
    return torch.optim.Adam(parameters, lr=config.lr, weight_decay=config.weight_decay)


def make_scheduler(config: TrainConfig, optimizer: torch.optim.Optimizer) -> torch.optim.lr_scheduler.StepLR:
    """Multiply the rate by ``lr_gamma`` every ``lr_step`` steps (constant when ``lr_step`` is 0)."""
    return torch.optim.lr_scheduler.StepLR(
        optimizer, step_size=config.lr_step or 10**12, gamma=config.lr_gamma
    )
