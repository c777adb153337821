"""The background producer that prepares the next batch while the model runs."""

import threading
import time

import pytest

from voxbind.jobs._prefetch import prefetched


def test_items_come_in_order_and_a_producer_error_is_raised_in_the_consumer():
    def items():
        yield from range(5)
        raise ValueError("record 6 is bad")

    stream = prefetched(items(), depth=2)
    assert [next(stream) for _ in range(5)] == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="record 6"):
        next(stream)


def test_closing_the_consumer_stops_the_producer():
    produced = []

    def items():
        for k in range(1000):
            produced.append(k)
            yield k

    stream = prefetched(items(), depth=1)
    assert [next(stream) for _ in range(3)] == [0, 1, 2]
    stream.close()
    time.sleep(0.1)
    assert len(produced) <= 6  # a few ahead at most, and no more after closing
    assert not any(t.name == "voxbind-prefetch" for t in threading.enumerate())
