"""Regenerate ``tests/fixtures/gnina_scores.npz``: GNINA's CNN scores from gnina-torch + libmolgrid.

Runs in the oracle environment only (``molgrid`` 0.5.5 and ``gninatorch`` 0.0.2; voxbind never imports
either):

    oracle-venv/bin/python scripts/make_score_fixtures.py ../shared/data tests/fixtures/gnina_scores.npz

Two sets of inputs are gridded by libmolgrid's ``ExampleProvider`` + ``GridMaker`` (0.5 Å, 23.5 Å,
centered on the ligand) and scored by gnina-torch's ``load_gnina_model``, which reproduces GNINA's
``--score_only``:

- ``lines``: poses of four complexes of the shared gnina test data already typed by GNINA (gninatypes,
  paths relative to ``structs/``); scores under ``<model>/CNNscore`` and ``<model>/CNNaffinity``;
- ``complexes``: the six PDB/SDF/MOL2 complexes of the shared data and the four posebusters complexes,
  read and typed by OpenBabel; scores under ``<model>/structure_CNNscore`` and
  ``<model>/structure_CNNaffinity``.

    oracle-venv/bin/pip install --no-deps posebusters==0.6.5   # for its complexes
"""

import importlib.util
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


STRUCTURES = [
    *(
        (f"gnina-testdata/structs/{p}/{p}_rec.pdb", f"gnina-testdata/structs/{p}/{p}_ligand.{ext}")
        for p, ext in (
            ("187l", "sdf"), ("1a30", "sdf"), ("1ado", "sdf"),
            ("1aj7", "sdf"), ("1apv", "mol2"), ("1b3g", "sdf"),
        )
    ),
    *(
        (f"posebusters/{p}/{p}_protein_one_lig_removed.pdb", f"posebusters/{p}/{p}_ligand.sdf")
        for p in ("1ia1", "1of6", "1s3v", "1uou")
    ),
]  # fmt: skip


def grids(pairs, root):
    """libmolgrid's grids of ``pairs`` (receptor, ligand) under ``root``, centered on each ligand."""
    with tempfile.NamedTemporaryFile("w", suffix=".types", delete=False) as handle:
        handle.writelines(f"{rec} {lig}\n" for rec, lig in pairs)
    provider = molgrid.ExampleProvider(
        data_root=root, iteration_scheme=molgrid.IterationScheme.SmallEpoch, default_batch_size=len(pairs)
    )
    provider.populate(handle.name)
    os.unlink(handle.name)
    gmaker = molgrid.GridMaker()
    out = torch.zeros((len(pairs), *gmaker.grid_dimensions(provider.num_types())), dtype=torch.float32)
    gmaker.forward(provider.next_batch(len(pairs)), out)
    return out


def _path(shared, posebusters, relative):
    if relative.startswith("posebusters/"):
        return os.path.join(posebusters, relative[len("posebusters/") :])
    return os.path.join(shared, relative)


def main(shared, out):
    spec = importlib.util.find_spec("posebusters")
    posebusters = os.path.join(spec.submodule_search_locations[0], "datasets", "pdb")
    structures = [tuple(_path(shared, posebusters, p) for p in pair) for pair in STRUCTURES]
    arrays = {
        "lines": np.array([f"{rec} {lig}" for rec, lig in POSES]),
        "complexes": np.array([f"{rec} {lig}" for rec, lig in STRUCTURES]),
    }
    inputs = {
        "": grids(POSES, os.path.join(shared, "gnina-testdata", "structs")),
        "structure_": grids(structures, "/"),
    }
    for name in MODELS:
        model = load_gnina_model(name).eval()
        for prefix, batch in inputs.items():
            with torch.no_grad():
                log_pose, affinity = model(batch)
            arrays[f"{name}/{prefix}CNNscore"] = log_pose.exp()[:, 1].double().numpy()
            arrays[f"{name}/{prefix}CNNaffinity"] = affinity.reshape(-1).double().numpy()
        print(name, arrays[f"{name}/structure_CNNaffinity"].round(3), file=sys.stderr)
    np.savez(out, **arrays)


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]), sys.argv[2])
