"""GNINA's architectures: shapes and parameter counts, GNINA layer names, weights loading and refusal."""

from __future__ import annotations

import importlib.util

import pytest
import torch

from voxbind.models import (
    GNINA_MODELS,
    Default2018,
    Dense,
    WeightsError,
    create_model,
    load_gnina_model,
)


def _count(model):
    return sum(p.numel() for p in model.parameters())


def test_default2018_has_gninas_389059_parameters_and_layer_names():
    model = Default2018(28, 48)
    assert _count(model) == 389_059
    assert model.num_features == 27_648
    assert [k for k in model.state_dict() if k.endswith("weight")] == [
        "unit1_conv.weight",
        "unit2_conv.weight",
        "unit3_conv.weight",
        "unit4_conv.weight",
        "unit5_conv.weight",
        "pose_output.weight",
        "affinity_output.weight",
    ]


@pytest.mark.parametrize(
    ("name", "channels", "parameters", "features"),
    [
        ("default2017", 35, 389_891, 27_648),  # 35*32*27+32 + 32*64*27+64 + 64*128*27+128 + 27648*3+3
        ("default2018", 28, 389_059, 27_648),
        ("dense", 28, 685_123, 224),
    ],
)
def test_shapes_and_counts(name, channels, parameters, features):
    model = create_model(name, num_channels=channels).eval()
    assert _count(model) == parameters
    assert model.num_features == features
    out = model(torch.zeros(3, channels, 48, 48, 48))
    assert out.pose_logits.shape == (3, 2)
    assert out.affinity.shape == (3,)
    assert out.pose_probability.shape == (3,)


def test_dense_blocks_grow_by_16_channels_per_convolution():
    model = Dense()
    assert [getattr(model, f"dense_block_{k}").out_channels for k in range(3)] == [96, 160, 224]


def test_gradients_reach_the_input_grid():
    model = Default2018(4, 16)
    grid = torch.rand(2, 4, 16, 16, 16, requires_grad=True)
    out = model(grid)
    (out.pose_logits.sum() + out.affinity.sum()).backward()
    assert grid.grad is not None
    assert grid.grad.abs().sum() > 0


def test_bad_input_and_names_are_refused():
    with pytest.raises(ValueError, match=r"\(B, 28, 48, 48, 48\)"):
        Default2018()(torch.zeros(1, 27, 48, 48, 48))
    with pytest.raises(ValueError, match="multiple of 8"):
        Default2018(grid_size=50)
    with pytest.raises(ValueError, match="unknown architecture"):
        create_model("resnet")
    with pytest.raises(WeightsError, match="unknown GNINA model"):
        load_gnina_model("nonsense")


def test_a_weights_file_that_does_not_fit_is_refused(tmp_path):
    state = Default2018().state_dict()
    state["unit1_conv.weight"] = torch.zeros(32, 27, 3, 3, 3)
    del state["unit5_conv.bias"]
    torch.save(state, tmp_path / "redock_default2018.pt")
    with pytest.raises(
        WeightsError, match=r"missing \['unit5_conv.bias'\].*shape mismatch.*unit1_conv.weight"
    ):
        load_gnina_model("redock_default2018", weights_dir=tmp_path)
    (tmp_path / "dense.pt").write_text("not a state dict")
    with pytest.raises(WeightsError, match="not a PyTorch state dict"):
        load_gnina_model("dense", weights_dir=tmp_path)


def test_own_weights_round_trip(tmp_path):
    model = create_model("dense")
    torch.save(model.state_dict(), tmp_path / "dense_2.pt")
    loaded = load_gnina_model("dense_2", weights_dir=tmp_path)
    grid = torch.rand(1, 28, 48, 48, 48)
    torch.testing.assert_close(loaded(grid).affinity, model.eval()(grid).affinity)


@pytest.mark.skipif(
    importlib.util.find_spec("gninatorch") is None, reason="gninatorch (GNINA's weights) not installed"
)
def test_every_published_model_loads():
    for name in sorted(GNINA_MODELS):
        assert not load_gnina_model(name).training


def test_default2018_on_grids_pooled_beforehand_equals_its_forward():
    from voxbind.models import Default2018, Ensemble

    torch.manual_seed(0)
    grids = torch.rand(2, 28, 48, 48, 48)
    pooled = torch.nn.functional.avg_pool3d(grids, Default2018.input_pool)
    for model in (Default2018().eval(), Ensemble([Default2018(), Default2018()]).eval()):
        with torch.no_grad():
            whole, early = model(grids), model(pooled, pooled=True)
        for a, b in zip(whole, early, strict=True):
            assert torch.allclose(a, b, atol=1e-6)
    assert Ensemble([Default2018(), Default2018()]).input_pool == 2
