"""GNINA's published models on voxbind grids give GNINA's scores (oracle: gnina-torch + libmolgrid)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch

from voxbind import GridMaker
from voxbind.data import ComplexDataset, GridCollate
from voxbind.models import load_gnina_model

from ..conftest import FIXTURES, shared_data

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("gninatorch") is None, reason="gninatorch (GNINA's weights) not installed"
)


def test_scores_equal_gninas_for_three_complexes_and_four_models(tmp_path):
    reference = np.load(FIXTURES / "gnina_scores.npz")
    types = tmp_path / "poses.types"
    types.write_text("".join(f"{line}\n" for line in reference["lines"]))
    dataset = ComplexDataset(types, data_root=shared_data() / "gnina-testdata" / "structs")
    grids = GridCollate(GridMaker())([dataset[i] for i in range(len(dataset))]).grids
    models = sorted({key.split("/")[0] for key in reference.files if "/" in key})
    assert len(models) >= 4
    assert len({line.split()[0] for line in reference["lines"]}) >= 3
    for name in models:
        model = load_gnina_model(name)
        with torch.no_grad():
            out = model(grids)
        np.testing.assert_allclose(out.pose_probability.numpy(), reference[f"{name}/CNNscore"], atol=1e-4)
        np.testing.assert_allclose(out.affinity.numpy(), reference[f"{name}/CNNaffinity"], atol=1e-4)


#: Complexes whose typing differs from OpenBabel's inside the grid (docs/atom-typing.md). None at present.
TYPING_DIFFERS: set[str] = set()


def test_scores_of_structure_files_through_voxbinds_typing_equal_gninas():
    import warnings

    from voxbind.jobs import score_poses

    from ..conftest import posebusters_complexes

    reference = np.load(FIXTURES / "gnina_scores.npz")
    models = sorted({key.split("/")[0] for key in reference.files if key.endswith("structure_CNNscore")})
    checked = 0
    for k, line in enumerate(reference["complexes"]):
        paths = []
        for relative in line.split():
            if relative.startswith("posebusters/"):
                paths.append(posebusters_complexes() / relative[len("posebusters/") :])
            else:
                paths.append(shared_data() / relative)
        name = paths[0].parent.name
        if name in TYPING_DIFFERS:
            continue
        for model in models:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                [ours] = score_poses(*paths, model)
            assert ours.cnn_score == pytest.approx(reference[f"{model}/structure_CNNscore"][k], abs=1e-4), (
                name,
                model,
            )
            assert ours.cnn_affinity == pytest.approx(
                reference[f"{model}/structure_CNNaffinity"][k], abs=1e-4
            ), (
                name,
                model,
            )
        checked += 1
    assert checked == 10
