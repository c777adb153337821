"""Pose refinement on a CNN: exact derivatives, kept geometry, clashes, and the cases that must not break."""

from __future__ import annotations

import gzip
import importlib.util
import math
import subprocess
import sys

import numpy as np
import pytest
import torch
from rdkit import Chem
from rdkit.Chem import AllChem

from voxbind import GridMaker
from voxbind.atomtypes import default_receptor_typer, read_typed_molecule
from voxbind.errors import InvalidArgumentError
from voxbind.io import Molecule, read_molecules
from voxbind.jobs import example_complex
from voxbind.jobs.minimizing import minimize
from voxbind.jobs.refinement import PoseRefiner, clash_pairs, clash_penalty
from voxbind.jobs.score_parts import parts_folder

from .screening import Smooth, needs_torchrun, run_once_and_under_torchrun, small_refiner, write_screen
from .test_rescoring import BAD, ROOT

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("prolif") is None, reason="prolif (the example complex) not installed"
)


@pytest.fixture(scope="module")
def complex_():
    receptor, ligand = example_complex()
    return read_typed_molecule(receptor, default_receptor_typer()), read_molecules(ligand)


def _small(model, **options):
    grid = GridMaker(resolution=1.0, dimension=15.0)
    return PoseRefiner(model, gridmaker=grid, **options)


def test_the_objectives_derivatives_match_finite_differences(complex_):
    receptor, poses = complex_
    refiner = _small(Smooth().double(), affinity_weight=0.3, dtype=torch.float64)
    pose, evaluate = refiner.objective(receptor, poses[0])
    assert pose.num_torsions > 3
    g = torch.Generator().manual_seed(2)
    variables = [
        (torch.randn(n, generator=g, dtype=torch.float64) * 0.2).requires_grad_()
        for n in (3, 3, pose.num_torsions)
    ]
    assert torch.autograd.gradcheck(lambda *v: evaluate(*v)[0], variables, eps=1e-6, atol=1e-6)


def test_refining_raises_cnnscore_and_keeps_bond_lengths_and_angles(complex_):
    receptor, poses = complex_
    result = PoseRefiner("crossdock_default2018", steps=15).refine(receptor, poses[1])
    assert result.cnn_score[1] > result.cnn_score[0] + 0.2  # 0.35 -> 0.8 or so
    assert result.objective[1] < result.objective[0]
    assert 0.1 < result.rmsd < 4.0
    assert 1 <= result.steps <= 15
    before, after = poses[1].rdmol, result.molecule
    x0, x = before.GetConformer().GetPositions(), after.GetConformer().GetPositions()
    for bond in before.GetBonds():
        i, j = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        assert np.linalg.norm(x[i] - x[j]) == pytest.approx(np.linalg.norm(x0[i] - x0[j]), abs=1e-4)
    for atom in before.GetAtoms():
        around = [n.GetIdx() for n in atom.GetNeighbors()]
        for k, a in enumerate(around):
            for b in around[k + 1 :]:
                assert _angle(x, a, atom.GetIdx(), b) == pytest.approx(
                    _angle(x0, a, atom.GetIdx(), b), abs=1e-3
                )


def test_poses_refined_in_one_batch_equal_poses_refined_one_by_one(complex_):
    """Each pose keeps its own optimiser state, whatever else is in its batch (a float64 model, so that
    the batched convolution's order of summation cannot tip a line search); a pose that cannot be
    refined leaves its error in its place and does not stop the others."""
    receptor, poses = complex_
    refiner = _small(Smooth(scale=20.0).double(), steps=8, dtype=torch.float64)
    far = Chem.Mol(poses[0].rdmol)
    for k, xyz in enumerate(far.GetConformer().GetPositions() + 500.0):
        far.GetConformer().SetAtomPosition(k, xyz.tolist())
    bad = Molecule(far, "far", "far.sdf, record 1")
    chosen = [poses[0], bad, poses[3], _rigid_ligand_near(poses[2])]
    together = refiner.refine_batch([(receptor, p) for p in chosen])
    assert isinstance(together[1], InvalidArgumentError)
    assert "no receptor atom within" in str(together[1])
    for k in (0, 2, 3):
        alone = refiner.refine(receptor, chosen[k])
        assert together[k].steps == alone.steps
        assert together[k].objective == pytest.approx(alone.objective, rel=1e-9)
        x, y = (r.molecule.GetConformer().GetPositions() for r in (together[k], alone))
        assert np.abs(x - y).max() < 1e-7
    assert all(together[k].objective[1] <= together[k].objective[0] for k in (0, 2, 3))
    assert together[0].objective[1] < together[0].objective[0]
    assert together[0].rmsd > 0.05


