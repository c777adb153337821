"""Timing helpers shared by both halves of the benchmarks (they import nothing from voxbind or molgrid)."""

import time

import numpy as np


def median_ms(fn, repeats: int) -> float:
    """Median wall time of ``fn()`` in ms over ``repeats`` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


def synchronize(device) -> None:
    """Wait for the work queued on ``device`` (a GPU's; nothing to wait for on the CPU)."""
    import torch

    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)
