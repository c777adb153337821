"""A ``DataLoader`` of batches for a gridder on a device: gridded in the workers on a CPU, left to the
device (checked on the host) on a GPU."""

from __future__ import annotations

import torch

from ..grid import GridMaker
from .collate import Batch, GridCollate
from .transforms import RandomTransform


def grid_loader(
    dataset: torch.utils.data.Dataset,
    sampler: torch.utils.data.Sampler,
    *,
    batch_size: int,
    gridmaker: GridMaker,
    device: torch.device | str = "cpu",
    transform: RandomTransform | None = None,
    workers: int = 0,
    pool: int = 1,
) -> torch.utils.data.DataLoader:
    """Batches of ``dataset`` in ``sampler``'s order, cropped to ``gridmaker``'s grid.

    On a CPU ``device`` the batches come gridded (``batch.grids``); on a GPU they come pinned and
    checked, to be moved and gridded there with :func:`on_device`.

    Args:
        batch_size: examples (or groups, for a grouped sampler) per batch.
        transform: random motion per example (augmentation); ``None`` for none.
        workers: ``DataLoader`` worker processes.
        pool: grids average-pooled by this factor (a model's ``input_pool``; see :meth:`Batch.gridded`),
            here on a CPU, by :func:`on_device` on a GPU.
    """
    cpu = torch.device(device).type == "cpu"
    return torch.utils.data.DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        collate_fn=GridCollate(gridmaker if cpu else None, transform, crop_to=gridmaker, pool=pool),
        num_workers=workers,
        pin_memory=not cpu,  # copies to the GPU then wait for nothing
    )


def on_device(
    batch: Batch,
    device: torch.device | str,
    gridmaker: GridMaker,
    dtype: torch.dtype | None = None,
    pool: int = 1,
) -> Batch:
    """``batch`` on ``device``, gridded there (in ``dtype``, default float32; pooled by ``pool``) unless it
    already is."""
    batch = batch.to(device, non_blocking=True)
    return batch if batch.grids is not None else batch.gridded(gridmaker, dtype=dtype, pool=pool)
