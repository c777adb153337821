"""libmolgrid's half of the gridding benchmark. Runs in the oracle environment (``molgrid`` 0.5.5,
``numpy<2``), never inside voxbind: ``ORACLE_PYTHON molgrid_side.py INPUT.npz OUTPUT.json REPEATS``.

Times, on libmolgrid's CPU GridMaker and the same atoms as voxbind's half: forward with index and
vector types, coordinate backward, backward with type gradients, and ``backward_gradients`` (the double
backward) as shipped, its debug lines to standard error included (sent to /dev/null here).
"""

import json
import os
import sys
import time

import molgrid
import numpy as np
import torch
from _timing import median_ms

molgrid.set_gpu_enabled(False)


def main(inp, out, repeats):
    data = np.load(inp)
    coords = torch.tensor(data["coords"], dtype=torch.float32)
    types = torch.tensor(data["types"], dtype=torch.float32)
    vectors = torch.tensor(data["vectors"], dtype=torch.float32)
    radii = torch.tensor(data["radii"], dtype=torch.float32)
    T = vectors.shape[1]
    gm = molgrid.GridMaker(resolution=float(data["resolution"]), dimension=float(data["dimension"]))
    center = molgrid.float3(*map(float, data["center"]))
    shape = gm.grid_dimensions(T)
    grid = torch.zeros(shape, dtype=torch.float32)
    g = molgrid.tensor_as_grid(grid)
    upstream = torch.tensor(data["upstream"], dtype=torch.float32)
    atom_grad = torch.zeros_like(coords)
    type_grad = torch.zeros_like(vectors)
    dd_grid = torch.zeros_like(grid)
    dd_atoms = torch.zeros_like(coords)
    dd_types = torch.zeros_like(vectors)
    a = torch.tensor(data["grad_coords"], dtype=torch.float32)
    b = torch.tensor(data["grad_types"], dtype=torch.float32)

    results = {
        "forward_index": median_ms(lambda: gm.forward(center, coords, types, radii, g), repeats),
        "forward_vector": median_ms(lambda: gm.forward(center, coords, vectors, radii, grid), repeats),
        "backward_coords": median_ms(
            lambda: gm.backward(center, coords, types, radii, upstream, atom_grad), repeats
        ),
        "backward_types": median_ms(
            lambda: gm.backward(center, coords, vectors, radii, upstream, atom_grad, type_grad), repeats
        ),
    }
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        start = time.perf_counter()
        gm.backward(center, coords, vectors, radii, upstream, atom_grad, type_grad)
        gm.backward_gradients(center, coords, vectors, radii, upstream, a, b, dd_grid, dd_atoms, dd_types)
        results["double_backward"] = 1e3 * (time.perf_counter() - start)
    finally:
        os.dup2(saved, 2)
        os.close(devnull)
    with open(out, "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
