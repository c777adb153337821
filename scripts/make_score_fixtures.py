"""Regenerate ``tests/fixtures/gnina_scores.npz``: GNINA's CNN scores from gnina-torch + libmolgrid.

Runs in the oracle environment only (``molgrid`` 0.5.5 and ``gninatorch`` 0.0.2; voxbind never imports
either):

    oracle-venv/bin/python scripts/make_score_fixtures.py ../shared/data tests/fixtures/gnina_scores.npz

Poses of four complexes of the shared gnina test data, already typed by GNINA (gninatypes), are gridded by
libmolgrid's ``ExampleProvider`` + ``GridMaker`` (0.5 Å, 23.5 Å, centered on the ligand) and scored by
gnina-torch's ``load_gnina_model``, which reproduces GNINA's ``--score_only``. Recorded per model (keys
``<model>/CNNscore`` and ``<model>/CNNaffinity``, one value per line of ``lines``) and ``lines``: the
receptor and ligand files of each pose, relative to ``structs/``.
"""

import os
import sys
import tempfile

import molgrid
import numpy as np
import torch
from gninatorch.gnina import load_gnina_model

molgrid.set_gpu_enabled(False)

MODELS = ("crossdock_default2018", "general_default2018", "redock_default2018", "dense")
POSES = [
    ("4kqp/4kqp_rec_0.gninatypes", "4kqp/4kqp_min_0.gninatypes"),
    ("4kqp/4kqp_rec_0.gninatypes", "4kqp/4kqp_docked_3.gninatypes"),
    ("2ydt/2ydt_rec_0.gninatypes", "2ydt/2ydt_min_0.gninatypes"),
    ("2ydt/2ydt_rec_0.gninatypes", "2ydt/2ydt_docked_4.gninatypes"),
    ("3w37/3w37_rec_0.gninatypes", "3w37/3w37_min_0.gninatypes"),
    ("1yqj/1yqj_rec_0.gninatypes", "1yqj/1yqj_min_0.gninatypes"),
]


def main(shared, out):
    root = os.path.join(shared, "gnina-testdata", "structs")
    with tempfile.NamedTemporaryFile("w", suffix=".types", delete=False) as handle:
        handle.writelines(f"{rec} {lig}\n" for rec, lig in POSES)
    provider = molgrid.ExampleProvider(
        data_root=root, iteration_scheme=molgrid.IterationScheme.SmallEpoch, default_batch_size=len(POSES)
    )
    provider.populate(handle.name)
    os.unlink(handle.name)
    gmaker = molgrid.GridMaker()
    grids = torch.zeros((len(POSES), *gmaker.grid_dimensions(provider.num_types())), dtype=torch.float32)
    gmaker.forward(provider.next_batch(len(POSES)), grids)
    arrays = {"lines": np.array([f"{rec} {lig}" for rec, lig in POSES])}
    for name in MODELS:
        model = load_gnina_model(name).eval()
        with torch.no_grad():
            log_pose, affinity = model(grids)
        arrays[f"{name}/CNNscore"] = log_pose.exp()[:, 1].double().numpy()
        arrays[f"{name}/CNNaffinity"] = affinity.reshape(-1).double().numpy()
        print(
            name, arrays[f"{name}/CNNscore"].round(4), arrays[f"{name}/CNNaffinity"].round(3), file=sys.stderr
        )
    np.savez(out, **arrays)


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]), sys.argv[2])
