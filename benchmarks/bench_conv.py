"""Default2018 on one 28×48³ grid on the CPU: torch.nn.Conv3d layers against voxbind's Conv3d.

    .venv/bin/python benchmarks/bench_conv.py [--repeats 10]

PyTorch sends a batch-1 float32 CPU conv3d with small planes to its im2col kernel; voxbind's
:class:`~voxbind.models.Conv3d` sends it to oneDNN. Both models hold the same weights; the script checks
that their outputs agree and reports forward and forward + backward times and their ratio.
Results are recorded in ``RESULTS.md``.
"""

from __future__ import annotations

import argparse
import time

import torch
from torch import nn

from voxbind.models import Conv3d, Default2018


def _with_torch_convs(model: nn.Module) -> nn.Module:
    for name, layer in list(model.named_children()):
        if isinstance(layer, Conv3d):
            plain = nn.Conv3d(layer.in_channels, layer.out_channels, layer.kernel_size, padding=layer.padding)
            plain.load_state_dict(layer.state_dict())
            setattr(model, name, plain)
    return model


def _time(fn, repeats: int) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats * 1000


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    ours = Default2018()
    plain = _with_torch_convs(Default2018())
    plain.load_state_dict(ours.state_dict())
    x = torch.rand(1, 28, 48, 48, 48) * 0.2
    with torch.no_grad():
        gap = (ours(x).affinity - plain(x).affinity).abs().item()
    print(f"affinity difference: {gap:.2e}")
    rows = {}
    for label, model in (("torch.nn.Conv3d", plain), ("voxbind Conv3d", ours)):

        def forward(model=model):
            with torch.no_grad():
                model(x)

        def step(model=model):
            out = model(x)
            (out.affinity.sum() + out.pose_logits.sum()).backward()

        rows[label] = (_time(forward, args.repeats), _time(step, args.repeats))
        print(f"{label:16} forward {rows[label][0]:6.1f} ms   forward+backward {rows[label][1]:6.1f} ms")
    (f0, s0), (f1, s1) = rows.values()
    print(f"speed-up: forward {f0 / f1:.1f}x, forward+backward {s0 / s1:.1f}x")


if __name__ == "__main__":
    main()
