"""Training end to end on a small synthetic task: it learns, and an interrupted run resumes exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voxbind.atomtypes import TypedAtoms, write_gninatypes
from voxbind.atomtypes.gnina import GNINA_INDEX, GNINA_TYPE_NAMES
from voxbind.train import TrainConfig, Trainer
from voxbind.train.config import ConfigError


def _molecule(coords, type_name):
    types = np.full(len(coords), GNINA_INDEX[type_name])
    return TypedAtoms(
        np.asarray(coords, np.float32), types, np.zeros(len(coords), np.float32), GNINA_TYPE_NAMES
    )


def _synthetic(folder, count, seed):
    """Good poses put an aromatic ring's carbons next to the pocket; bad poses put oxygens there."""
    folder.mkdir()
    rng = np.random.default_rng(seed)
    write_gninatypes(
        folder / "rec.gninatypes", _molecule(rng.uniform(-6, 6, (30, 3)), "AliphaticCarbonXSHydrophobe")
    )
    lines = []
    for k in range(count):
        good = k % 2 == 0
        atoms = _molecule(
            rng.normal(0, 1.5, (8, 3)), "AromaticCarbonXSHydrophobe" if good else "OxygenXSAcceptor"
        )
        write_gninatypes(folder / f"lig{k}.gninatypes", atoms)
        lines.append(f"{int(good)} {7.0 if good else -5.0} rec.gninatypes lig{k}.gninatypes\n")
    (folder / "data.types").write_text("".join(lines))
    return folder / "data.types"


def _config(tmp_path, **options):
    train = _synthetic(tmp_path / "train", 32, 0)
    test = _synthetic(tmp_path / "test", 16, 1)
    base = {
        "train": str(train),
        "test": str(test),
        "resolution": 1.0,
        "dimension": 15.0,
        "batch_size": 8,
        "optimizer": "adam",
        "lr": 0.001,
        "weight_decay": 0.0,
        "translate": 1.0,
        "output": str(tmp_path / "run"),
    }
    base.update(options)
    return TrainConfig.from_mapping(base)


def test_learns_a_separable_task(tmp_path):
    config = _config(tmp_path, steps=60, eval_every=60, checkpoint_every=60)
    trainer = Trainer(config)
    log = trainer.run(progress=False)
    metrics = trainer.evaluate(trainer.test_set)
    assert metrics["auc"] > 0.95
    assert log[-1]["loss"] < log[0]["loss"]
    assert (tmp_path / "run" / "train.csv").exists()
    assert (tmp_path / "run" / "test.csv").exists()
    assert (tmp_path / "run" / "learning_curves.png").exists()


def test_an_interrupted_run_resumes_exactly(tmp_path):
    config = _config(tmp_path, steps=7, checkpoint_every=3, eval_every=100, optimizer="sgd", lr=0.01)
    whole = Trainer(config).run(progress=False)
    first = Trainer(
        config.replace(steps=5, output=str(tmp_path / "a"))
    )  # stops after step 5 (checkpoint at 3)
    first.run(progress=False)
    resumed = Trainer(config.replace(output=str(tmp_path / "a")))
    resumed.resume(tmp_path / "a" / "checkpoint.pt")  # the checkpoint written at step 5 (the last one)
    rest = resumed.run(progress=False)
    assert [r["step"] for r in rest] == [6, 7]
    assert [r["loss"] for r in rest] == [r["loss"] for r in whole[5:]]
    # each step's log is written once the next step is queued: all of them, in order, in the CSV too
    assert [r["step"] for r in whole] == list(range(1, 8))
    rows = np.genfromtxt(tmp_path / "run" / "train.csv", delimiter=",", names=True)
    assert rows["step"].tolist() == list(range(1, 8))
    np.testing.assert_allclose(rows["loss"], [r["loss"] for r in whole], rtol=1e-6)


def test_config_is_validated(tmp_path):
    with pytest.raises(ConfigError, match="unknown option"):
        TrainConfig.from_mapping({"learning_rate": 0.1})
    with pytest.raises(ConfigError, match="lr must be a float"):
        TrainConfig.from_mapping({"lr": "fast"})
    with pytest.raises(ConfigError, match="optimizer must be one of"):
        TrainConfig(optimizer="rmsprop")
    path = tmp_path / "c.toml"
    path.write_text('model = "dense"\nlr = 0.1\nsteps = 5\n')
    config = TrainConfig.from_file(path)
    assert (config.model, config.lr, config.steps) == ("dense", 0.1, 5)
    assert config.replace(lr=0.5, steps=None).lr == 0.5
    yaml = tmp_path / "c.yaml"
    yaml.write_text("batch_size: 16\nrotate: false\n")
    assert TrainConfig.from_file(yaml).batch_size == 16


