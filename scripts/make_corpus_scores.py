"""Regenerate ``tests/fixtures/corpus_scores.npz``: GNINA's CNN scores of the corpus complexes
(``typing_corpus.COMPLEXES``) on libmolgrid's typing, from gnina-torch + libmolgrid.

Runs in the oracle environment only (``molgrid`` 0.5.5 and ``gninatorch`` 0.0.2, and the corpus
packages; voxbind never imports either):

    oracle-venv/bin/python scripts/make_corpus_scores.py ../shared/data tests/fixtures/corpus_scores.npz

Each complex (the ligand file's first pose in its receptor) is read and typed by OpenBabel through
libmolgrid's ``ExampleProvider``, gridded by its ``GridMaker`` (0.5 Å, 23.5 Å, centred on the ligand)
and scored by gnina-torch's ``load_gnina_model``, which reproduces GNINA's ``--score_only``. Recorded:
``complexes`` (``receptor ligand`` corpus names) and ``<model>/CNNscore``, ``<model>/CNNaffinity``.
"""

import os
import sys

import numpy as np
import torch
from gninatorch.gnina import load_gnina_model
from make_score_fixtures import grids
from make_typing_corpus import resolve
from typing_corpus import COMPLEXES

MODELS = ("crossdock_default2018", "dense")


def main(shared: str, out: str) -> None:
    pairs = [(resolve(rec, shared), resolve(lig, shared)) for rec, lig in COMPLEXES]
    batch = grids(pairs, "/")
    arrays = {"complexes": np.array([f"{rec} {lig}" for rec, lig in COMPLEXES])}
    for name in MODELS:
        model = load_gnina_model(name).eval()
        with torch.no_grad():
            log_pose, affinity = model(batch)
        arrays[f"{name}/CNNscore"] = log_pose.exp()[:, 1].double().numpy()
        arrays[f"{name}/CNNaffinity"] = affinity.reshape(-1).double().numpy()
        print(name, arrays[f"{name}/CNNaffinity"].round(3), file=sys.stderr)
    np.savez(out, **arrays)


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]), sys.argv[2])
