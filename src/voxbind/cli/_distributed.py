"""A process group for ``torchrun`` launches (gloo on CPU, nccl on CUDA); nothing for a single process."""

from __future__ import annotations

import contextlib
import os

import torch


@contextlib.contextmanager
def distributed(device: str):
    """Initialise ``torch.distributed`` from torchrun's environment for the ``with`` block."""
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
    finally:
        torch.distributed.destroy_process_group()
