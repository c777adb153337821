"""The demonstration command grids a molecule and reports it."""

import math

import pytest
import torch
from click.testing import CliRunner

from voxbind.cli import cli
from voxbind.grid.density import DensityProfile, radial_derivatives_in_distance
from voxbind.jobs.demo import DEMO_ATOMS, DEMO_RADII, run_demo

from ..conftest import triton_or_skip


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


def test_demo_runs_the_triton_backend_where_it_can():
    """On a GPU compiled; without one under Triton's interpreter (``tests/conftest.py``)."""
    triton_or_skip()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    args = ["demo", "--dimension", "6.0", "--backend", "triton", "--device", device]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert f"backend        triton on {device}" in result.output
    want = run_demo(0.5, 6.0, "numba")
    lines = result.output.splitlines()
    sums = [float(line.split(":")[1]) for line in lines if line.startswith("density sum")]
    assert sums == pytest.approx(list(want.channel_sums.values()), rel=1e-3)
