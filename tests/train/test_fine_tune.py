"""One notion of a model: fine-tuning from published models and files, evaluating and scoring any of them."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from click.testing import CliRunner

from voxbind.cli.main import cli
from voxbind.errors import ConfigError
from voxbind.models import Default2018, create_model, load_model
from voxbind.train import TrainConfig, Trainer
from voxbind.train.checkpoint import save_checkpoint

from ..conftest import shared_data
from ..models.gnina_files import model_file


@pytest.fixture
def real_types(tmp_path):
    """Eight lines of the shared small.types (two targets, good and bad poses) and their data root."""
    root = shared_data() / "gnina-testdata"
    lines = (root / "small.types").read_text().splitlines()
    chosen = lines[:4] + [line for line in lines if line.split()[3].startswith("1a30/")][:4]
    path = tmp_path / "eight.types"
    path.write_text("\n".join(chosen) + "\n")
    return path, root / "structs"


def test_fine_tuning_starts_from_a_gnina13_file_and_takes_its_architecture(real_types, tmp_path):
    types, root = real_types
    start = model_file("crossdock_default2018_KD_4")
    config = TrainConfig(
        train=str(types), data_root=str(root), init_from=str(start), model="dense", batch_size=4,
        steps=2, output=str(tmp_path / "run"), lr=1e-4,
    )  # fmt: skip
    trainer = Trainer(config)
    assert trainer.config.model == "default2018"  # the file's architecture, not the configured one
    published = load_model(start)
    for name, value in published.state_dict().items():
        torch.testing.assert_close(trainer.model.state_dict()[name], value)
    assert not hasattr(trainer.model, "pose_activation")  # trained on logits
    trainer.run(progress=False)
    moved = sum(
        float((trainer.model.state_dict()[k] - v).abs().sum()) for k, v in published.state_dict().items()
    )
    assert moved > 0
    resumed = load_model(tmp_path / "run" / "checkpoint.pt")  # the fine-tuned model is a model too
    assert isinstance(resumed, Default2018)


def test_fine_tuning_refuses_ensembles(tmp_path):
    config = TrainConfig(train="x.types", init_from="dense_ensemble", output=str(tmp_path))
    with pytest.raises(ConfigError, match="ensemble"):
        Trainer(config)


def test_evaluate_and_score_take_any_model(real_types, tmp_path):
    types, root = real_types
    published = CliRunner().invoke(
        cli, ["evaluate", "crossdock_default2018", str(types), "--data-root", str(root)]
    )
    assert published.exit_code == 0, published.output
    lines = published.output.strip().splitlines()
    assert lines[0].split() == ["model", "crossdock_default2018"]
    metrics = dict(line.split() for line in lines[1:])
    assert 0.0 <= float(metrics["auc"]) <= 1.0
    assert float(metrics["rmse"]) < 4  # a trained model on real complexes

    model = create_model("default2018")
    state = {"model": model.state_dict(), "config": dataclasses.asdict(TrainConfig())}
    checkpoint = save_checkpoint(tmp_path / "checkpoint.pt", state)
    scored = CliRunner().invoke(cli, ["score", "--example", "--model", str(checkpoint)])
    assert scored.exit_code == 0, scored.output
    assert f"model    {checkpoint}" in scored.output
    assert scored.output.count("\n") >= 9 + 3  # the 9 poses scored
