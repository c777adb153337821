"""Regenerate ``tests/fixtures/molgrid_small_types.npz`` from libmolgrid (the ``molgrid`` 0.5.5 oracle).

Runs in the oracle environment only (voxbind never imports molgrid):

    oracle-venv/bin/python scripts/make_dataset_fixtures.py \
        ../shared/data tests/fixtures/molgrid_small_types.npz

libmolgrid's ``ExampleProvider`` reads ``small.types`` of the shared gnina test data in file order with
its default 14 + 14 typers, and ``GridMaker`` (0.5 Å, 23.5 Å, G = 1, no random motion) grids each example
at its default center. Recorded for a spread of lines (keys ``<line index>/<array>``):

- ``center``: (3,) float64, the grid center (centroid of the last molecule's typed atoms);
- ``num_atoms``: (2,) typed atoms of the receptor and the ligand;
- ``channel_sums``: (28,) float64 sums of the grid;
- ``sample_index``, ``sample_value``: flat indices into the (28, 48, 48, 48) grid and the values there (a
  seeded sample, mostly of non-zero voxels).
"""

import os
import sys

import molgrid
import numpy as np
import torch

molgrid.set_gpu_enabled(False)

LINES = (0, 1, 11, 137, 400, 555, 871, 999)


def main(shared, out):
    data = os.path.join(shared, "gnina-testdata")
    provider = molgrid.ExampleProvider(
        data_root=os.path.join(data, "structs"), iteration_scheme=molgrid.IterationScheme.SmallEpoch
    )
    provider.populate(os.path.join(data, "small.types"))
    gmaker = molgrid.GridMaker()
    rng = np.random.default_rng(11)
    arrays = {}
    for line in range(max(LINES) + 1):
        ex = provider.next()
        if line not in LINES:
            continue
        center = ex.coord_sets[-1].center()
        grid = torch.zeros(gmaker.grid_dimensions(ex.num_types()), dtype=torch.float32)
        gmaker.forward(ex, grid)
        values = grid.numpy().ravel()
        nonzero = np.flatnonzero(values)
        picks = np.concatenate([rng.choice(nonzero, 3000, replace=False), rng.choice(values.size, 500)])
        arrays[f"{line}/center"] = np.array([center.x, center.y, center.z], dtype=np.float64)
        arrays[f"{line}/num_atoms"] = np.array([cs.size() for cs in ex.coord_sets], dtype=np.int64)
        arrays[f"{line}/channel_sums"] = grid.double().sum(dim=(1, 2, 3)).numpy()
        arrays[f"{line}/sample_index"] = picks.astype(np.int64)
        arrays[f"{line}/sample_value"] = values[picks]
        print(line, arrays[f"{line}/num_atoms"], file=sys.stderr)
    np.savez_compressed(out, **arrays)


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]), sys.argv[2])
