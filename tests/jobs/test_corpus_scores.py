"""GNINA's scores of the typing corpus's complexes on voxbind's typing against libmolgrid's typing
(``tests/fixtures/corpus_scores.npz``, made by ``scripts/make_corpus_scores.py``)."""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pytest

from ..atomtypes.corpus import resolve
from ..conftest import FIXTURES

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("gninatorch") is None, reason="gninatorch (GNINA's weights) not installed"
)

#: Complexes whose typing still differs from libmolgrid's inside the grid, with the atoms at fault
#: (``docs/atom-typing.md``), and the largest score difference measured.
DIFFERS = {
    "3rod_lig.pdb": ("5 adenine carbons libmolgrid leaves aliphatic", 0.21),
    "1ia1_ligand.sdf": ("ring carbons of the NDP cofactor beside the ligand", 0.013),
    "vina_output.sdf": ("a histidine ring nitrogen of the receptor next to the pose", 0.003),
    "vina_output.mol2": ("a histidine ring nitrogen of the receptor next to the pose", 0.003),
    "vina_output_ligand_1.pdbqt": ("a histidine ring nitrogen of the receptor next to the pose", 0.003),
}


def test_scores_on_voxbinds_typing_equal_those_on_libmolgrids():
    from voxbind.jobs import score_poses

    reference = np.load(FIXTURES / "corpus_scores.npz")
    checked = 0
    for k, line in enumerate(reference["complexes"].tolist()):
        receptor, ligand = (resolve(name) for name in line.split())
        if receptor is None or ligand is None:
            continue
        reason, bound = DIFFERS.get(ligand.name, (None, 1e-3))
        for model in ("crossdock_default2018", "dense"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ours = score_poses(receptor, ligand, model)[0]
            for ours_value, key in ((ours.cnn_score, "CNNscore"), (ours.cnn_affinity, "CNNaffinity")):
                difference = abs(ours_value - reference[f"{model}/{key}"][k])
                assert difference <= bound, (line, model, key, difference, reason)
        checked += 1
    if not checked:
        pytest.skip("no complex of the corpus is installed here")
    if checked == len(reference["complexes"]):  # every complex here: 21 of the 26 agree to 1e-3
        assert checked - len(DIFFERS) == 21
