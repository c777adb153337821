"""The radial profile: constants, continuity, derivatives (analytic values)."""

import math

import pytest
import torch

from voxbind.grid.density import (
    DensityProfile,
    radial_derivatives_in_distance,
    radial_scalar,
    radial_torch,
    radial_value,
)

E2 = math.exp(-2.0)


def test_tail_coefficients_for_g1():
    qa, qb, qc = DensityProfile(1.0).tail_coefficients
    assert (qa, qb, qc) == pytest.approx((4 * E2, -12 * E2, 9 * E2))
    assert DensityProfile(1.0).cutoff == pytest.approx(1.5)


@pytest.mark.parametrize("g", [0.5, 1.0, 1.5, 2.0, 3.0])
def test_tail_meets_gaussian_in_value_and_slope_and_ends_at_cutoff(g):
    profile = DensityProfile(g)
    d = torch.tensor([g - 1e-9, g + 1e-9, profile.cutoff - 1e-9, profile.cutoff], dtype=torch.float64)
    rho, slope, _ = radial_derivatives_in_distance(d, 1.0, profile)
    assert rho[0].item() == pytest.approx(math.exp(-2 * g * g), rel=1e-7)
    assert rho[1].item() == pytest.approx(rho[0].item(), rel=1e-7)
    assert slope[1].item() == pytest.approx(slope[0].item(), rel=1e-6)
    assert rho[2].item() == pytest.approx(0.0, abs=1e-12)
    assert slope[2].item() == pytest.approx(0.0, abs=1e-7)
    assert profile.cutoff == pytest.approx((1 + 2 * g * g) / (2 * g))


def test_second_derivative_jumps_at_the_radius():
    """d²ρ/dd² is 12e⁻² just inside d = r and 8e⁻² just outside (G = 1)."""
    d = torch.tensor([1.0 - 1e-12, 1.0 + 1e-12], dtype=torch.float64)
    _, _, curvature = radial_derivatives_in_distance(d, 1.0, DensityProfile(1.0))
    assert curvature[0].item() == pytest.approx(12 * E2, rel=1e-9)
    assert curvature[1].item() == pytest.approx(8 * E2, rel=1e-9)


def test_truncated_gaussian_has_no_tail():
    profile = DensityProfile(-1.5)
    assert profile.cutoff == 1.5
    rho, _, _ = radial_derivatives_in_distance(
        torch.tensor([1.49, 1.5, 1.51], dtype=torch.float64), 1.0, profile
    )
    assert rho[0].item() == pytest.approx(math.exp(-2 * 1.49**2))
    assert rho[1].item() == pytest.approx(math.exp(-2 * 1.5**2))
    assert rho[2].item() == 0.0


def test_zero_multiple_is_rejected():
    with pytest.raises(ValueError, match="gaussian_radius_multiple"):
        DensityProfile(0.0)


@pytest.mark.parametrize("g", [1.0, 2.0, -1.5])
def test_profile_derivatives_match_autograd_and_scalar_binding(g):
    consts = DensityProfile(g).kernel_constants()
    s = torch.linspace(0.0, DensityProfile(g).cutoff2 * 1.1, 301, dtype=torch.float64)
    s = s[(s - abs(g) ** 2).abs() > 1e-6].requires_grad_()
    h, h1, h2 = radial_torch(s, torch.exp(-2 * s), *consts)
    (auto1,) = torch.autograd.grad(h.sum(), s, create_graph=True)
    (auto2,) = torch.autograd.grad(auto1.sum(), s)
    torch.testing.assert_close(h1, auto1, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(h2, auto2, rtol=1e-10, atol=1e-12)
    for value, expected in zip(s[::37].tolist(), zip(h[::37], h1[::37], h2[::37], strict=False), strict=True):
        scalar = radial_scalar(value, math.exp(-2 * value), *consts)
        assert scalar == pytest.approx([float(x.detach()) for x in expected], rel=1e-12, abs=1e-15)
    # the value alone, as the forward kernels compute it, is the same profile
    torch.testing.assert_close(radial_value(s, torch.exp(-2 * s), *consts), h, rtol=0, atol=0)
