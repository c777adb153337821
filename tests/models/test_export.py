"""Export to GNINA's TorchScript format: files GNINA loads as torch_model.cpp does, with the same outputs."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from voxbind.atomtypes import DEFAULT_LIGAND_MAP, DEFAULT_RECEPTOR_MAP, ChannelMap
from voxbind.errors import InvalidArgumentError, WeightsError
from voxbind.jobs import export_model
from voxbind.models import (
    Default2018,
    Dense,
    Ensemble,
    create_model,
    export_torchscript,
    is_checkpoint,
    load_model,
    model_info,
    read_model_file,
)
from voxbind.train import TrainConfig
from voxbind.train.checkpoint import save_checkpoint

from .gnina_files import DEFAULT, FAST, model_file


def gnina_load(path):
    """The module and metadata as GNINA's torch_model.cpp loads them."""
    extra = {"metadata": ""}
    module = torch.jit.load(str(path), map_location="cpu", _extra_files=extra)
    return module, json.loads(extra["metadata"])


def assert_same_outputs(model, path, grids):
    module, _ = gnina_load(path)
    with torch.no_grad():
        ours = model(grids)
        pose, affinity = module(grids)
        single = module(grids[:1])  # GNINA's call: one (1, C, n, n, n) grid
    torch.testing.assert_close(torch.softmax(pose, 1)[:, 1], ours.pose_probability, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(affinity, ours.affinity, atol=1e-5, rtol=1e-5)
    # CNNscore = softmax(output[0])[0, 1] and CNNaffinity = output[1][0], as GNINA reads them
    assert float(torch.softmax(single[0], 1)[0, 1]) == pytest.approx(
        float(ours.pose_probability[0]), abs=1e-5
    )
    assert float(single[1][0]) == pytest.approx(float(ours.affinity[0]), abs=1e-5)


@pytest.mark.parametrize("name", [*DEFAULT, FAST])
def test_gnina13_files_export_and_reload_with_the_same_outputs(name, grids, tmp_path):
    model = load_model(model_file(name))
    out = tmp_path / "exported.pt"
    export_model(model_file(name), out)
    assert_same_outputs(model, out, grids)
    _, metadata = gnina_load(out)
    original = model_info(model)
    assert (metadata["resolution"], metadata["dimension"]) == (0.5, 23.5)
    assert ChannelMap.from_text(metadata["recmap"]) == ChannelMap.from_text(original.recmap)
    assert ChannelMap.from_text(metadata["ligmap"]) == ChannelMap.from_text(original.ligmap)
    again = read_model_file(out)  # back into voxbind's class
    assert type(again) is type(model)
    assert_same_outputs(again, out, grids)


@pytest.mark.parametrize(("name", "kind"), [("crossdock_default2018", Default2018), ("dense", Dense)])
def test_gnina10_weights_round_trip(name, kind, grids, tmp_path):
    model = load_model(name)
    out = tmp_path / f"{name}.pt"
    export_model(name, out)
    assert_same_outputs(model, out, grids)
    _, metadata = gnina_load(out)
    assert ChannelMap.from_text(metadata["recmap"]) == DEFAULT_RECEPTOR_MAP
    assert ChannelMap.from_text(metadata["ligmap"]) == DEFAULT_LIGAND_MAP
    again = read_model_file(out)
    assert isinstance(again, kind)
    with torch.no_grad():
        torch.testing.assert_close(again(grids).affinity, model(grids).affinity, atol=1e-5, rtol=1e-5)


def test_the_exported_graph_is_plain_and_device_free(tmp_path):
    model = create_model("default2018", 28, 16)
    model.model_info = dataclasses.replace(model_info(model), resolution=1.0, dimension=15.0)
    out = export_torchscript(model, tmp_path / "small.pt")
    module, metadata = gnina_load(out)
    assert metadata == {"resolution": 1.0, "dimension": 15.0}  # GNINA's default maps apply
    code = module.code + "".join(child.code for _, child in module.named_children() if hasattr(child, "code"))
    assert "mkldnn" not in code  # runs where GNINA moves it (module.to(device))
    assert "cpu" not in code
    assert sorted(module.state_dict()) == sorted(model.state_dict())  # GNINA's layer names, unprefixed
    x = torch.rand(3, 28, 16, 16, 16, dtype=torch.float64).float()
    with torch.no_grad():
        torch.testing.assert_close(module(x)[1], model(x).affinity, atol=1e-5, rtol=1e-5)


def test_a_voxbind_checkpoint_is_a_model_everywhere(grids, tmp_path):
    model = create_model("default2018")
    config = dataclasses.asdict(TrainConfig())
    checkpoint = save_checkpoint(tmp_path / "checkpoint.pt", {"model": model.state_dict(), "config": config})
    assert is_checkpoint(checkpoint)
    loaded = load_model(checkpoint)
    assert isinstance(loaded, Default2018)
    assert model_info(loaded).name == str(checkpoint)
    out = tmp_path / "exported.pt"
    export_model(checkpoint, out)
    assert not is_checkpoint(out)
    model.eval()
    assert_same_outputs(model, out, grids)


def test_ensembles_and_bad_files_are_refused(tmp_path):
    with pytest.raises(InvalidArgumentError, match="one model per file"):
        export_torchscript(
            Ensemble([create_model("default2018"), create_model("default2018")]), tmp_path / "e.pt"
        )
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a model")
    with pytest.raises(WeightsError, match=r"junk\.pt"):
        load_model(junk)
    foreign = tmp_path / "foreign.pt"
    torch.save({"model": {}, "config": {"model": "resnet"}}, foreign)
    with pytest.raises(WeightsError, match="unknown architecture 'resnet'"):
        load_model(foreign)


def test_cli_export_writes_a_file_gnina_loads_and_refuses_ensembles(tmp_path, capsys):
    from voxbind.cli.main import main

    out = tmp_path / "model.pt"
    main(["export", "crossdock_default2018", "-o", str(out)])
    printed = capsys.readouterr().out
    assert printed.startswith(f"wrote {out}: crossdock_default2018, 28 channels on a 48³ grid at 0.5 Å")
    _, metadata = gnina_load(out)
    assert sorted(metadata) == ["dimension", "ligmap", "recmap", "resolution"]
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "dense_ensemble", "-o", str(tmp_path / "e.pt")])
    assert exit_info.value.code == 2
    assert "one model per file" in capsys.readouterr().err
    assert not list(tmp_path.glob("*e.pt*"))  # nothing half-written
