"""Checkpoints: written atomically, read without running anything from the file."""

from __future__ import annotations

import os
from pathlib import Path

import torch

from .._atomic import atomic_write
from ..models.saved import read_checkpoint


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
    return read_checkpoint(path, map_location)
