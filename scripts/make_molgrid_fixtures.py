"""Regenerate ``tests/fixtures/molgrid_reference.npz`` from libmolgrid (the ``molgrid`` 0.5.5 oracle).

Runs in the oracle environment only (voxbind never imports molgrid):

    python3 -m venv oracle-venv && oracle-venv/bin/pip install torch==2.13.0 "numpy<2" molgrid==0.5.5
    oracle-venv/bin/python scripts/make_molgrid_fixtures.py tests/fixtures/molgrid_reference.npz

For each case (random molecule, seeded): the inputs, libmolgrid's forward grid, and its coordinate (and,
for vector types, type) gradients for a random upstream grid. One extra case records libmolgrid's double
backward (``backward_gradients``) so that tests can show where it disagrees with finite differences.
Keys are ``<case>/<array>``.
"""

import os
import sys

import molgrid
import numpy as np
import torch

molgrid.set_gpu_enabled(False)

RESOLUTION, DIMENSION, TYPES, ATOMS = 0.5, 5.0, 4, 12

# name: (type kind, gaussian_radius_multiple, radius_scale, binary)
CASES = {
    "index_g1": ("index", 1.0, 1.0, False),
    "vector_g1": ("vector", 1.0, 1.0, False),
    "index_g2": ("index", 2.0, 1.0, False),
    "vector_g2": ("vector", 2.0, 1.0, False),
    "index_gm1.5": ("index", -1.5, 1.0, False),
    "vector_gm1.5": ("vector", -1.5, 1.0, False),
    "index_scale0.5": ("index", 1.0, 0.5, False),
    "vector_scale0.5": ("vector", 1.0, 0.5, False),
    "index_binary": ("index", 1.0, 1.0, True),
    "vector_binary": ("vector", 1.0, 1.0, True),
}


def molecule(rng, kind):
    coords = rng.uniform(-2.5, 2.5, (ATOMS, 3)).astype(np.float32)
    radii = rng.uniform(0.9, 2.0, ATOMS).astype(np.float32)
    index = rng.integers(-1, TYPES, ATOMS)
    if kind == "index":
        return coords, index.astype(np.float32), radii
    vectors = rng.uniform(0.0, 1.0, (ATOMS, TYPES)).astype(np.float32)
    vectors[rng.uniform(size=(ATOMS, TYPES)) < 0.4] = 0.0  # zero weights, which libmolgrid skips
    return coords, vectors, radii


def main(path):
    rng = np.random.default_rng(20261122)
    center = np.array([0.1, -0.2, 0.15], np.float32)
    out = {"resolution": np.float32(RESOLUTION), "dimension": np.float32(DIMENSION), "center": center}
    c3 = molgrid.float3(*map(float, center))
    for name, (kind, g, scale, binary) in CASES.items():
        coords, types, radii = molecule(rng, kind)
        gm = molgrid.GridMaker(RESOLUTION, DIMENSION, binary, False, scale, g)
        grid = torch.zeros(gm.grid_dimensions(TYPES), dtype=torch.float32)
        tc, tt, tr = torch.tensor(coords), torch.tensor(types), torch.tensor(radii)
        if kind == "index":
            gm.forward(c3, tc, tt, tr, molgrid.tensor_as_grid(grid))
        else:
            gm.forward(c3, tc, tt, tr, grid)
        case = {"coords": coords, "types": types, "radii": radii, "grid": grid.numpy().copy()}
        if not binary:
            upstream = torch.tensor(rng.standard_normal(tuple(grid.shape)).astype(np.float32))
            atom_grad = torch.zeros_like(tc)
            case["upstream"] = upstream.numpy()
            if kind == "index":
                gm.backward(c3, tc, tt, tr, upstream, atom_grad)
            else:
                type_grad = torch.zeros_like(tt)
                gm.backward(c3, tc, tt, tr, upstream, atom_grad, type_grad)
                case["type_grad"] = type_grad.numpy().copy()
            case["atom_grad"] = atom_grad.numpy().copy()
        out.update({f"{name}/{key}": value for key, value in case.items()})

    # Double backward (vector types): gradients of a·gc + b·gw, libmolgrid's debug lines discarded.
    coords, types, radii = molecule(rng, "vector")
    gm = molgrid.GridMaker(RESOLUTION, DIMENSION)
    tc, tt, tr = torch.tensor(coords), torch.tensor(types), torch.tensor(radii)
    upstream = torch.tensor(rng.standard_normal((TYPES,) + (11,) * 3).astype(np.float32))
    a = torch.tensor(rng.standard_normal(coords.shape).astype(np.float32))
    b = torch.tensor(rng.standard_normal(types.shape).astype(np.float32))
    dd_grid, dd_atoms, dd_types = torch.zeros_like(upstream), torch.zeros_like(tc), torch.zeros_like(tt)
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        gm.backward_gradients(c3, tc, tt, tr, upstream, a, b, dd_grid, dd_atoms, dd_types)
    finally:
        os.dup2(saved, 2)
        os.close(devnull)
    double = {
        "coords": coords, "types": types, "radii": radii, "upstream": upstream.numpy(),
        "grad_coords": a.numpy(), "grad_types": b.numpy(), "d_upstream": dd_grid.numpy(),
        "d_coords": dd_atoms.numpy(), "d_types": dd_types.numpy(),
    }  # fmt: skip
    out.update({f"double/{key}": value for key, value in double.items()})
    np.savez_compressed(path, **out)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/molgrid_reference.npz")
