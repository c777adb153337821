"""The worked example: these numbers come out literally, on every backend."""

import math

import pytest
import torch

import voxbind

E2 = math.exp(-2.0)


def one_atom(backend, x=0.0, g=1.0, requires_grad=False):
    gm = voxbind.GridMaker(resolution=0.5, dimension=6.0, gaussian_radius_multiple=g, backend=backend)
    coords = torch.tensor([[x, 0.0, 0.0]], dtype=torch.float64, requires_grad=requires_grad)
    types = torch.tensor([[1.0]], dtype=torch.float64)
    radii = torch.tensor([1.0], dtype=torch.float64)
    return gm(torch.zeros(3, dtype=torch.float64), coords, types, radii), coords


def test_shape_and_centre_lines(backend):
    grid, _ = one_atom(backend)
    assert grid.shape == (1, 13, 13, 13)
    expected = [0, 0, 0, 0, 0.1353, 0.6065, 1.0000, 0.6065, 0.1353, 0, 0, 0, 0]
    for line in (grid[0, :, 6, 6], grid[0, 6, :, 6], grid[0, 6, 6, :]):
        assert [round(v, 4) for v in line.tolist()] == expected


def test_value_and_gradient_at_point(backend):
    grid, coords = one_atom(backend, requires_grad=True)
    value = grid[0, 8, 6, 6]  # grid point (1, 0, 0)
    assert value.item() == pytest.approx(E2, abs=5e-7)
    assert round(value.item(), 6) == 0.135335
    (grad,) = torch.autograd.grad(value, coords)
    assert grad[0].tolist() == pytest.approx([4 * E2, 0.0, 0.0], abs=1e-12)
    assert round(grad[0, 0].item(), 4) == 0.5413


def test_gradient_of_squared_gradient(backend):
    grid, coords = one_atom(backend, requires_grad=True)
    (grad,) = torch.autograd.grad(grid[0, 8, 6, 6], coords, create_graph=True)
    (second,) = torch.autograd.grad(grad[0, 0] ** 2, coords)
    assert second[0, 0].item() == pytest.approx(96 * math.exp(-4.0), rel=1e-10)
    assert round(second[0, 0].item(), 4) == 1.7583
    assert second[0, 1:].tolist() == pytest.approx([0.0, 0.0], abs=1e-12)


def test_truncated_gaussian_sweep(backend):
    """G = -2: ∂/∂x (∂G_p/∂x)² = 128u³e^(−4u²) − 32u e^(−4u²) for |u| < 2, 0 beyond (u = 1 − x)."""
    xs = torch.arange(-100, 301, dtype=torch.float64) / 100.0
    for x in xs.tolist():
        grid, coords = one_atom(backend, x=x, g=-2.0, requires_grad=True)
        (grad,) = torch.autograd.grad(grid[0, 8, 6, 6], coords, create_graph=True)
        (second,) = torch.autograd.grad(grad[0, 0] ** 2, coords, allow_unused=True)
        got = 0.0 if second is None else second[0, 0].item()
        u = 1.0 - x
        if abs(abs(u) - 2.0) < 1e-9:
            continue  # on the cut-off the truncated density is discontinuous
        expected = (128 * u**3 - 32 * u) * math.exp(-4 * u * u) if abs(u) < 2 else 0.0
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), f"x = {x}"
