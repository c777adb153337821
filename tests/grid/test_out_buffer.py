"""``out=``: gridding into a reused buffer gives the same grid, and refuses what it cannot do."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from voxbind import GridInputError, GridMaker

from ..conftest import triton_or_skip


def _atoms(batch=2, n=30, seed=0):
    g = torch.Generator().manual_seed(seed)
    coords = torch.rand(batch, n, 3, generator=g) * 8 - 4
    types = torch.randint(-1, 4, (batch, n), generator=g)
    return torch.zeros(batch, 3), coords, types, torch.full((batch, n), 1.5)


@pytest.mark.parametrize("backend", ["reference", "numba"])
def test_out_equals_a_fresh_grid_and_is_fully_overwritten(backend):
    gmaker = GridMaker(resolution=0.5, dimension=6.0, backend=backend)
    center, coords, types, radii = _atoms()
    fresh = gmaker(center, coords, types, radii, 4)
    buffer = torch.full_like(fresh, 7.0)  # stale content must not survive
    result = gmaker(center, coords, types, radii, 4, out=buffer)
    assert result is buffer
    torch.testing.assert_close(buffer, fresh, rtol=0, atol=1e-6)
    single = torch.empty(fresh.shape[1:])
    gmaker(center[0], coords[0], types[0], radii[0], 4, out=single)
    torch.testing.assert_close(single, fresh[0], rtol=0, atol=1e-6)


def test_out_is_refused_when_it_does_not_fit_or_gradients_are_recorded():
    gmaker = GridMaker(resolution=0.5, dimension=6.0)
    center, coords, types, radii = _atoms()
    with pytest.raises(GridInputError, match="out must be"):
        gmaker(center, coords, types, radii, 4, out=torch.empty(2, 3, 13, 13, 13))
    with pytest.raises(GridInputError, match="out must be"):
        gmaker(center, coords, types, radii, 4, out=torch.empty(2, 4, 13, 13, 13, dtype=torch.float64))
    with pytest.raises(GridInputError, match="no_grad"):
        gmaker(center, coords.requires_grad_(), types, radii, 4, out=torch.empty(2, 4, 13, 13, 13))


@pytest.mark.parametrize("backend", ["reference", "numba", "triton"])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_buffers_hold_the_float32_grid_rounded_once(backend, dtype):
    """Densities are summed in the atoms' dtype and rounded when stored: the result is exactly the
    backend's float32 grid converted, and within half precision of the reference (Triton runs under its
    interpreter without a GPU)."""
    if backend == "triton":
        triton_or_skip()
    device = torch.device("cuda" if backend == "triton" and torch.cuda.is_available() else "cpu")
    gmaker = GridMaker(resolution=0.5, dimension=6.0, backend=backend)
    center, coords, types, radii = (t.to(device) for t in _atoms())
    reference = GridMaker(resolution=0.5, dimension=6.0, backend="reference")(center, coords, types, radii, 4)
    buffer = torch.full(reference.shape, 7.0, dtype=dtype, device=device)
    with torch.no_grad():
        full = gmaker(center, coords, types, radii, 4)
        gmaker(center, coords, types, radii, 4, out=buffer)
    assert full.max() > 1.0  # overlapping atoms: sums that a half-precision accumulator would round
    if backend == "triton" and device.type == "cpu" and dtype == torch.bfloat16:
        # Triton's interpreter truncates float32 to bfloat16 where GPUs (and PyTorch) round to nearest
        assert (buffer.float() - full.to(dtype).float()).abs().max() <= torch.finfo(dtype).eps * full.max()
    else:
        assert torch.equal(buffer, full.to(dtype))
    step = torch.finfo(dtype).eps * reference.abs().max().item()  # one unit of the largest value
    torch.testing.assert_close(buffer.float(), reference, rtol=0, atol=step)


@pytest.mark.parametrize("backend", ["reference", "numba", "triton"])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_float64_grids_are_stored_as_pytorch_converts_them(backend, dtype):
    """float64 sums bound for a half-precision buffer pass through float32, as PyTorch's conversion
    does, so every backend stores the same values. Each channel's peak is a weight just above a tie of
    that channel's format, where the float32 step decides the result: one direct rounding would give
    one unit more."""
    if backend == "triton":
        triton_or_skip()
    device = torch.device("cuda" if backend == "triton" and torch.cuda.is_available() else "cpu")
    peaks = torch.tensor([1 + 2**-8 + 2**-30, 1 + 2**-11 + 2**-40], dtype=torch.float64)
    assert np.float16(peaks[1].item()) != peaks[1].to(torch.float16).item()  # a direct rounding differs
    coords = torch.tensor([[-1.0, 0.0, 0.0], [1.0, 0.0, 0.0]], dtype=torch.float64)  # on grid points
    weights = torch.diag(peaks)  # atom 0 in channel 0, atom 1 in channel 1
    radii = torch.tensor([0.8, 0.8], dtype=torch.float64)
    center = torch.zeros(3, dtype=torch.float64)
    center, coords, weights, radii = (t.to(device) for t in (center, coords, weights, radii))
    gmaker = GridMaker(resolution=0.5, dimension=4.0, backend=backend)
    with torch.no_grad():
        atoms = (center, coords, weights, radii)
        grid = GridMaker(resolution=0.5, dimension=4.0, backend="reference")(*atoms, radii_per_type=False)
        buffer = torch.full(grid.shape, 7.0, dtype=dtype, device=device)
        gmaker(*atoms, radii_per_type=False, out=buffer)
    assert grid[0, 2, 4, 4] == peaks[0]
    assert grid[1, 6, 4, 4] == peaks[1]
    want = grid.to(dtype)
    if backend == "triton" and device.type == "cpu" and dtype == torch.bfloat16:
        # Triton's interpreter truncates float32 to bfloat16 where GPUs (and PyTorch) round to nearest
        assert (buffer.double() - want.double()).abs().max() <= torch.finfo(dtype).eps * grid.max()
    else:
        assert torch.equal(buffer, want)
