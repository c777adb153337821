"""Running a producer ahead of its consumer in a background thread.

Scoring prepares the next batch (reading, typing, gridding) while the model runs on the current one: the
model's convolutions release the GIL, so the preparation costs little more than the time it hides in.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


def prefetched(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """The items of ``items``, produced in a background thread up to ``depth`` items ahead of the caller.

    An exception raised while producing is raised here, in the caller's thread, in its place. Closing the
    returned generator (or dropping it) stops the producer at its next item.
    """
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if not _put(ready, (item, None), stop):
                    return
        except BaseException as err:  # handed to the consumer, whatever it is
            _put(ready, (_DONE, err), stop)
            return
        _put(ready, (_DONE, None), stop)

    thread = threading.Thread(target=produce, name="voxbind-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item, error = ready.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting to put
            with contextlib.suppress(queue.Empty):
                ready.get(timeout=0.05)
        thread.join()


def _put(ready: queue.Queue, entry, stop: threading.Event) -> bool:
    """Put ``entry`` unless ``stop`` is set first; whether it was put."""
    while not stop.is_set():
        try:
            ready.put(entry, timeout=0.05)
            return True
        except queue.Full:
            continue
    return False
