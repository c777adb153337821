"""voxbind's Conv3d equals torch.nn.Conv3d in value, gradient and second gradient."""

import pytest
import torch
from torch import nn

from voxbind.models import Conv3d, conv3d


def _pair(cin, cout, kernel, padding, seed=0):
    torch.manual_seed(seed)
    ours = Conv3d(cin, cout, kernel, padding=padding)
    ref = nn.Conv3d(cin, cout, kernel, padding=padding)
    ref.load_state_dict(ours.state_dict())
    return ours, ref


@pytest.mark.parametrize(("kernel", "padding"), [(3, 1), (3, 0), (3, 2), (1, 0), ((3, 1, 5), (1, 0, 2))])
def test_single_example_matches_torch_to_second_order(kernel, padding):
    ours, ref = _pair(5, 7, kernel, padding)
    x = torch.rand(1, 5, 9, 8, 10)
    results = []
    for layer in (ours, ref):
        xi = x.clone().requires_grad_()
        out = layer(xi)
        gx, gw = torch.autograd.grad(out.square().sum(), (xi, layer.weight), create_graph=True)
        # a loss on the input gradient needs the second derivative (as in force matching)
        second = torch.autograd.grad(gx.square().sum() + gw.square().sum(), (xi, layer.weight, layer.bias))
        results.append((out, gx, gw, *second))
    assert results[0][0].grad_fn is not None
    assert "ConvolutionBackward" not in type(results[0][0].grad_fn).__name__  # our path ran
    for a, b in zip(*results, strict=True):  # float32 sums in another order: relative to the norm
        assert (a - b).norm() <= 1e-5 * b.norm(), (a - b).abs().max()


def test_state_dict_names_are_torch_conv3d():
    ours, _ = _pair(3, 4, 3, 1)
    assert set(ours.state_dict()) == {"weight", "bias"}
    assert isinstance(ours, nn.Conv3d)


def test_batches_and_other_dtypes_use_torch():
    ours, ref = _pair(2, 3, 3, 1)
    x = torch.rand(4, 2, 6, 6, 6)
    out = ours(x.requires_grad_())
    assert "ConvolutionBackward" in type(out.grad_fn).__name__
    torch.testing.assert_close(out, ref(x))
    strided = Conv3d(2, 3, 3, stride=2)
    assert "ConvolutionBackward" in type(strided(x[:1]).grad_fn).__name__


def test_gradcheck_float64():
    torch.manual_seed(1)
    x = torch.rand(2, 3, 5, 4, 6, dtype=torch.float64, requires_grad=True)
    w = torch.randn(4, 3, 3, 1, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(4, dtype=torch.float64, requires_grad=True)

    def fn(x, w, b):
        return conv3d(x, w, b, (1, 0, 2))

    torch.testing.assert_close(fn(x, w, b), nn.functional.conv3d(x, w, b, 1, (1, 0, 2)))
    assert torch.autograd.gradcheck(fn, (x, w, b))
    assert torch.autograd.gradgradcheck(fn, (x, w, b))
