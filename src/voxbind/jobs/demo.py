"""The built-in demonstration: grid a small molecule and report what was done."""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from .._devices import checked_device
from ..grid import GridMaker

# 4-hydroxybenzoic acid, heavy atoms, planar idealised geometry (Å).
DEMO_ATOMS = (
    ("C", 1.390, 0.000, 0.000),
    ("C", 0.695, 1.204, 0.000),
    ("C", -0.695, 1.204, 0.000),
    ("C", -1.390, 0.000, 0.000),
    ("C", -0.695, -1.204, 0.000),
    ("C", 0.695, -1.204, 0.000),
    ("O", 2.750, 0.000, 0.000),
    ("C", -2.870, 0.000, 0.000),
    ("O", -3.485, 1.065, 0.000),
    ("O", -3.525, -1.134, 0.000),
)
DEMO_CHANNELS = ("C", "O")
DEMO_RADII = {"C": 1.9, "O": 1.7}  # AutoDock/GNINA xs radii, Å


@dataclass
class DemoReport:
    atoms: int
    channels: tuple[str, ...]
    shape: tuple[int, ...]
    backend: str
    device: str
    forward_ms: float
    backward_ms: float
    channel_sums: dict[str, float]
    peak: float
    gradient_norm: float


def run_demo(
    resolution: float = 0.5, dimension: float = 23.5, backend: str = "auto", device: str = "cpu"
) -> DemoReport:
    """Grid the demo molecule on ``device``, differentiate a simple loss, and time both steps."""

    target = checked_device(device)
    coords = torch.tensor([a[1:] for a in DEMO_ATOMS], dtype=torch.float32, device=target)
    coords.requires_grad_()
    types = torch.tensor([DEMO_CHANNELS.index(a[0]) for a in DEMO_ATOMS], device=target)
    radii = torch.tensor([DEMO_RADII[a[0]] for a in DEMO_ATOMS], device=target)
    center = coords.detach().mean(0)
    gmaker = GridMaker(resolution, dimension, backend=backend)
    warm = coords.detach().requires_grad_()
    gmaker(center, warm, types, radii, len(DEMO_CHANNELS)).sum().backward()  # compile / warm up

    def now() -> float:  # (a GPU runs asynchronously: wait for it before reading the clock)
        if target.type == "cuda":
            torch.cuda.synchronize(target)
        return time.perf_counter()

    start = now()
    grid = gmaker(center, coords, types, radii, len(DEMO_CHANNELS))
    forward = now() - start
    start = now()
    (grid * grid).sum().backward()
    backward = now() - start
    grid = grid.detach()
    return DemoReport(
        atoms=len(DEMO_ATOMS),
        channels=DEMO_CHANNELS,
        shape=tuple(grid.shape),
        backend=gmaker.backend_for(coords.device),
        device=str(target),
        forward_ms=forward * 1e3,
        backward_ms=backward * 1e3,
        channel_sums={c: float(grid[k].sum()) for k, c in enumerate(DEMO_CHANNELS)},
        peak=float(grid.max()),
        gradient_norm=float(coords.grad.norm()) if coords.grad is not None else 0.0,
    )
