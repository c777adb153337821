"""Checkpoints: written atomically, read without running anything from the file."""

from __future__ import annotations

import os
from pathlib import Path

import torch

from .._atomic import atomic_write
from ..errors import WeightsError


def save_checkpoint(path: str | os.PathLike, state: dict) -> Path:
    """Write ``state`` to ``path`` through a temporary file that is flushed to disk and renamed into place,
    so a crash leaves either the previous checkpoint or the new one, never half of one."""
    with atomic_write(path, durable=True) as handle:
        torch.save(state, handle)
    return Path(path)


def load_checkpoint(path: str | os.PathLike, map_location: torch.device | str = "cpu") -> dict:
    """A checkpoint written by :func:`save_checkpoint` (``torch.load(weights_only=True)``: tensors and
    plain values only, no code from the file).

    Raises:
        WeightsError: the file cannot be read, or is not a voxbind checkpoint.
    """
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises several types for corrupt, foreign or unsafe files
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise WeightsError(f"{path}: not a voxbind checkpoint ({reason})") from err
    if not isinstance(state, dict) or not {"model", "config"} <= set(state):
        raise WeightsError(f"{path}: not a voxbind checkpoint (no model weights and configuration)")
    return state