def test_the_receptors_share_of_the_first_convolution_is_computed_once_and_changes_nothing(complex_):
    """Default2018's first convolution is linear in the channels: the receptor's share, made once per pose,
    plus the ligand's at each step gives the objective and its gradient of the whole model."""
    from voxbind.models import Default2018

    receptor, poses = complex_
    torch.manual_seed(1)
    net = Default2018(28, grid_size=16).double()
    split = _small(net, affinity_weight=0.5, dtype=torch.float64)
    whole = _small(net, affinity_weight=0.5, dtype=torch.float64)
    whole.split = False
    assert split.split
    results = []
    for refiner in (split, whole):
        pose, evaluate = refiner.objective(receptor, poses[2])
        variables = [
            (torch.ones(n, dtype=torch.float64) * 0.05).requires_grad_() for n in (3, 3, pose.num_torsions)
        ]
        value = evaluate(*variables)
        results.append((value.detach(), torch.autograd.grad(value[0], variables)))
    torch.testing.assert_close(results[0][0], results[1][0], rtol=1e-10, atol=1e-12)
    for got, want in zip(results[0][1], results[1][1], strict=True):
        torch.testing.assert_close(got, want, rtol=1e-8, atol=1e-10)


def _angle(x, a, c, b) -> float:
    u, v = x[a] - x[c], x[b] - x[c]
    return math.acos(np.clip(u @ v / np.linalg.norm(u) / np.linalg.norm(v), -1, 1))


def _rigid_ligand_near(receptor_pose: Molecule) -> Molecule:
    """Benzene (no rotatable bond) placed at a docked pose's centre."""
    mol = Chem.AddHs(Chem.MolFromSmiles("c1ccccc1"))
    AllChem.EmbedMolecule(mol, randomSeed=1)
    shift = receptor_pose.coords.mean(0) - mol.GetConformer().GetPositions().mean(0)
    conformer = mol.GetConformer()
    for k, xyz in enumerate(mol.GetConformer().GetPositions() + shift):
        conformer.SetAtomPosition(k, xyz.tolist())
    return Molecule(mol, "benzene", "benzene")


def test_a_ligand_without_rotatable_bonds_moves_rigidly(complex_):
    receptor, poses = complex_
    benzene = _rigid_ligand_near(poses[0])
    result = _small(Smooth(scale=20.0), steps=10).refine(receptor, benzene)
    x0 = benzene.rdmol.GetConformer().GetPositions()
    x = result.molecule.GetConformer().GetPositions()
    d0 = np.linalg.norm(x0[:, None] - x0[None], axis=2)
    assert np.linalg.norm(x[:, None] - x[None], axis=2) == pytest.approx(d0, abs=1e-4)
    assert np.isfinite(x).all()


def test_a_flat_model_leaves_the_pose_where_it_is_without_nans(complex_):
    receptor, poses = complex_
    flat = Smooth(scale=0.0)  # zero gradient everywhere
    result = _small(flat, steps=5).refine(receptor, poses[0])
    assert result.rmsd == pytest.approx(0.0, abs=1e-9)
    assert np.isfinite(result.molecule.GetConformer().GetPositions()).all()
    assert result.cnn_score[0] == pytest.approx(0.5) == result.cnn_score[1]


def test_a_pose_away_from_the_receptor_is_refused(complex_):
    receptor, poses = complex_
    far = Chem.Mol(poses[0].rdmol)
    conformer = far.GetConformer()
    for k, xyz in enumerate(far.GetConformer().GetPositions() + 500.0):
        conformer.SetAtomPosition(k, xyz.tolist())
    with pytest.raises(InvalidArgumentError, match="no receptor atom within"):
        _small(Smooth()).refine(receptor, Molecule(far, "far", "far.sdf, record 1"))


def test_clash_penalty_is_zero_at_the_input_and_grows_as_distant_atoms_meet():
    mol = Chem.AddHs(Chem.MolFromSmiles("CCCCCCCC"))
    AllChem.EmbedMolecule(mol, randomSeed=3)
    keep = np.array([a.GetAtomicNum() > 1 for a in mol.GetAtoms()])
    pairs, floor = clash_pairs(mol, keep)
    assert {tuple(p) for p in pairs.tolist()} == {(i, j) for i in range(8) for j in range(i + 4, 8)}
    x = torch.as_tensor(mol.GetConformer().GetPositions()[keep])
    assert clash_penalty(x, pairs, floor).item() == 0.0
    folded = x.clone()
    folded[7] = x[0] + torch.tensor([1.0, 0.0, 0.0], dtype=x.dtype)  # the chain's ends 1 Å apart
    assert clash_penalty(folded, pairs, floor).item() > (0.75 * 3.4 - 1.0) ** 2 - 1e-9


