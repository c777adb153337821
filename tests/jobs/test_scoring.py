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
    assert set(record) == {"pose", "name", "CNNscore", "CNNaffinity", "CNN_VS"}
    assert record["CNN_VS"] == pytest.approx(record["CNNscore"] * record["CNNaffinity"])
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
    assert ensemble.as_gnina()["CNNaffinity_variance"] == ensemble.cnn_variance


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


H2 = """H2
     RDKit          3D

  2  1  0  0  0  0  0  0  0  0999 V2000
    0.0000    0.0000    0.0000 H   0  0  0  0  0  0  0  0  0  0  0  0
    0.7400    0.0000    0.0000 H   0  0  0  0  0  0  0  0  0  0  0  0
  1  2  1  0
M  END
"""


def _moved(mol, shift, atoms=None):
    """A copy of ``mol`` with ``atoms`` (default all) moved by ``shift`` (Å)."""
    from rdkit import Chem
    from rdkit.Geometry import Point3D

    out = Chem.Mol(mol)
    conformer = out.GetConformer()
    for atom in range(out.GetNumAtoms()) if atoms is None else atoms:
        conformer.SetAtomPosition(atom, conformer.GetAtomPosition(atom) + Point3D(*shift))
    return out


@pytest.mark.skipif(
    importlib.util.find_spec("prolif") is None, reason="prolif (the example complex) not installed"
)
def test_poses_far_from_the_receptor_or_without_heavy_atoms_are_not_scored(tmp_path):
    """A pose 500 Å from the receptor and an H₂ ligand are not scored; a pose with an atom outside the
    grid is scored and flagged."""
    from rdkit import Chem

    from voxbind.jobs import combined_affinity, example_complex

    receptor, ligand = example_complex()
    pose = Chem.MolFromMolFile(str(ligand), removeHs=False)
    heavy = next(a.GetIdx() for a in pose.GetAtoms() if a.GetAtomicNum() > 1)
    path = tmp_path / "poses.sdf"
    with Chem.SDWriter(str(path)) as writer:
        for mol in (pose, _moved(pose, (500, 0, 0)), Chem.MolFromMolBlock(H2, removeHs=False),
                    _moved(pose, (0, 30, 0), [heavy])):  # fmt: skip
            writer.write(mol)
    results = score_poses(receptor, path, "crossdock_default2018")
    good, distant, h2, flagged = results
    assert good.scored
    assert good.problem == ""
    assert not distant.scored
    assert "no receptor atom within the grid" in distant.problem
    assert not h2.scored
    assert h2.problem == "no typed (heavy) ligand atoms"
    assert flagged.scored
    assert flagged.problem == f"1 of {pose.GetNumHeavyAtoms()} ligand atoms outside the grid"
    assert distant.as_gnina()["CNNscore"] is None
    expected = (good.cnn_affinity + flagged.cnn_affinity) / 2  # over the scored poses
    assert combined_affinity(results, "mean") == pytest.approx(expected)
    table = CliRunner().invoke(cli, ["score", "-r", str(receptor), "-l", str(path)])
    assert table.exit_code == 0, table.output
    assert "   2  not scored: no receptor atom within the grid" in table.output
    assert "   3  not scored: no typed (heavy) ligand atoms" in table.output


@pytest.mark.skipif(
    importlib.util.find_spec("prolif") is None, reason="prolif (the example complex) not installed"
)
def test_a_malformed_pose_is_reported_and_the_others_keep_their_numbers(tmp_path):
    from rdkit import Chem

    from voxbind.jobs import example_complex

    receptor, ligand = example_complex()
    block = Chem.MolToMolBlock(Chem.MolFromMolFile(str(ligand), removeHs=False))
    broken = block.split("M  END")[0][:-200] + "M  END\n"  # atom lines cut short
    path = tmp_path / "poses.sdf"
    path.write_text("$$$$\n".join([block, broken, block]) + "$$$$\n")
    results = score_poses(receptor, path, "crossdock_default2018")
    assert [r.pose for r in results] == [1, 2, 3]
    assert not results[1].scored
    assert "poses.sdf, record 2 (line " in results[1].problem
    assert results[0].cnn_score == pytest.approx(results[2].cnn_score)


def test_grids_made_pooled_for_default2018_give_the_scores_of_full_grids():
    """Default2018 average-pools its input first: scoring grids the pooled input directly (see
    ``GridMaker(pool=)``), and the scores equal those on full grids to 1e-5."""
    from voxbind.jobs import PoseScorer, iter_scores

    class FullGrids(torch.nn.Module):  # the same model, without telling the scorer it pools
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x):
            return self.net(x)

    receptor, ligand = _complex()
    net = load_gnina_model("crossdock_default2018")
    pooled, full = PoseScorer(net), PoseScorer(FullGrids(net))
    assert (pooled.pool, full.pool) == (2, 1)
    [a] = iter_scores([(receptor, ligand)], pooled)
    [b] = iter_scores([(receptor, ligand)], full)
    assert a.cnn_score == pytest.approx(b.cnn_score, abs=1e-5)
    assert a.cnn_affinity == pytest.approx(b.cnn_affinity, abs=1e-5)


@pytest.mark.skipif(
    importlib.util.find_spec("prolif") is None, reason="prolif (the example complex) not installed"
)
def test_the_readme_command_writes_the_example_poses_to_an_sdf_with_gninas_tags(tmp_path):
    from rdkit import Chem

    out = tmp_path / "example_scores.sdf"
    result = CliRunner().invoke(cli, ["score", "--example", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "9 poses: 9 scored (0 flagged), 0 not scorable, 0 unreadable records skipped" in result.output
    assert f"wrote {out} (9 records)" in result.output
    poses = list(Chem.SDMolSupplier(str(out), removeHs=False))
    assert [p.GetIntProp("pose") for p in poses] == list(range(1, 10))
    scores = [p.GetDoubleProp("CNNscore") for p in poses]
    # gnina-torch + libmolgrid's CNNscore of the first three poses (benchmarks/gninatorch_score_side.py)
    assert scores[:3] == pytest.approx([0.8245310, 0.3529201, 0.4481564], abs=1e-4)
    for pose in poses:
        score, affinity = pose.GetDoubleProp("CNNscore"), pose.GetDoubleProp("CNNaffinity")
        assert pose.GetDoubleProp("CNN_VS") == pytest.approx(score * affinity, abs=1e-5)
