"""Regenerate ``tests/fixtures/corpus_scores.npz``: GNINA's CNN scores of the corpus complexes
(``typing_corpus.COMPLEXES``) on libmolgrid's typing, from gnina-torch + libmolgrid.

Runs in the oracle environment only (``molgrid`` 0.5.5 and ``gninatorch`` 0.0.2, and the corpus
packages; voxbind never imports either):

    oracle-venv/bin/python scripts/make_corpus_scores.py ../shared/data tests/fixtures/corpus_scores.npz

Each complex (the ligand file's first pose in its receptor) is read and typed by OpenBabel through
libmolgrid's ``ExampleProvider``, gridded by its ``GridMaker`` (0.5 Å, 23.5 Å, centred on the ligand)
and scored by gnina-torch's ``load_gnina_model``, which reproduces GNINA's ``--score_only``, and by GNINA
1.3's default ensemble (its three TorchScript models in ``<shared>/gnina-models``: CNNscore and CNNaffinity
are the members' means). Recorded: ``complexes`` (``receptor ligand`` corpus names) and
``<model>/CNNscore``, ``<model>/CNNaffinity`` for each model and for ``gnina1.3_default``.
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
#: GNINA 1.3's default ensemble (``dense_1_3``, ``dense_1_3_PT_KD_3``, ``crossdock_default2018_KD_4``).
ENSEMBLE_1_3 = ("dense_1.3.pt", "dense_1.3_PT_KD_3.pt", "crossdock_default2018_KD_4.pt")


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
    scores, affinities = [], []
    for member in ENSEMBLE_1_3:
        net = torch.jit.load(os.path.join(shared, "gnina-models", member), map_location="cpu").eval()
        with torch.no_grad():
            logits, affinity = net(batch)
        scores.append(torch.softmax(logits, dim=1)[:, 1].double())
        affinities.append(affinity.reshape(-1).double())
    arrays["gnina1.3_default/CNNscore"] = torch.stack(scores).mean(0).numpy()
    arrays["gnina1.3_default/CNNaffinity"] = torch.stack(affinities).mean(0).numpy()
    print("gnina1.3_default", arrays["gnina1.3_default/CNNaffinity"].round(3), file=sys.stderr)
    np.savez(out, **arrays)


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]), sys.argv[2])
