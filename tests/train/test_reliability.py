"""Training as a careless or hostile user meets it: checkpoints that run nothing, runs that resume where
they stopped with each step logged once, and options refused before any data is read."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
import torch

from voxbind.errors import ConfigError, WeightsError
from voxbind.train import TrainConfig, Trainer, load_checkpoint

from .test_trainer import _config


class _Payload:
    """Pickled, it asks the loader to run a shell command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_crafted_checkpoint_runs_nothing(tmp_path, capsys):
    from voxbind.cli.main import main

    marker = tmp_path / "ran"
    crafted = tmp_path / "crafted.pt"
    torch.save({"model": _Payload(marker), "config": {}}, crafted)
    with pytest.raises(WeightsError, match=r"crafted\.pt: not a voxbind checkpoint"):
        load_checkpoint(crafted)
    (tmp_path / "x.types").write_text("1 6.0 rec.gninatypes lig.gninatypes\n")
    with pytest.raises(SystemExit) as info:
        main(["evaluate", str(crafted), str(tmp_path / "x.types")])
    assert info.value.code == 2
    assert "crafted.pt: not a voxbind checkpoint" in capsys.readouterr().err
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "not a voxbind checkpoint"),
        (b"\n", "not a voxbind checkpoint"),
        (os.urandom(300), "not a voxbind checkpoint"),
        ("truncated", "not a voxbind checkpoint"),
        ("no config", r"not a voxbind checkpoint \(no model weights and configuration\)"),
    ],
)
def test_files_that_are_not_checkpoints_are_refused(tmp_path, content, reason):
    path = tmp_path / "bad.pt"
    if content == "truncated":
        torch.save({"model": {"w": torch.ones(1000)}, "config": {}}, path)
        path.write_bytes(path.read_bytes()[:500])
    elif content == "no config":
        torch.save({"model": {"w": torch.ones(3)}}, path)
    else:
        path.write_bytes(content)
    with pytest.raises(WeightsError, match=reason):
        load_checkpoint(path)


def test_resuming_into_a_new_folder_or_with_another_model_or_optimiser(tmp_path):
    config = _config(tmp_path, steps=3, checkpoint_every=3, eval_every=100, optimizer="sgd", lr=0.01)
    Trainer(config).run(progress=False)
    checkpoint = tmp_path / "run" / "checkpoint.pt"
    elsewhere = Trainer(config.replace(steps=5, output=str(tmp_path / "new")))
    elsewhere.resume(checkpoint)
    assert [r["step"] for r in elsewhere.run(progress=False)] == [4, 5]
    rows = np.genfromtxt(tmp_path / "new" / "train.csv", delimiter=",", names=True)
    assert np.atleast_1d(rows["step"]).tolist() == [4, 5]
    for change, name in (({"optimizer": "adam"}, "optimizer"), ({"model": "dense"}, "model")):
        with pytest.raises(WeightsError, match=f"saved by a run with {name} = "):
            Trainer(config.replace(**change)).resume(checkpoint)


def test_a_run_resumed_after_a_stop_between_checkpoints_logs_each_step_once(tmp_path):
    """A run stopped after step 5 (checkpoint at 3, logs flushed to 5) resumes at 3; its logs then hold
    steps 1-7 once each, and equal an uninterrupted run's."""
    config = _config(tmp_path, steps=7, checkpoint_every=3, eval_every=2, optimizer="sgd", lr=0.01)
    whole = Trainer(config.replace(output=str(tmp_path / "whole"))).run(progress=False)
    first = Trainer(config.replace(steps=5, checkpoint_every=3))
    first.run(progress=False)  # ends at step 5 with a checkpoint there; take the one of step 3 instead
    first_checkpoint = tmp_path / "run" / "checkpoint.pt"
    at_three = Trainer(config.replace(steps=3, output=str(tmp_path / "three")))
    at_three.run(progress=False)
    os.replace(tmp_path / "three" / "checkpoint.pt", first_checkpoint)  # as if killed after step 5
    resumed = Trainer(config)
    resumed.resume(first_checkpoint)
    resumed.run(progress=False)
    rows = np.genfromtxt(tmp_path / "run" / "train.csv", delimiter=",", names=True)
    assert rows["step"].tolist() == list(range(1, 8))
    np.testing.assert_allclose(rows["loss"], [r["loss"] for r in whole], rtol=1e-6)
    tests = np.genfromtxt(tmp_path / "run" / "test.csv", delimiter=",", names=True)
    assert tests["step"].tolist() == [2, 4, 6, 7]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"lr": math.nan}, "lr must be a finite number"),
        ({"lr_step": -1}, "lr_step must be >= 0"),
        ({"momentum": -0.5}, "momentum must be >= 0"),
        ({"workers": -2}, "workers must be >= 0"),
        ({"molcaches": [1, 2]}, "molcaches must be a list of file names"),
        ({"num_labels": 1, "affinity_column": 1}, "must be label columns"),
        ({"dimension": 20.0}, "41 grid points per side; the models need a multiple of 8"),
        ({"dimension": 300.0}, "601 grid points per side; the models need a multiple of 8, at most 256"),
        ({"model": "resnet"}, "model must be one of"),
    ],
)
def test_options_that_make_no_sense_are_refused(options, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig.from_mapping(options)


def test_label_columns_are_checked_before_any_structure_is_read(tmp_path):
    (tmp_path / "one.types").write_text("1 missing_receptor.pdb missing_ligand.sdf\n")
    config = TrainConfig(train=str(tmp_path / "one.types"), resolution=1.0, dimension=15.0)
    with pytest.raises(ConfigError, match="has 1 label column"):
        Trainer(config)
