"""Pooled grids (``pool=``): the density averaged over ``pool³`` blocks, as ``AvgPool3d(pool)`` makes it."""

import pytest
import torch

import voxbind
from voxbind.errors import GridInputError

from .conftest import random_atoms


@pytest.mark.parametrize("kind", ["index", "vector", "pertype"])
@pytest.mark.parametrize("batch", [None, 3])
@pytest.mark.parametrize("pool", [2, 3])
def test_numba_pooled_grid_equals_the_pooled_reference_grid(kind, batch, pool):
    coords, types, radii = random_atoms(200, 28, kind=kind, batch=batch, seed=5, box=12.0)
    center = (
        torch.zeros(3) if batch is None else torch.randn(batch, 3, generator=torch.Generator().manual_seed(2))
    )
    gmaker = voxbind.GridMaker(resolution=0.5, dimension=12.0, backend="numba")  # 25 points: 25 // pool
    reference = voxbind.GridMaker(resolution=0.5, dimension=12.0, backend="reference")
    full = reference(center.double(), coords, types, radii, 28)
    want = torch.nn.functional.avg_pool3d(full if batch else full[None], pool)
    got = gmaker(center.double(), coords, types, radii, 28, pool=pool)
    assert (
        got.shape
        == (want if batch else want[0]).shape
        == ((batch or 1,) if batch else ()) + (28,) + (25 // pool,) * 3
    )
    assert torch.allclose(got, want if batch else want[0], atol=1e-12)
    assert want.abs().sum() > 10


def test_pooled_grids_fill_a_buffer_and_carry_gradients():
    coords, types, radii = random_atoms(60, 4, kind="vector", batch=2, seed=1, box=6.0)
    gmaker = voxbind.GridMaker(resolution=0.5, dimension=6.0, backend="numba")
    buffer = torch.full((2, 4, 6, 6, 6), float("nan"), dtype=torch.float64)
    with torch.no_grad():
        out = gmaker(torch.zeros(2, 3, dtype=torch.float64), coords, types, radii, 4, pool=2, out=buffer)
    assert out.data_ptr() == buffer.data_ptr()
    coords.requires_grad_()
    pooled = gmaker(torch.zeros(2, 3, dtype=torch.float64), coords, types, radii, 4, pool=2)
    assert torch.allclose(pooled.detach(), buffer)
    weights = torch.randn_like(pooled)
    (grad,) = torch.autograd.grad((pooled * weights).sum(), coords)
    full = gmaker(torch.zeros(2, 3, dtype=torch.float64), coords, types, radii, 4)
    (want,) = torch.autograd.grad((torch.nn.functional.avg_pool3d(full, 2) * weights).sum(), coords)
    assert torch.allclose(grad, want)


@pytest.mark.parametrize("kind", ["index", "vector"])
@pytest.mark.parametrize("pool", [2, 3])
def test_pooled_derivatives_equal_those_of_the_pooled_reference_grid(kind, pool):
    """First derivatives (the pooled kernel's own backward, and through the full grid when a graph is
    asked for) and second derivatives, against autograd through the reference grid and ``avg_pool3d``
    (25 points per side: the last point is dropped by pooling)."""
    coords, types, radii = random_atoms(80, 6, kind=kind, batch=2, seed=3, box=11.0)
    center = torch.randn(2, 3, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    upstream = torch.randn(
        (2, 6) + (25 // pool,) * 3, generator=torch.Generator().manual_seed(6), dtype=torch.float64
    )
    a = torch.randn(coords.shape, generator=torch.Generator().manual_seed(8), dtype=torch.float64)
    results = {}
    for backend in ("numba", "reference"):
        gmaker = voxbind.GridMaker(resolution=0.5, dimension=12.0, backend=backend)
        x = coords.clone().requires_grad_()
        r = radii.clone().requires_grad_()
        inputs = (x, r) if kind == "index" else (x, r, types.clone().requires_grad_())

        def grid(inputs=inputs, gmaker=gmaker, backend=backend):
            if backend == "reference":
                full = gmaker(center, inputs[0], inputs[2] if kind != "index" else types, inputs[1], 6)
                return torch.nn.functional.avg_pool3d(full, pool)
            return gmaker(center, inputs[0], inputs[2] if kind != "index" else types, inputs[1], 6, pool=pool)

        fixed_types = (*inputs[:2], types)  # coordinates and radii only: the pooled kernel's backward
        plain = torch.autograd.grad(grid(fixed_types), inputs[:2], upstream)
        first = torch.autograd.grad(grid(), inputs, upstream, create_graph=True)
        second = torch.autograd.grad((first[0] * a).sum() + first[1].square().sum(), inputs)
        results[backend] = (*plain, *first, *second)
    for got, want in zip(results["numba"], results["reference"], strict=True):
        assert want.abs().max() > 0
        assert ((got - want).abs().max() / want.abs().max()).item() < 1e-9


@pytest.mark.parametrize("pool", [0, 1.5, 100])
def test_a_bad_pool_is_refused(pool):
    coords, types, radii = random_atoms(5, 2, seed=0)
    with pytest.raises(GridInputError, match="pool"):
        voxbind.GridMaker(dimension=4.0)(
            torch.zeros(3, dtype=torch.float64), coords, types, radii, 2, pool=pool
        )
