"""A model run on CPU batches from several threads at once, results in input order.

PyTorch's convolutions split each layer statically among the intra-op threads, so a background thread that
prepares the next batch (reading, typing, gridding) delays every layer by as much as it takes from one
core. Two model threads, each with half the intra-op threads, taking alternate batches, leave no core
waiting at a layer's end: the preparation's time is spread over both. On 2 cores ``voxbind score`` scores
94–102 poses/s this way against 73–87 with one model thread of 2 intra-op threads, in alternating runs
(``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import torch

P = TypeVar("P")
T = TypeVar("T")
R = TypeVar("R")


def default_batch_size(device: torch.device) -> int:
    """Poses per forward pass by default: 4 on a CPU, 16 elsewhere.

    On a CPU a few poses' activations stay in cache: on 2 cores Default2018 (crossdock) takes 5.5–5.7 ms
    per pose in batches of 2 to 6 against 6.7–7.6 ms in batches of 16 (``benchmarks/RESULTS.md``).
    """
    return 4 if device.type == "cpu" else 16


def default_model_threads(device: torch.device) -> int:
    """Model threads by default: two on a CPU with at least two intra-op threads, else one."""
    return 2 if device.type == "cpu" and torch.get_num_threads() >= 2 else 1


@contextlib.contextmanager
def _intra_op_share(threads: int) -> Iterator[None]:
    """The intra-op threads divided among ``threads`` model threads for the block (restored after)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(max(1, previous // threads))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def ordered_runs(
    run: Callable[[T], R], items: Iterable[tuple[P, T | None]], threads: int
) -> Iterator[tuple[P, R | None]]:
    """``(tag, run(item))`` for each ``(tag, item)`` of ``items``, in order (``None`` for a ``None``
    item), with up to ``threads`` runs in flight at once on as many threads, each with its share of the
    intra-op threads. The next item is taken only once a run has finished, so at most ``threads`` items
    are held here at a time. One thread runs them one by one, here."""
    if threads <= 1:
        for tag, item in items:
            yield tag, None if item is None else run(item)
        return
    iterator = iter(items)
    with _intra_op_share(threads), ThreadPoolExecutor(threads, thread_name_prefix="voxbind-model") as pool:
        flight: collections.deque[tuple[P, Future | None]] = collections.deque()
        ended = False
        while flight or not ended:
            if len(flight) == threads or (ended and flight):
                tag, future = flight.popleft()
                yield tag, None if future is None else future.result()
                continue
            entry = next(iterator, None)
            if entry is None:
                ended = True
            else:
                flight.append((entry[0], None if entry[1] is None else pool.submit(run, entry[1])))
