"""This process's share of a job started by ``torchrun`` (or by hand with the same variables), and its CPU
threads."""

from __future__ import annotations

import os

import numba
import torch

from .._threads import set_numba_threads
from ..errors import InvalidArgumentError


def process_share() -> tuple[int, int, int]:
    """``(rank, world size, processes on this node)`` from torchrun's ``RANK``, ``WORLD_SIZE`` and
    ``LOCAL_WORLD_SIZE``; ``(0, 1, 1)`` for a process started alone.

    Raises:
        InvalidArgumentError: the variables are not integers, or the rank is outside the world.
    """
    try:
        rank = int(os.environ.get("RANK", "0"))
        world = int(os.environ.get("WORLD_SIZE", "1"))
        local = int(os.environ.get("LOCAL_WORLD_SIZE", str(world)))
    except ValueError as err:
        raise InvalidArgumentError(
            f"RANK, WORLD_SIZE and LOCAL_WORLD_SIZE must be integers ({err})"
        ) from None
    if world < 1 or not 0 <= rank < world or local < 1:
        raise InvalidArgumentError(f"RANK {rank} is not within WORLD_SIZE {world}")
    return rank, world, local


def set_cpu_threads(local_world: int, threads: int | None = None) -> int:
    """Give this process ``threads`` CPU threads (PyTorch's and numba's), by default this node's cores
    shared among its ``local_world`` processes (torchrun's default of one thread each leaves cores idle
    when there are fewer processes than cores); returns the number set."""
    count = threads or max(1, (os.cpu_count() or 1) // local_world)
    set_numba_threads(min(count, numba.config.NUMBA_NUM_THREADS))
    torch.set_num_threads(count)
    return count