def test_two_processes_under_torchrun_follow_one_process(tmp_path):
    """Training and evaluation under torchrun equal one process's: the same losses and weights, and test
    metrics over every test example exactly once (15 examples: the two ranks' shares differ)."""
    import os
    import subprocess
    import sys

    import torch

    config = _config(
        tmp_path, steps=4, batch_size=8, checkpoint_every=4, eval_every=100, optimizer="sgd", lr=0.05
    )
    odd = tmp_path / "test" / "odd.types"
    odd.write_text("".join(Path(config.test).read_text().splitlines(keepends=True)[:15]))
    single = Trainer(config.replace(output=str(tmp_path / "one"), test=str(odd)))
    one = single.run(progress=False)
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=29533",
        "-m", "voxbind", "train", config.train, "--test", str(odd), "--steps", "4", "--batch-size", "8",
        "--optimizer", "sgd", "--lr", "0.05", "--seed", "0", "-o", str(tmp_path / "two"),
    ]  # fmt: skip
    options = tmp_path / "options.toml"
    options.write_text(
        "resolution = 1.0\ndimension = 15.0\ntranslate = 1.0\nweight_decay = 0.0\ncheckpoint_every = 4\n"
        "eval_every = 100\n"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [*command, "--config", str(options)], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    two = np.genfromtxt(tmp_path / "two" / "train.csv", delimiter=",", names=True)
    np.testing.assert_allclose(two["loss"], [r["loss"] for r in one], rtol=1e-5)
    ddp = torch.load(tmp_path / "two" / "checkpoint.pt", weights_only=True)["model"]
    for name, value in single.model.state_dict().items():
        torch.testing.assert_close(ddp[name], value, rtol=1e-5, atol=1e-6)
    tested = np.genfromtxt(tmp_path / "two" / "test.csv", delimiter=",", names=True)
    alone = np.genfromtxt(tmp_path / "one" / "test.csv", delimiter=",", names=True)
    assert tested.dtype.names == alone.dtype.names
    for name in alone.dtype.names:
        np.testing.assert_allclose(tested[name], alone[name], rtol=1e-5, err_msg=name)


def test_cli_train_then_evaluate(tmp_path):
    from click.testing import CliRunner

    from voxbind.cli.main import cli

    config = _config(tmp_path)
    options = tmp_path / "run.toml"
    options.write_text('resolution = 1.0\ndimension = 15.0\nbatch_size = 8\noptimizer = "adam"\nlr = 0.001\n')
    result = CliRunner().invoke(
        cli, ["train", config.train, "--config", str(options), "--steps", "3", "-o", str(tmp_path / "cli")]
    )
    assert result.exit_code == 0, result.output
    assert "trained to step 3" in result.output
    evaluated = CliRunner().invoke(cli, ["evaluate", str(tmp_path / "cli" / "checkpoint.pt"), config.test])
    assert evaluated.exit_code == 0, evaluated.output
    names = [line.split()[0] for line in evaluated.output.strip().splitlines()]
    assert names == ["model", "auc", "balanced_accuracy", "rmse", "pearson", "spearman"]


@pytest.mark.parametrize("combine", ["mean", "max", "boltzmann"])
def test_multi_pose_training_on_grouped_types(tmp_path, combine):
    from click.testing import CliRunner

    from voxbind.cli.main import cli

    from ..conftest import shared_data

    data = shared_data() / "gnina-testdata"
    options = tmp_path / "run.toml"
    options.write_text(
        'resolution = 1.0\ndimension = 15.0\nbatch_size = 2\noptimizer = "adam"\nlr = 0.001\nmax_poses = 5\n'
        f'data_root = "{data / "structs"}"\n'
    )
    grouped = str(data / "grouped.types")
    result = CliRunner().invoke(
        cli,
        ["train", grouped, "--test", grouped, "--config", str(options), "--combine", combine,
         "--strategy", "recompute", "--steps", "3", "-o", str(tmp_path / "run")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    log = np.genfromtxt(tmp_path / "run" / "train.csv", delimiter=",", names=True)
    assert np.isfinite(log["loss"]).all()
    test = np.genfromtxt(tmp_path / "run" / "test.csv", delimiter=",", names=True)
    assert int(np.atleast_1d(test["compounds"])[-1]) == 6  # every group has a known affinity


def test_multi_pose_training_from_sdf_files_of_poses(tmp_path):
    import importlib.util

    from voxbind.data import ComplexDataset, expand_poses, read_types
    from voxbind.train import MultiPoseTrainer

    spec = importlib.util.find_spec("prolif")
    if spec is None:
        pytest.skip("prolif (the example complex) not installed")
    vina = tmp_path.joinpath("vina")
    folder = next(iter(spec.submodule_search_locations)) + "/data/vina"
    types = tmp_path / "compounds.types"
    types.write_text(f"1 7.5 {folder}/rec.pdb {folder}/vina_output.sdf\n")
    expanded = expand_poses(read_types(types), lambda name: 9)
    assert len(expanded) == 9
    assert expanded.groups.tolist() == [0] * 9
    assert expanded.files(4)[1].endswith("vina_output.sdf#4")
    dataset = ComplexDataset(expanded)
    assert not np.array_equal(dataset[0].atoms.coords, dataset[1].atoms.coords)  # different poses
    config = TrainConfig.from_mapping(
        {"train": str(types), "combine": "max", "pose_files": True, "max_poses": 9, "batch_size": 1,
         "resolution": 1.0, "dimension": 15.0, "steps": 2, "optimizer": "adam", "lr": 0.001,
         "output": str(vina)}
    )  # fmt: skip
    log = MultiPoseTrainer(config).run(progress=False)
    assert len(log) == 2
    assert all(np.isfinite(r["loss"]) for r in log)
