"""The numba backend and PyTorch's threads: gridding keeps PyTorch's thread count, and ``DataLoader``
workers forked after the parent ran PyTorch's threads grid on one thread, leave PyTorch on one thread,
and do not hang. Each case runs in a fresh process (numba's thread pool starts once per process)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import torch
    import voxbind

    torch.set_num_threads(2)
    gridmaker = voxbind.GridMaker(resolution=0.5, dimension=12.0, backend="numba")
    generator = torch.Generator().manual_seed(0)
    B, N = 4, 4000  # 48,000 coordinates: above PyTorch's grain size, so its operations would go parallel
    coords = torch.randn(B, N, 3, generator=generator) * 6
    types = torch.randint(0, 4, (B, N), generator=generator)
    radii = torch.full((B, N), 1.5)
    centers = torch.zeros(B, 3)

    def grid():
        return gridmaker(centers, coords, types, radii, num_types=4)

    # the parent runs PyTorch's OpenMP threads, and not numba's, before its workers are forked (as a
    # training loop that leaves gridding to its workers)
    x = torch.randn(8, 8, 24, 24, 24, generator=generator)
    torch.nn.functional.conv3d(x, torch.randn(8, 8, 3, 3, 3, generator=generator), padding=1).sum()

    class Grids(torch.utils.data.Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, index):
            grids = grid()
            pooled = gridmaker.forward(centers, coords, types, radii, num_types=4, pool=2)
            return torch.get_num_threads(), grids, pooled

    loader = torch.utils.data.DataLoader(
        Grids(), batch_size=None, num_workers=1, multiprocessing_context="fork", timeout=100
    )
    made = list(loader)
    expected = grid()
    for threads, grids, pooled in made:
        assert threads == 1, f"a worker runs PyTorch on {threads} threads after gridding"
        assert torch.equal(grids, expected)
        torch.testing.assert_close(pooled, torch.nn.functional.avg_pool3d(expected, 2))
    print("ok")
    """
)


@pytest.mark.skipif(sys.platform != "linux", reason="forked workers: Linux")
def test_forked_dataloader_workers_grid_on_one_thread_without_hanging():
    try:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=200, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail("a DataLoader worker hung gridding after its parent ran threads")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"


KEEPS_COUNT = textwrap.dedent(
    """
    import torch
    import voxbind

    torch.set_num_threads(1)
    assert torch.get_num_threads() == 1  # PyTorch's threads in use (they start lazily) before gridding
    gridmaker = voxbind.GridMaker(resolution=0.5, dimension=12.0, backend="numba")
    coords = torch.randn(2, 50, 3, requires_grad=True)
    grids = gridmaker(torch.zeros(2, 3), coords, torch.randint(0, 4, (2, 50)), torch.full((2, 50), 1.5),
                      num_types=4)
    grids.square().sum().backward()  # the threaded forward and backward kernels
    print(torch.get_num_threads())
    """
)


def test_threaded_gridding_keeps_pytorchs_thread_count():
    # numba's OpenMP pool, started by the first threaded kernel, would set PyTorch's count to every core
    done = subprocess.run(
        [sys.executable, "-c", KEEPS_COUNT], capture_output=True, text=True, timeout=200, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "1"
