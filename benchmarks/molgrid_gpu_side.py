"""libmolgrid's half of the GPU benchmark. Runs with ``molgrid`` 0.5.5 and ``numpy<2`` on the path, never
inside voxbind: ``python molgrid_gpu_side.py BATCH.pt OUT.json GRID.pt REPEATS RESOLUTION DIMENSION``.

Times libmolgrid's CUDA GridMaker on the batch written by ``bench_gpu.py prepare``: the batched forward
(one call for the whole batch) and the coordinate backward (one call per example: libmolgrid has no
batched backward). Writes the times and its grid (for the agreement check).
"""

import json
import sys

import molgrid
import torch
from bench_gpu import _cuda_ms, load_batch


def main(batch_path, out_path, grid_path, repeats, resolution, dimension):
    data = load_batch(batch_path)
    dev = torch.device("cuda")
    coords = data["coords"].to(dev).contiguous()
    types = data["types"].to(dev, torch.float32).contiguous()  # -1 = padding, ignored
    radii = data["radii"].to(dev).contiguous()
    centers = data["centers"].to(dev, torch.float32).contiguous()
    T = data["num_channels"]
    B = coords.shape[0]
    gm = molgrid.GridMaker(resolution=resolution, dimension=dimension)
    grid = torch.zeros((B, *gm.grid_dimensions(T)), device=dev)
    upstream = torch.randn_like(grid)
    atom_grad = torch.zeros_like(coords)

    def forward():
        gm.forward(centers, coords, types, radii, grid)

    def backward():
        for b in range(B):
            center = molgrid.float3(*map(float, data["centers"][b]))
            gm.backward(center, coords[b], types[b], radii[b], upstream[b], atom_grad[b])

    results = {
        "mode": "batched forward, per-example backward",
        "forward_ms": _cuda_ms(forward, repeats),
        "backward_ms": _cuda_ms(backward, repeats),
    }
    forward()
    torch.cuda.synchronize()
    torch.save(grid.cpu(), grid_path)
    with open(out_path, "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]))
