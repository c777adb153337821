"""GNINA's scores of the typing corpus's complexes on voxbind's typing against libmolgrid's typing
(``tests/fixtures/corpus_scores.npz``, made by ``scripts/make_corpus_scores.py``)."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from voxbind.models import Ensemble
from voxbind.models._base import Prediction

from ..atomtypes.corpus import resolve
from ..conftest import FIXTURES, shared_data

#: Complexes whose typing still differs from libmolgrid's inside the grid, with the atoms at fault
#: (``docs/atom-typing.md``), and the largest score difference measured. None: all 26 agree to 1e-3.
DIFFERS: dict[str, tuple[str, float]] = {}
#: GNINA 1.3's default ensemble, as its TorchScript files in the shared data are named.
ENSEMBLE_1_3 = ("dense_1.3.pt", "dense_1.3_PT_KD_3.pt", "crossdock_default2018_KD_4.pt")


class _TorchScriptMember(nn.Module):
    """One of GNINA 1.3's TorchScript models as an ensemble member (test use only: the file is GNINA's)."""

    def __init__(self, path: Path):
        super().__init__()
        self.net = torch.jit.load(str(path), map_location="cpu")

    def forward(self, grids: torch.Tensor) -> Prediction:
        logits, affinity = self.net(grids)
        return Prediction(logits, affinity.reshape(-1))


def _compare(model, key: str) -> int:
    """Score every installed corpus complex with ``model``; assert each score within its bound of the
    recorded ``key/...`` values; return how many complexes were checked."""
    from voxbind.jobs import score_poses

    reference = np.load(FIXTURES / "corpus_scores.npz")
    checked = 0
    for k, line in enumerate(reference["complexes"].tolist()):
        receptor, ligand = (resolve(name) for name in line.split())
        if receptor is None or ligand is None:
            continue
        reason, bound = DIFFERS.get(ligand.name, (None, 1e-3))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = score_poses(receptor, ligand, model)[0]
        for ours_value, name in ((ours.cnn_score, "CNNscore"), (ours.cnn_affinity, "CNNaffinity")):
            difference = abs(ours_value - reference[f"{key}/{name}"][k])
            assert difference <= bound, (line, key, name, difference, reason)
        checked += 1
    if not checked:
        pytest.skip("no complex of the corpus is installed here")
    if checked == len(reference["complexes"]):  # every complex here: all 26 agree to 1e-3
        assert checked - len(DIFFERS) == 26
    return checked


@pytest.mark.skipif(
    importlib.util.find_spec("gninatorch") is None, reason="gninatorch (GNINA's weights) not installed"
)
@pytest.mark.parametrize("model", ["crossdock_default2018", "dense"])
def test_scores_on_voxbinds_typing_equal_those_on_libmolgrids(model):
    _compare(model, model)


def test_gnina_1_3_default_ensemble_scores_equal_those_on_libmolgrids_typing():
    folder = shared_data() / "gnina-models"
    if not all((folder / name).exists() for name in ENSEMBLE_1_3):
        pytest.skip(f"GNINA 1.3's default ensemble not found in {folder}")
    ensemble = Ensemble([_TorchScriptMember(folder / name) for name in ENSEMBLE_1_3]).eval()
    _compare(ensemble, "gnina1.3_default")
