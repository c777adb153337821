"""The demonstration command grids a molecule and reports it."""

import math

import torch
from click.testing import CliRunner

from voxbind.cli import cli
from voxbind.cli._demo import DEMO_ATOMS, DEMO_RADII, run_demo
from voxbind.grid.density import DensityProfile, radial_derivatives_in_distance


def test_demo_reports_the_grid():
    result = CliRunner().invoke(cli, ["demo", "--dimension", "12.0"])
    assert result.exit_code == 0, result.output
    assert "2 x 25 x 25 x 25" in result.output
    assert "backend        numba" in result.output


def atom_volume(radius):
    """∫ρ dV of one atom (Å³): 4π ∫ d² ρ(d) dd, by the trapezoidal rule on a fine radial grid."""
    d = torch.linspace(0, 1.5 * radius, 200001, dtype=torch.float64)
    rho, _, _ = radial_derivatives_in_distance(d, radius, DensityProfile(1.0))
    return torch.trapezoid(4 * math.pi * d * d * rho, d).item()


def test_demo_density_sums_match_the_integral_of_each_atom():
    report = run_demo(0.5, 16.0, "numba")
    for element, total in report.channel_sums.items():
        count = sum(1 for atom in DEMO_ATOMS if atom[0] == element)
        expected = count * atom_volume(DEMO_RADII[element]) / 0.5**3  # points per Å³
        assert abs(total - expected) / expected < 1e-3
