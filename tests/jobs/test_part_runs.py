"""Which device and how many CPU threads each process of a torchrun job takes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from voxbind.jobs.part_runs import Share


@pytest.mark.parametrize(
    ("gpus", "local_rank", "expected"),
    [(4, 3, "cuda:3"), (1, 3, "cuda:0"), (2, 3, "cuda:1"), (0, 2, "cuda:2")],
)
def test_processes_take_the_node_gpus_in_turn(monkeypatch, gpus, local_rank, expected):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: gpus)
    monkeypatch.setenv("LOCAL_RANK", str(local_rank))
    share = Share(rank=local_rank, world=4, folder=Path("parts"))
    assert share.device("cuda") == expected  # with no GPU, the rank's own (refused when used)
    assert share.device("cuda:1") == "cuda:1"  # a GPU named by the user is kept
    assert share.device("cpu") == "cpu"


def test_one_process_keeps_the_device_it_is_given(monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert Share(rank=0, world=1, folder=Path("parts")).device("cuda") == "cuda"


def test_a_process_keeps_the_threads_it_is_given():
    # in a fresh process: starting numba's thread pool would reset PyTorch's count to every core
    script = (
        "import torch, numba\n"
        "torch.get_num_threads()\n"  # PyTorch's threads in use (they start lazily) before the job's
        "from voxbind.jobs._processes import set_cpu_threads\n"
        "set_cpu_threads(4, 1)\n"
        "print(torch.get_num_threads(), numba.get_num_threads())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["1", "1"]
