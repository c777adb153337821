"""``score_poses`` / ``voxbind score``: wiring, GNINA's JSON keys, ensembles and rotations."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from voxbind import GridMaker
from voxbind.cli.main import cli
from voxbind.data import ComplexDataset, GridCollate
from voxbind.jobs import score_poses
from voxbind.models import GNINA_ENSEMBLES, load_gnina_model

from ..conftest import shared_data

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("gninatorch") is None, reason="gninatorch (GNINA's weights) not installed"
)


def _complex():
    root = shared_data() / "gnina-testdata" / "structs" / "1a30"
    return root / "1a30_rec.pdb", root / "1a30_ligand.sdf"


def test_cli_json_equals_the_data_pipeline_with_the_same_model(tmp_path):
    receptor, ligand = _complex()
    result = CliRunner().invoke(
        cli, ["score", "-r", str(receptor), "-l", str(ligand), "--model", "dense", "--json"]
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.output.strip().splitlines()[-1])
    assert set(record) == {"pose", "name", "CNNscore", "CNNaffinity"}
    types = tmp_path / "one.types"
    types.write_text(f"{receptor} {ligand}\n")
    grid = GridCollate(GridMaker())([ComplexDataset(types)[0]]).grids
    with torch.no_grad():
        out = load_gnina_model("dense")(grid)
    assert record["CNNscore"] == pytest.approx(float(out.pose_probability[0]), abs=1e-5)
    assert record["CNNaffinity"] == pytest.approx(float(out.affinity[0]), abs=1e-5)


def test_ensembles_report_the_population_variance_of_their_members():
    receptor, ligand = _complex()
    [ensemble] = score_poses(receptor, ligand, "redock_default2018_ensemble")
    members = [
        score_poses(receptor, ligand, name)[0] for name in GNINA_ENSEMBLES["redock_default2018_ensemble"]
    ]
    affinities = np.array([m.cnn_affinity for m in members])
    assert ensemble.cnn_affinity == pytest.approx(affinities.mean(), abs=1e-5)
    assert ensemble.cnn_variance == pytest.approx(affinities.var(), abs=1e-5)
    assert ensemble.cnn_score == pytest.approx(np.mean([m.cnn_score for m in members]), abs=1e-5)
    assert "CNNvariance" in ensemble.as_gnina()


def test_rotations_average_and_are_seeded():
    receptor, ligand = _complex()
    a = score_poses(receptor, ligand, "crossdock_default2018", rotations=3, seed=1)[0]
    b = score_poses(receptor, ligand, "crossdock_default2018", rotations=3, seed=1)[0]
    c = score_poses(receptor, ligand, "crossdock_default2018")[0]
    assert a == b
    assert a.cnn_affinity != pytest.approx(c.cnn_affinity, abs=1e-6)
    with pytest.raises(ValueError, match="rotations"):
        score_poses(receptor, ligand, rotations=-1)


@pytest.mark.skipif(
    importlib.util.find_spec("prolif") is None, reason="prolif (the example complex) not installed"
)
def test_example_job_scores_the_nine_vina_poses():
    result = CliRunner().invoke(cli, ["score", "--example", "--json"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.strip().splitlines()]
    assert [r["pose"] for r in records] == list(range(1, 10))
    assert all(0.0 <= r["CNNscore"] <= 1.0 and 2.0 < r["CNNaffinity"] < 12.0 for r in records)
    assert CliRunner().invoke(cli, ["score"]).exit_code == 2  # neither files nor --example


@pytest.mark.skipif(
    importlib.util.find_spec("prolif") is None, reason="prolif (the example complex) not installed"
)
def test_combined_affinity_over_poses_is_combined_as_free_energies():
    import math

    result = CliRunner().invoke(
        cli, ["score", "--example", "--json", "--combine", "max", "--temperature", "2"]
    )
    assert result.exit_code == 0, result.output
    *poses, combined = [json.loads(line) for line in result.output.strip().splitlines()]
    dg = [-math.log(10) * p["CNNaffinity"] for p in poses]
    expected = -(-math.log(sum(math.exp(-2 * g) for g in dg)) / 2) / math.log(10)
    assert combined == {"combined": "max", "poses": 9, "CNNaffinity": pytest.approx(expected, abs=1e-9)}
    best = max(p["CNNaffinity"] for p in poses)
    assert best <= combined["CNNaffinity"] <= best + math.log(9) / 2 / math.log(10)
