"""Processes under ``torchrun``: the process group (gloo on CPU, nccl on CUDA), this process's rank and the
world size, and gathering values from every rank."""

from __future__ import annotations

import contextlib
import gc
import os

import torch


@contextlib.contextmanager
def distributed(device: str):
    """Initialise ``torch.distributed`` from torchrun's environment for the ``with`` block; nothing for a
    single process. Objects that use the group (a ``DistributedDataParallel`` model) must be released
    inside the block: the ranks meet at its end and the group is destroyed before the process exits
    (gloo aborts a process that exits with the group's work threads alive)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1 or torch.distributed.is_initialized():
        yield
        return
    backend = "nccl" if device.startswith("cuda") else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    torch.distributed.init_process_group(backend)
    try:
        yield
        torch.distributed.barrier()  # no rank leaves while another still communicates
    finally:
        gc.collect()  # a model wrapped for the group (and its pending work) goes before the group
        torch.distributed.destroy_process_group()


def rank_and_world() -> tuple[int, int]:
    """``(rank, world size)`` of this process: ``(0, 1)`` without a process group."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def gather(value: object) -> list[object]:
    """``value`` from every rank, in rank order (``[value]`` for a single process)."""
    _, world = rank_and_world()
    if world == 1:
        return [value]
    values: list[object] = [None] * world
    torch.distributed.all_gather_object(values, value)
    return values
