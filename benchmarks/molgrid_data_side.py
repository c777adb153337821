"""libmolgrid's half of the data-pipeline benchmark. Runs in the oracle environment (``molgrid`` 0.5.5):
``ORACLE_PYTHON molgrid_data_side.py TYPES DATA_ROOT OUTPUT.json BATCHES BATCH_SIZE``.

``ExampleProvider`` (shuffled, structures cached as by default) + ``GridMaker.forward`` with a random
rotation and a 2 Å random translation into one reused ``(B, 28, 48, 48, 48)`` tensor, per batch.
"""

import json
import sys
import time

import molgrid
import torch

molgrid.set_gpu_enabled(False)


def main(types, root, out, batches, batch_size):
    provider = molgrid.ExampleProvider(data_root=root, shuffle=True, default_batch_size=batch_size)
    provider.populate(types)
    gmaker = molgrid.GridMaker()
    grids = torch.zeros((batch_size, *gmaker.grid_dimensions(provider.num_types())), dtype=torch.float32)

    def step():
        batch = provider.next_batch(batch_size)
        gmaker.forward(batch, grids, random_translation=2.0, random_rotation=True)

    for _ in range(2):  # warm-up: first reads of the files
        step()
    start = time.perf_counter()
    for _ in range(batches):
        step()
    seconds = time.perf_counter() - start
    with open(out, "w") as handle:
        json.dump({"examples_per_s": batches * batch_size / seconds}, handle)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
