"""Combinations and strategies: exact gradients against plain autograd, masks, accumulation, no_grad."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from voxbind.combine import Boltzmann, Mean, MultiPoseModel, SmoothMax, combination

COMBINATIONS = [Mean(), SmoothMax(2.0), Boltzmann()]
STRATEGIES = ["split", "recompute", "auto"]


class PoseNet(nn.Module):
    """A small per-pose model with a parameter it never uses."""

    def __init__(self, dtype=torch.float64):
        super().__init__()
        torch.manual_seed(0)
        self.hidden = nn.Linear(5, 8, dtype=dtype)
        self.out = nn.Linear(8, 1, dtype=dtype)
        self.unused = nn.Parameter(torch.ones(3, dtype=dtype))

    def forward(self, x):
        return 4.0 * self.out(torch.tanh(self.hidden(x))).squeeze(-1) - 6.0


def _compounds(dtype=torch.float64):
    torch.manual_seed(1)
    poses = torch.randn(3, 7, 5, dtype=dtype)
    mask = torch.zeros(3, 7, dtype=torch.bool)
    for b, n in enumerate((1, 4, 7)):
        mask[b, :n] = True
    return poses, mask, torch.tensor([-7.0, -5.5, -6.0], dtype=dtype)


def _grads(strategy, combo, per_pose_loss=False, accumulate=False):
    model = PoseNet()
    multi = MultiPoseModel(model, combo, strategy)
    poses, mask, target = _compounds()
    if accumulate:  # one compound at a time, gradients accumulated before one step
        for b in range(3):
            out = multi(poses[b : b + 1], mask[b : b + 1])
            loss = (out.combined - target[b]) ** 2
            if per_pose_loss:
                loss = loss + 0.1 * (out.per_pose[mask[b : b + 1]] + 6.0).pow(2).sum()
            loss.backward()
    else:
        out = multi(poses, mask)
        loss = ((out.combined - target) ** 2).sum()
        if per_pose_loss:
            loss = loss + 0.1 * (out.per_pose[mask] + 6.0).pow(2).sum()
        loss.backward()
    return {name: (None if p.grad is None else p.grad.clone()) for name, p in model.named_parameters()}


@pytest.mark.parametrize("combo", COMBINATIONS, ids=repr)
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("per_pose_loss", [False, True], ids=["combined-loss", "plus-per-pose-loss"])
@pytest.mark.parametrize("accumulate", [False, True], ids=["one-batch", "accumulated"])
def test_parameter_gradients_equal_plain_autograd(combo, strategy, per_pose_loss, accumulate):
    reference = _grads("full", combo, per_pose_loss, accumulate)
    got = _grads(strategy, combo, per_pose_loss, accumulate)
    assert reference["unused"] is None
    assert got["unused"] is None  # a parameter without gradient is fine, and gets none
    for name in ("hidden.weight", "hidden.bias", "out.weight", "out.bias"):
        torch.testing.assert_close(got[name], reference[name], rtol=1e-5, atol=1e-12)


@pytest.mark.parametrize("strategy", ["split", "recompute"])
@pytest.mark.parametrize("combo", COMBINATIONS, ids=repr)
def test_gradcheck_float64(strategy, combo):
    model = PoseNet()
    multi = MultiPoseModel(model, combo, strategy)
    poses, mask, _ = _compounds()
    params = tuple(p for name, p in model.named_parameters() if name != "unused")
    assert torch.autograd.gradcheck(lambda *_: multi(poses, mask).combined, params)


def test_combinations_exact_for_one_pose_stable_and_biased_as_documented():
    one = torch.tensor([[-8.5]], dtype=torch.float64)
    for combo in COMBINATIONS:
        assert float(combo(one)) == pytest.approx(-8.5)
    huge = torch.tensor([[-4e5, -4e5 + 3.0, 2e5]], dtype=torch.float64)
    for combo in COMBINATIONS:
        assert math.isfinite(float(combo(huge)))
        assert torch.isfinite(combo.weights(huge)).all()
    equal = torch.full((1, 8), -5.0, dtype=torch.float64)
    assert float(SmoothMax(2.0)(equal)) == pytest.approx(-5.0 - math.log(8) / 2.0)  # the ln(N)/t bias
    values = torch.tensor([[-5.0, -9.0, -6.0]], dtype=torch.float64)
    smooth = float(SmoothMax(1.0)(values))
    assert -9.0 - math.log(3) <= smooth <= -9.0
    assert float(SmoothMax(100.0)(values)) == pytest.approx(-9.0, abs=1e-6)
    with pytest.raises(ValueError, match="at least one pose"):
        Mean()(values, torch.zeros(1, 3, dtype=torch.bool))
    assert isinstance(combination("max", 3.0), SmoothMax)


@pytest.mark.parametrize("combo", COMBINATIONS, ids=repr)
def test_closed_form_weights_equal_autograd(combo):
    _, mask, _ = _compounds()
    g = torch.randn(3, 7, dtype=torch.float64, requires_grad=True) * 3 - 6
    g.retain_grad()
    combo(g, mask).sum().backward()
    torch.testing.assert_close(combo.weights(g.detach(), mask), torch.where(mask, g.grad, 0.0))


def test_no_grad_runs_one_pose_at_a_time_and_keeps_nothing():
    model = PoseNet()
    calls, backward_calls = [], []
    model.register_forward_hook(lambda m, args, out: calls.append(args[0].shape[0]))
    model.out.register_full_backward_hook(lambda *a: backward_calls.append(1))
    multi = MultiPoseModel(model, Mean(), "split")
    poses, mask, _ = _compounds()
    with torch.no_grad():
        out = multi(poses, mask)
    assert not out.combined.requires_grad
    assert calls == [1] * 12  # 1 + 4 + 7 real poses, one forward each
    assert backward_calls == []


def test_auto_picks_by_memory_and_input_gradients_need_full():
    model = PoseNet()
    multi = MultiPoseModel(model, Mean(), "auto")
    poses, mask, _ = _compounds()
    # 12 copies of 75 float64 parameters (7.2 kB) exceed one pose's few saved activations: recompute
    assert multi.chosen_strategy(poses, mask) == "recompute"
    with pytest.raises(ValueError, match="full"):
        MultiPoseModel(model, Mean(), "split")(poses.requires_grad_(), mask)
    with pytest.raises(ValueError, match="strategy"):
        MultiPoseModel(model, Mean(), "lazy")


class GridNet(nn.Module):
    """A small network of ``(P, 4, 4, 4, 4)`` grids (2 receptor + 2 ligand channels) returning energies."""

    def __init__(self, seed: int):
        super().__init__()
        torch.manual_seed(seed)
        self.conv = nn.Conv3d(4, 3, 2, dtype=torch.float64)
        self.out = nn.Linear(3 * 27, 1, dtype=torch.float64)

    def forward(self, x):
        return 3.0 * self.out(torch.tanh(self.conv(x)).flatten(1)).squeeze(-1)


@pytest.mark.parametrize("separate", [False, True], ids=["shared", "separate"])
@pytest.mark.parametrize("strategy", ["full", "split", "recompute"])
@pytest.mark.parametrize("combo", COMBINATIONS, ids=repr)
def test_delta_gradients_reach_every_network_as_autograd_of_the_whole_expression(combo, strategy, separate):
    from voxbind.combine import DeltaModel

    networks = [GridNet(0), GridNet(1), GridNet(2)] if separate else [GridNet(0)]
    delta = DeltaModel(networks[0], 2, *(networks[1:] if separate else ()))
    torch.manual_seed(3)
    grids = torch.rand(2, 4, 4, 4, 4, 4, dtype=torch.float64)
    mask = torch.tensor([[True, True, True, False], [True, True, True, True]])
    target = torch.tensor([-3.0, -1.0], dtype=torch.float64)
    out = MultiPoseModel(delta, combo, strategy)(grids, mask)
    (((out.combined - target) ** 2).sum() + 0.1 * out.per_pose[mask].pow(2).sum()).backward()
    got = [p.grad.clone() for net in networks for p in net.parameters()]
    for net in networks:
        net.zero_grad()
    receptor = grids.clone()
    receptor[:, :, 2:] = 0
    ligand = grids.clone()
    ligand[:, :, :2] = 0
    g_c, g_r, g_l = (networks[0], *networks[1:]) if separate else networks * 3
    per_pose = torch.stack(
        [g_c(grids[b]) - g_r(receptor[b]) - g_l(ligand[b]) for b in range(2)]
    )  # fmt: skip
    combined = combo(per_pose, mask)
    (((combined - target) ** 2).sum() + 0.1 * per_pose[mask].pow(2).sum()).backward()
    expected = [p.grad for net in networks for p in net.parameters()]
    torch.testing.assert_close(out.combined, combined, rtol=1e-10, atol=0)
    for a, b in zip(got, expected, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-12)
    assert all(g.abs().sum() > 0 for g in got)  # every network is trained
