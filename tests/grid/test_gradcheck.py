"""First and second derivatives against finite differences (float64 gradcheck / gradgradcheck)."""

import pytest
import torch
from torch.autograd import gradcheck, gradgradcheck

import voxbind

from .conftest import random_atoms

CONFIGS = [
    # (G, radius_scale, kind, batch)
    (1.0, 1.0, "index", None),
    (1.0, 0.7, "vector", None),
    (2.0, 1.3, "index", 2),
    (2.0, 1.0, "vector", 2),
    (-1.5, 1.0, "index", None),
    (-1.5, 0.8, "vector", 2),
    (1.0, 0.9, "pertype", None),
    (2.0, 1.0, "pertype", 2),
    (-1.5, 1.0, "pertype", None),
]


def grid_function(gm, kind, types, n_types):
    """The grid as a function of its differentiable inputs (center, coords, [weights], radii)."""
    if kind == "index":
        return (lambda c, x, r: gm(c, x, types, r, n_types)), False
    per_type = kind == "pertype"
    return (lambda c, x, w, r: gm(c, x, w, r, radii_per_type=per_type)), True


@pytest.mark.parametrize(("g", "scale", "kind", "batch"), CONFIGS)
@pytest.mark.parametrize("fast", [True, False], ids=["fast", "full"])
def test_gradcheck_and_gradgradcheck(backend, g, scale, kind, batch, fast):
    """Seeded inputs: with a truncated Gaussian (G < 0) a grid point within ``eps`` of an atom's cut-off
    sphere would make finite differences jump, so inputs are fixed, not drawn anew each run."""
    if not fast and (batch is not None or kind == "pertype"):
        pytest.skip("full (non-projected) checks run on the unbatched cases; fast mode covers the rest")
    n_types = 3
    gm = voxbind.GridMaker(0.4, 2.8, gaussian_radius_multiple=g, radius_scale=scale, backend=backend)
    seed = CONFIGS.index((g, scale, kind, batch))
    coords, types, radii = random_atoms(5, n_types, kind=kind, batch=batch, seed=seed)
    center_shape = (3,) if batch is None else (batch, 3)
    rng = torch.Generator().manual_seed(seed)
    center = (0.3 * torch.rand(center_shape, dtype=torch.float64, generator=rng)).requires_grad_()
    fn, vector = grid_function(gm, kind, types, n_types)
    inputs = [center, coords.requires_grad_()]
    if vector:
        inputs.append(types.requires_grad_())
    inputs.append(radii.requires_grad_())
    assert gradcheck(fn, inputs, eps=1e-6, atol=1e-6, rtol=1e-4, fast_mode=fast)
    assert gradgradcheck(fn, inputs, eps=1e-6, atol=1e-6, rtol=1e-4, fast_mode=fast)


def test_third_derivative_is_refused_clearly():
    gm = voxbind.GridMaker(0.5, 3.0, backend="numba")
    coords = torch.zeros(1, 3, dtype=torch.float64, requires_grad=True)
    grid = gm(torch.zeros(3, dtype=torch.float64), coords, torch.zeros(1, dtype=torch.long), torch.ones(1), 1)
    (g1,) = torch.autograd.grad(grid[0, 4, 3, 3], coords, create_graph=True)
    (g2,) = torch.autograd.grad(g1[0, 0] ** 2, coords, create_graph=True)
    with pytest.raises(voxbind.NotDifferentiableError, match="third derivatives"):
        torch.autograd.grad(g2.sum(), coords)
