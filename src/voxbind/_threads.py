"""numba's thread pool, started without changing PyTorch's thread count.

With its OpenMP threading layer, numba sets the OpenMP thread count to all of its threads when its pool
starts, and PyTorch takes its own count from the same OpenMP runtime. A process that had set PyTorch's
threads (``torch.set_num_threads``, ``voxbind score --threads``, torchrun's share of a node's cores) would
find them reset to every core by its first threaded gridding.
"""

from __future__ import annotations

import os

import numba
import torch

_STARTED: set[int] = set()  # the processes where the pool was started through here


def start_numba_threads() -> None:
    """Start numba's thread pool in this process (once), keeping PyTorch's thread count as it was."""
    pid = os.getpid()
    if pid in _STARTED:
        return
    threads = torch.get_num_threads()
    numba.get_num_threads()  # starts the pool
    torch.set_num_threads(threads)
    _STARTED.add(pid)


def set_numba_threads(count: int) -> None:
    """Give numba's kernels called from this thread ``count`` threads (numba's count is per thread),
    starting its pool first if need be, PyTorch's count kept."""
    start_numba_threads()
    numba.set_num_threads(count)