@pytest.mark.skipif(
    importlib.util.find_spec("gninatorch") is None, reason="gninatorch (GNINA's weights) not installed"
)
def test_voxbind_minimize_writes_refined_poses_with_before_and_after_tags(tmp_path, caplog):
    from click.testing import CliRunner

    from voxbind.cli.main import cli

    receptor, ligand = example_complex()
    records = ligand.read_text().split("$$$$\n")
    poses = tmp_path / "poses.sdf"
    poses.write_text(
        records[0]
        + "$$$$\nbroken\n\n\n  2  1  0  0  0  0  0  0  0  0999 V2000\nM  END\n$$$$\n"
        + records[1]
        + "$$$$\n"
    )
    out = tmp_path / "refined.sdf.gz"
    result = CliRunner().invoke(
        cli, ["minimize", "-r", str(receptor), "-l", str(poses), "-o", str(out), "--steps", "6"]
    )
    assert result.exit_code == 0, result.output
    assert "3 poses: 2 refined, 1 skipped" in result.output
    assert any("poses.sdf, record 2 (line" in r.getMessage() for r in caplog.records)
    with gzip.open(out, "rb") as handle:
        refined = list(Chem.ForwardSDMolSupplier(handle, removeHs=False))
    assert [m.GetIntProp("pose") for m in refined] == [1, 3]
    for mol in refined:
        assert mol.GetDoubleProp("objective") <= mol.GetDoubleProp("objective_before")
        assert 0 < mol.GetDoubleProp("minimizedRMSD") < 3
        assert 1 <= mol.GetIntProp("steps") <= 6
        score, affinity = mol.GetDoubleProp("CNNscore"), mol.GetDoubleProp("CNNaffinity")
        assert mol.GetDoubleProp("CNN_VS") == pytest.approx(score * affinity, abs=1e-5)


def test_a_killed_refinement_run_resumed_gives_the_output_of_an_uninterrupted_run(tmp_path):
    receptor, ligand = example_complex()
    poses = tmp_path / "screen.sdf"
    write_screen(ligand, poses, 12, bad={5: BAD[3]})
    killed = tmp_path / "killed.sdf"
    arguments = ", ".join(repr(str(a)) for a in (receptor, poses, killed))
    code = f"from tests.jobs.screening import minimize_killed; minimize_killed({arguments}, 12)"
    process = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert process.returncode == -9, process.stderr  # in the second batch (at most 7 calls each)
    assert not killed.exists()
    finished = (parts_folder(killed) / "rank-0.jsonl").read_text().count("\n")
    assert 4 <= finished <= 8
    with pytest.raises(InvalidArgumentError, match="--resume"):
        minimize([(receptor, poses)], killed, small_refiner(), batch_size=4)
    summary = minimize([(receptor, poses)], killed, small_refiner(), batch_size=4, resume=True)
    assert summary.resumed == finished
    assert (summary.poses, summary.refined, summary.skipped) == (13, 12, 1)
    whole = tmp_path / "whole.sdf"
    minimize([(receptor, poses)], whole, small_refiner(), batch_size=4)
    assert killed.read_text() == whole.read_text()
    refined = list(Chem.SDMolSupplier(str(whole), removeHs=False))
    assert [m.GetIntProp("pose") for m in refined] == [k for k in range(1, 14) if k != 6]
    assert sum(m.GetDoubleProp("minimizedRMSD") > 0 for m in refined) >= 6  # the poses did move


@needs_torchrun
@pytest.mark.skipif(
    importlib.util.find_spec("gninatorch") is None, reason="gninatorch (GNINA's weights) not installed"
)
def test_two_processes_under_torchrun_refine_as_one(tmp_path):
    """One pose per batch, so that both runs make the same float32 batches."""
    receptor, ligand = example_complex()
    poses = tmp_path / "screen.sdf"
    write_screen(ligand, poses, 5, bad={2: BAD[3]})
    command = ["minimize", "-r", str(receptor), "-l", str(poses), "--batch-size", "1", "--steps", "4"]
    report = run_once_and_under_torchrun(command, tmp_path)
    assert "6 poses: 5 refined, 1 skipped" in report
    a, b = (list(Chem.SDMolSupplier(str(tmp_path / f), removeHs=False)) for f in ("one.sdf", "two.sdf"))
    assert [m.GetIntProp("pose") for m in a] == [m.GetIntProp("pose") for m in b] == [1, 2, 4, 5, 6]
    for x, y in zip(a, b, strict=True):  # threads per process differ: float32 sums in another order
        positions = (m.GetConformer().GetPositions() for m in (x, y))
        assert np.abs(next(positions) - next(positions)).max() < 1e-3
        for tag in ("CNNscore", "CNNaffinity", "minimizedRMSD", "objective"):
            assert x.GetDoubleProp(tag) == pytest.approx(y.GetDoubleProp(tag), abs=1e-4)
