"""Batches run by the model on several threads: input order, bounded batches in hand, the same scores."""

import random
import threading
import time

import numpy as np
import pytest
import torch

from voxbind.errors import InvalidArgumentError
from voxbind.jobs import example_complex, iter_scores
from voxbind.jobs._model_threads import default_batch_size, ordered_runs


def test_results_come_in_input_order_with_at_most_threads_items_in_hand():
    held, most, lock = set(), [0], threading.Lock()
    rng = random.Random(0)
    delays = [rng.uniform(0.0, 0.01) for _ in range(30)]

    def items():
        for k in range(30):
            with lock:  # the item is in hand from the moment it is taken until its result comes back
                held.add(k)
                most[0] = max(most[0], len(held))
            yield f"tag{k}", (None if k % 7 == 3 else k)

    def run(k):
        time.sleep(delays[k])
        return k * k

    out = []
    for tag, result in ordered_runs(run, items(), threads=3):
        k = int(tag[3:])
        out.append((k, result))
        with lock:
            held.discard(k)
    assert out == [(k, None if k % 7 == 3 else k * k) for k in range(30)]
    assert most[0] <= 3 + 1  # the runs in flight, and the one just taken


def test_intra_op_threads_are_shared_while_running_and_restored_after():
    before = torch.get_num_threads()
    seen = []
    stream = ordered_runs(lambda x: seen.append(torch.get_num_threads()) or x, ((k, k) for k in range(4)), 2)
    assert [r for _, r in stream] == [0, 1, 2, 3]
    assert seen == [max(1, before // 2)] * 4
    assert torch.get_num_threads() == before


def test_model_threads_give_the_scores_of_one_model_thread():
    pairs = [example_complex()]
    one = list(iter_scores(pairs, batch_size=2, model_threads=1))
    three = list(iter_scores(pairs, batch_size=2, model_threads=3))
    assert [s.pose for s in three] == [s.pose for s in one] == list(range(1, 10))
    for name in ("cnn_score", "cnn_affinity"):
        np.testing.assert_allclose(
            [getattr(s, name) for s in three], [getattr(s, name) for s in one], rtol=1e-5, atol=1e-6
        )
    with pytest.raises(InvalidArgumentError, match="model_threads"):
        next(iter_scores(pairs, model_threads=0))


def test_default_batch_size_is_small_on_a_cpu_and_larger_elsewhere():
    assert default_batch_size(torch.device("cpu")) == 4
    assert default_batch_size(torch.device("cuda", 0)) == 16


def test_a_bad_batch_size_is_refused_before_any_model_is_loaded():
    with pytest.raises(InvalidArgumentError, match="batch_size must be >= 1, not 0"):
        list(iter_scores([("rec.pdb", "poses.sdf")], "no-such-model", batch_size=0))
