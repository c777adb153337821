"""Screening-scale inputs for tests and benchmarks: real docked poses repeated with small random
displacements in one multi-record SDF, and a stand-in model that costs nothing to run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from voxbind import GridMaker
from voxbind.jobs import PoseRefiner, PoseScorer, minimize, rescore
from voxbind.models import Prediction


def sdf_records(path: str | Path) -> list[str]:
    """The records of an SDF file, each ending with ``$$$$``."""
    text = Path(path).read_text()
    return [r + "$$$$\n" for r in text.split("$$$$\n") if r.strip()]


def perturbed(record: str, rng: np.random.Generator, name: str, scale: float = 0.1) -> str:
    """``record`` with every atom moved by up to about ``scale`` Å (normal noise) and titled ``name``."""
    lines = record.split("\n")
    atoms = int(lines[3][0:3])
    noise = rng.normal(0.0, scale, (atoms, 3))
    for k in range(atoms):
        line = lines[4 + k]
        xyz = [float(line[0:10]), float(line[10:20]), float(line[20:30])] + noise[k]
        lines[4 + k] = "".join(f"{v:10.4f}" for v in xyz) + line[30:]
    lines[0] = name
    return "\n".join(lines)


def write_screen(source: str | Path, out: str | Path, count: int, *, seed: int = 0, bad: dict | None = None):
    """Write ``count`` poses (the records of ``source`` in turn, perturbed, named ``ligand-<k % 50>``) to
    ``out``; ``bad`` maps positions (0-based, among all records written) to malformed records put there."""
    records = sdf_records(source)
    rng = np.random.default_rng(seed)
    bad = bad or {}
    with open(out, "w") as handle:
        written = 0
        for k in range(count):
            while written in bad:
                handle.write(bad[written])
                written += 1
            handle.write(perturbed(records[k % len(records)], rng, f"ligand-{k % 50}"))
            written += 1


class ChannelSums(torch.nn.Module):
    """A stand-in for GNINA's CNN with its interface and none of its cost: the pose logits and the
    affinity are fixed linear functions of each grid's channel sums (each pose's scores depend on its own
    grid only, whatever the batch)."""

    def __init__(self, channels: int = 28, seed: int = 0):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.weights = torch.nn.Parameter(torch.randn(channels, 3, generator=generator) * 1e-3)

    def forward(self, grids: torch.Tensor) -> Prediction:
        out = grids.double().sum((2, 3, 4)) @ self.weights.double()
        return Prediction(out[:, :2].float(), out[:, 2].float())


def small_scorer(model: torch.nn.Module | None = None, **options) -> PoseScorer:
    """A :class:`PoseScorer` with :class:`ChannelSums` on a coarse 24³ grid (23 Å at 1 Å): scoring at
    about the cost of reading, typing and batching alone."""
    return PoseScorer(model or ChannelSums(), gridmaker=GridMaker(resolution=1.0, dimension=23.0), **options)


class KilledAfter(torch.nn.Module):
    """A stand-in model (``inner``, by default :class:`ChannelSums`) that kills its own process (SIGKILL:
    no clean-up) on its ``calls``-th call."""

    def __init__(self, calls: int, inner: torch.nn.Module | None = None):
        super().__init__()
        self.calls = calls
        self.inner = inner or ChannelSums()

    def forward(self, grids: torch.Tensor) -> Prediction:
        self.calls -= 1
        if self.calls == 0:
            os.kill(os.getpid(), signal.SIGKILL)
        return self.inner(grids)


class Smooth(torch.nn.Module):
    """A small smooth stand-in CNN (tanh, no ReLU kinks), so that finite differences are meaningful and
    refined poses move."""

    def __init__(self, scale: float = 1.0):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv3d(28, 4, 3)
        self.head = torch.nn.Linear(4, 3)
        with torch.no_grad():
            self.head.weight.mul_(scale)
            self.head.bias.mul_(scale)

    def forward(self, grids):
        features = torch.tanh(self.conv(grids)).mean((2, 3, 4))
        out = self.head(features)
        return Prediction(out[:, :2], out[:, 2])


def small_refiner(calls: int = -1) -> PoseRefiner:
    """A float64 :class:`PoseRefiner` on :class:`Smooth` (killed on its ``calls``-th call) and a coarse 15³
    grid, 5 steps per pose."""
    model = KilledAfter(calls, Smooth(scale=20.0).double())
    grid = GridMaker(resolution=1.0, dimension=15.0)
    return PoseRefiner(model, gridmaker=grid, steps=5, dtype=torch.float64)


def minimize_killed(receptor: str, poses: str, output: str, calls: int) -> None:
    """Refine ``poses`` into ``output`` in this process, 4 at a time, killed on the ``calls``-th call."""
    minimize([(receptor, poses)], output, small_refiner(calls), batch_size=4)


def run_killed(receptor: str, poses: str, output: str, calls: int) -> None:
    """Rescore ``poses`` into ``output`` in this process, killed on the ``calls``-th batch."""
    rescore([(receptor, poses)], [output], small_scorer(KilledAfter(calls)), batch_size=8)


TORCHRUN = os.path.join(os.path.dirname(sys.executable), "torchrun")
needs_torchrun = pytest.mark.skipif(not os.path.exists(TORCHRUN), reason="no torchrun beside this Python")


def run_once_and_under_torchrun(command: list[str], folder: Path) -> str:
    """Run ``voxbind *command -o one.sdf`` in one process and ``-o two.sdf`` under ``torchrun
    --nproc_per_node=2`` in ``folder``; both must succeed. Returns the torchrun run's standard output."""
    for launcher, name in (
        ([sys.executable], "one.sdf"),
        ([TORCHRUN, "--standalone", "--nproc_per_node=2"], "two.sdf"),
    ):
        done = subprocess.run(
            [*launcher, "-m", "voxbind", *command, "-o", str(folder / name)],
            capture_output=True, text=True, cwd=folder,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    return done.stdout
