"""gnina-torch's half of ``bench_score.py``: score the poses of a ``.types`` file with gnina-torch's own
pipeline (libmolgrid's ExampleProvider reads and types each receptor and pose through OpenBabel, its
GridMaker grids them, gnina-torch's Default2018 with the crossdock weights scores them).

    oracle-venv/bin/python benchmarks/gninatorch_score_side.py POSES.types OUT.json BATCH_SIZE [DEVICE]

DEVICE (default ``cpu``) may be ``cuda``: libmolgrid then grids on the GPU and the model runs there. Run in
the oracle environment (molgrid, gninatorch); it imports nothing from voxbind.
"""

import argparse
import json
import sys
import time

import molgrid
import torch
from _timing import synchronize
from gninatorch import dataloaders, gnina, setup


def main() -> None:
    types, out, batch_size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    device = torch.device(sys.argv[4] if len(sys.argv) > 4 else "cpu")
    molgrid.set_gpu_enabled(device.type == "cuda")
    torch.set_num_threads(torch.get_num_threads())
    args = argparse.Namespace(
        data_root="", batch_size=batch_size, ligmolcache="", recmolcache="", cache_structures=True,
        dimension=23.5, resolution=0.5,
    )  # fmt: skip
    start = time.perf_counter()
    model, _ = gnina.setup_gnina_model("crossdock_default2018")
    model = model.to(device)
    provider = setup.setup_example_provider(types, args, training=False)
    loader = dataloaders.GriddedExamplesLoader(
        example_provider=provider, grid_maker=setup.setup_grid_maker(args), grids_only=True, device=device
    )
    scores = []
    with torch.no_grad():
        for grids in loader:
            log_pose, _affinity = model(grids)
            scores += torch.exp(log_pose[:, 1]).tolist()
    seconds = time.perf_counter() - start
    grids = torch.rand(batch_size, 28, 48, 48, 48, device=device)
    with torch.no_grad():
        model(grids)
        synchronize(device)
        cnn_start = time.perf_counter()
        for _ in range(3):
            model(grids)
        synchronize(device)
        cnn_ms = (time.perf_counter() - cnn_start) / (3 * batch_size) * 1e3
    result = {"poses": len(scores), "seconds": seconds, "cnn_ms": cnn_ms, "first_scores": scores[:5]}
    with open(out, "w") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
