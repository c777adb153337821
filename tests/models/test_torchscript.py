"""GNINA 1.3's TorchScript model files: read into voxbind's architectures, equal to the files' modules."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

from voxbind.errors import WeightsError
from voxbind.models import Default2018, Dense, Ensemble
from voxbind.models.torchscript import ScriptedModel, read_torchscript_model

from .gnina_files import DEFAULT, FAST, model_file


@pytest.mark.parametrize(
    ("name", "kind"), [(n, Dense) for n in DEFAULT[:2]] + [(DEFAULT[2], Default2018), (FAST, Default2018)]
)
def test_each_file_becomes_a_voxbind_model_with_the_modules_outputs(name, kind, grids):
    path = model_file(name)
    model = read_torchscript_model(path)
    assert isinstance(model, kind)
    info = model.model_info
    assert (info.resolution, info.dimension, info.points_per_side) == (0.5, 23.5, 48)
    assert len(info.recmap.strip().splitlines()) == len(info.ligmap.strip().splitlines()) == 14
    module = torch.jit.load(str(path))
    with torch.no_grad():
        ours = model(grids)
        pose, affinity = module(grids)
    torch.testing.assert_close(ours.pose_logits, pose, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(ours.affinity, affinity, atol=1e-5, rtol=1e-5)
    assert float(ours.pose_probability.min()) > 0.0
    assert float(ours.affinity.min()) > 2
    # GNINA's CNNscore: softmax of the module's pose output, column 1 (torch_model.cpp)
    torch.testing.assert_close(ours.pose_probability, torch.softmax(pose, 1)[:, 1], atol=1e-6, rtol=1e-5)


def test_the_default_ensemble_aggregates_as_gnina_does(grids):
    paths = [model_file(name) for name in DEFAULT]
    ensemble = Ensemble([read_torchscript_model(p) for p in paths])
    with torch.no_grad():
        ours = ensemble(grids)
        outputs = [torch.jit.load(str(p))(grids) for p in paths]
    # GNINA (cnn_torch_scorer.cpp): the mean CNNscore and CNNaffinity over models, the population variance
    scores = torch.stack([torch.softmax(pose, 1)[:, 1] for pose, _ in outputs])
    affinities = torch.stack([affinity for _, affinity in outputs])
    mean = affinities.mean(0)
    torch.testing.assert_close(ours.pose_probability, scores.mean(0), atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(ours.affinity, mean, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(
        ours.affinity_variance, ((affinities - mean) ** 2).mean(0), atol=1e-5, rtol=1e-4
    )


class _Other(torch.nn.Module):
    """A graph none of voxbind's architectures has."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv3d(28, 2, 3)
        self.softmax = torch.nn.LogSoftmax(dim=1)

    def forward(self, x):
        features = self.conv(x).mean((2, 3, 4))
        return self.softmax(features), features[:, 0]


def test_another_graph_runs_as_it_is_and_bad_files_are_refused(tmp_path):
    torch.manual_seed(0)
    x = torch.rand(2, 28, 8, 8, 8)
    traced = torch.jit.trace(_Other().eval(), x[:1])
    path = tmp_path / "other.pt"
    metadata = {"resolution": 1.0, "dimension": 7.0, "recmap": "A\nB\n", "skip_softmax": False}
    torch.jit.save(traced, str(path), _extra_files={"metadata": json.dumps(metadata)})
    model = read_torchscript_model(path)
    assert isinstance(model, ScriptedModel)
    assert model.model_info.points_per_side == 8
    assert model.model_info.ligmap is None
    with torch.no_grad():
        pose, affinity = traced(x)
        torch.testing.assert_close(model(x).pose_logits, pose)
        torch.testing.assert_close(model(x).affinity, affinity)
    bad_json = tmp_path / "bad_json.pt"
    torch.jit.save(traced, str(bad_json), _extra_files={"metadata": "{resolution: 1"})
    with pytest.raises(WeightsError, match="not JSON"):
        read_torchscript_model(bad_json)
    bad_value = tmp_path / "bad_value.pt"
    torch.jit.save(traced, str(bad_value), _extra_files={"metadata": json.dumps({"skip_softmax": "false"})})
    with pytest.raises(WeightsError, match="skip_softmax must be a JSON bool"):
        read_torchscript_model(bad_value)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a model")
    with pytest.raises(WeightsError, match="not a TorchScript model"):
        read_torchscript_model(junk)


def test_gnina_13_names_and_folders_load_from_the_search_path(monkeypatch, tmp_path):
    from voxbind.models import load_model

    folder = model_file(FAST).parent
    monkeypatch.setenv("VOXBIND_GNINA_MODELS", f"{tmp_path}{os.pathsep}{folder}")
    default = load_model("default")
    assert isinstance(default, Ensemble)
    assert [type(m) for m in default.members] == [Dense, Dense, Default2018]
    assert [Path(m.model_info.name).name for m in default.members] == [f"{n}.pt" for n in DEFAULT]
    assert isinstance(load_model("fast"), Default2018)
    assert len(load_model("dense_1_3_ensemble").members) == 2  # dense_1.3 and dense_1.3_PT_KD_3 here
    assert len(load_model(folder).members) == 4
    assert isinstance(load_model(model_file(FAST)), Default2018)
    monkeypatch.setenv("VOXBIND_GNINA_MODELS", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(WeightsError, match="VOXBIND_GNINA_MODELS"):
        load_model("default")
    with pytest.raises(WeightsError, match="unknown model 'nonsense'"):
        load_model("nonsense")
