"""Parity with libmolgrid (fixtures recorded from ``molgrid`` 0.5.5 by scripts/make_molgrid_fixtures.py).

Where libmolgrid's math is right (forward grids, first derivatives) voxbind matches it to 1e-5; where
it is wrong (double backward through type gradients) finite differences side with voxbind.
"""

import numpy as np
import pytest
import torch

import voxbind

CASES = {
    "index_g1": (1.0, 1.0, False),
    "vector_g1": (1.0, 1.0, False),
    "index_g2": (2.0, 1.0, False),
    "vector_g2": (2.0, 1.0, False),
    "index_gm1.5": (-1.5, 1.0, False),
    "vector_gm1.5": (-1.5, 1.0, False),
    "index_scale0.5": (1.0, 0.5, False),
    "vector_scale0.5": (1.0, 0.5, False),
    "index_binary": (1.0, 1.0, True),
    "vector_binary": (1.0, 1.0, True),
}
TOL = {"rtol": 1e-5, "atol": 1e-5}


def gmaker(reference, g=1.0, scale=1.0, binary=False, backend="numba"):
    top = reference[""]
    return voxbind.GridMaker(
        float(top["resolution"]), float(top["dimension"]), gaussian_radius_multiple=g,
        radius_scale=scale, binary=binary, backend=backend,
    )  # fmt: skip


def inputs(case, dtype=torch.float32):
    coords = torch.tensor(case["coords"], dtype=dtype)
    types = torch.tensor(case["types"], dtype=dtype)
    if types.ndim == 1:
        types = types.long()
    return coords, types, torch.tensor(case["radii"], dtype=dtype)


@pytest.mark.parametrize("name", list(CASES))
def test_grid_and_gradients_match_libmolgrid(molgrid_reference, backend, name):
    g, scale, binary = CASES[name]
    case = molgrid_reference[name]
    gm = gmaker(molgrid_reference, g, scale, binary, backend)
    center = torch.tensor(molgrid_reference[""]["center"])
    coords, types, radii = inputs(case)
    vector = types.is_floating_point()
    coords.requires_grad_(not binary)
    types.requires_grad_(vector and not binary)
    grid = gm(center, coords, types, radii, types.shape[-1] if vector else 4)
    torch.testing.assert_close(grid.detach(), torch.from_numpy(case["grid"]), **TOL)
    if binary:
        return
    wrt = (coords, types) if vector else (coords,)
    grads = torch.autograd.grad(grid, wrt, torch.from_numpy(case["upstream"]))
    torch.testing.assert_close(grads[0], torch.from_numpy(case["atom_grad"]), **TOL)
    if vector:
        torch.testing.assert_close(grads[1], torch.from_numpy(case["type_grad"]), **TOL)


def first_order_objective(gm, center, coords, types, radii, upstream, a, b):
    """L2 = a·∂L/∂coords + b·∂L/∂types for L = <grid, upstream>, through voxbind's first backward."""
    grid = gm(center, coords, types, radii)
    gc, gw = torch.autograd.grad(grid, (coords, types), upstream, create_graph=True)
    return (gc * a).sum() + (gw * b).sum()


def test_double_backward_agrees_with_finite_differences_where_libmolgrid_does_not(molgrid_reference):
    case = molgrid_reference["double"]
    gm = gmaker(molgrid_reference)
    center = torch.tensor(molgrid_reference[""]["center"], dtype=torch.float64)
    coords, types, radii = inputs(case, torch.float64)
    upstream = torch.tensor(case["upstream"], dtype=torch.float64)
    a = torch.tensor(case["grad_coords"], dtype=torch.float64)
    b = torch.tensor(case["grad_types"], dtype=torch.float64)
    leaves = [t.clone().requires_grad_() for t in (coords, types, upstream)]
    objective = first_order_objective(gm, center, leaves[0], leaves[1], radii, leaves[2], a, b)
    d_coords, d_types, d_upstream = torch.autograd.grad(objective, leaves)

    def numeric(which, index, eps=1e-6):
        values = []
        for sign in (1, -1):
            args = [t.clone().requires_grad_(k < 2) for k, t in enumerate((coords, types, upstream))]
            with torch.no_grad():
                args[which][index] += sign * eps
            values.append(first_order_objective(gm, center, args[0], args[1], radii, args[2], a, b))
        return ((values[0] - values[1]) / (2 * eps)).item()

    rng = np.random.default_rng(0)
    atoms = np.flatnonzero(np.abs(case["d_coords"]).sum(1) > 0)[:4]
    for i in atoms:
        for t in range(types.shape[1]):
            assert d_types[i, t].item() == pytest.approx(numeric(1, (i, t)), rel=1e-5, abs=1e-7)
        assert d_coords[i, 0].item() == pytest.approx(numeric(0, (i, 0)), rel=1e-5, abs=1e-7)
    for _ in range(6):
        point = tuple(int(rng.integers(0, s)) for s in upstream.shape)
        assert d_upstream[point].item() == pytest.approx(numeric(2, point), rel=1e-5, abs=1e-7)

    # libmolgrid's double backward through type gradients: off, and its zero-weight pairs are skipped.
    theirs = torch.tensor(case["d_types"], dtype=torch.float64)
    relative = (theirs - d_types).abs().max() / d_types.abs().max()
    assert relative > 0.1
