"""numba against the reference backend: value, gradient and second gradient (1e-5 relative)."""

import pytest
import torch

import voxbind

from .conftest import random_atoms


def close(a, b):
    scale = b.abs().max().clamp_min(1e-30)
    assert ((a - b).abs().max() / scale).item() < 1e-5


def derivatives(
    backend, kind, batch, coords, types, radii, center, upstream, a, bw, *, dimension=12.0, num_types=28,
    multiple=1.0,
):  # fmt: skip
    """Grid, first derivatives, and second derivatives of a loss on the first ones."""
    gm = voxbind.GridMaker(
        0.5, dimension, gaussian_radius_multiple=multiple, radius_scale=0.9, backend=backend
    )
    x = coords.clone().requires_grad_()
    r = radii.clone().requires_grad_()
    c = center.clone().requires_grad_()
    inputs = [c, x, r]
    if kind == "index":
        grid = gm(c, x, types, r, num_types)
    else:
        w = types.clone().requires_grad_()
        inputs.append(w)
        grid = gm(c, x, w, r, radii_per_type=kind == "pertype")
    first = torch.autograd.grad(grid, inputs, upstream, create_graph=True)
    loss = (first[1] * a).sum() + sum((g * g).sum() for g in first[2:]) + (first[0] ** 2).sum()
    if kind != "index":
        loss = loss + (first[3] * bw).sum()
    second = torch.autograd.grad(loss, inputs)
    return grid.detach(), [g.detach() for g in first], second


@pytest.mark.parametrize("kind", ["index", "vector", "pertype"])
@pytest.mark.parametrize("batch", [None, 2])
def test_numba_matches_reference(kind, batch):
    coords, types, radii = random_atoms(300, 28, kind=kind, batch=batch, seed=7, box=14.0)
    if kind != "index":
        types = types * (torch.rand(types.shape, generator=torch.Generator().manual_seed(1)) > 0.8)
    g = torch.Generator().manual_seed(3)
    center = torch.randn((3,) if batch is None else (batch, 3), generator=g, dtype=torch.float64)
    shape = (28, 25, 25, 25) if batch is None else (batch, 28, 25, 25, 25)
    upstream = torch.randn(shape, generator=g, dtype=torch.float64)
    a = torch.randn(coords.shape, generator=g, dtype=torch.float64)
    bw = torch.randn(types.shape, generator=g, dtype=torch.float64) if kind != "index" else None
    args = (kind, batch, coords, types, radii, center, upstream, a, bw)
    grid_n, first_n, second_n = derivatives("numba", *args)
    grid_r, first_r, second_r = derivatives("reference", *args)
    close(grid_n, grid_r)
    assert grid_r.abs().sum() > 100  # the molecule is really in the box
    for got, want in zip(first_n, first_r, strict=True):
        close(got, want)
    for got, want in zip(second_n, second_r, strict=True):
        close(got, want)


def test_float32_agrees_with_float64():
    coords, types, radii = random_atoms(200, 28, seed=2, box=14.0)
    gm = voxbind.GridMaker(0.5, 12.0, backend="numba")
    g64 = gm(torch.zeros(3), coords, types, radii, 28)
    g32 = gm(torch.zeros(3), coords.float(), types, radii.float(), 28)
    assert g32.dtype == torch.float32
    torch.testing.assert_close(g32.double(), g64, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", ["index", "vector", "pertype"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_coordinate_only_backward_matches_reference(kind, dtype):
    """Without a type-weight gradient the numba backward takes its row-wise kernel (several weighted
    channels per atom, per-type radii, float32 grids)."""
    coords, types, radii = random_atoms(300, 28, kind=kind, batch=2, seed=11, box=14.0)
    if kind != "index":
        types = types * (torch.rand(types.shape, generator=torch.Generator().manual_seed(4)) > 0.7)
        types = types.to(dtype)
    g = torch.Generator().manual_seed(5)
    center = torch.randn((2, 3), generator=g, dtype=torch.float64).to(dtype)
    upstream = torch.randn((2, 28, 25, 25, 25), generator=g, dtype=torch.float64).to(dtype)
    results = []
    for backend in ("numba", "reference"):
        gm = voxbind.GridMaker(0.5, 12.0, radius_scale=0.9, backend=backend)
        x = coords.to(dtype).requires_grad_()
        r = radii.to(dtype).requires_grad_()
        if kind == "index":
            grid = gm(center, x, types, r, 28)
        else:
            grid = gm(center, x, types, r, radii_per_type=kind == "pertype")
        results.append(torch.autograd.grad(grid, (x, r), upstream))
    for got, want in zip(*results, strict=True):
        scale = want.abs().max()
        assert scale > 0
        assert ((got - want).abs().max() / scale).item() < (1e-5 if dtype == torch.float64 else 1e-4)
