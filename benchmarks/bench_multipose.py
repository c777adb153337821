"""Peak memory and time of one training step against pose count for the three multi-pose strategies.

    .venv/bin/python benchmarks/bench_multipose.py [--poses 1 4 16 64]

A Default2018-size model (389,059 parameters) on 28×48³ grids predicts ΔG per pose (its affinity head);
one compound of N poses, Boltzmann combination, squared-error loss, one backward. Each (strategy, N) runs
in a fresh process after a warm-up step; peak memory is the resident-set high-water mark of the step above
the process's memory before it (inputs already allocated), read from /proc after resetting it; glibc
is told to map every block over 64 kB on its own, so that freed tensors leave the resident set. Targets:
recompute's peak at 64 poses <= 1.25x its peak at 1; full grows linearly; split grows by N parameter
copies; recompute's time <= 1.6x full's. Results are recorded in ``RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def _status(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(strategy: str, poses: int) -> dict:
    import torch

    from voxbind.combine import Boltzmann, MultiPoseModel
    from voxbind.models import Default2018

    torch.manual_seed(0)
    model = Default2018()
    multi = MultiPoseModel(model, Boltzmann(), strategy, pose_output=lambda out: -2.302585 * out.affinity)
    grids = torch.rand(1, poses, 28, 48, 48, 48) * 0.2
    warm = torch.rand(1, 1, 28, 48, 48, 48) * 0.2
    ((multi(warm).combined + 15.0) ** 2).sum().backward()
    model.zero_grad(set_to_none=True)
    Path("/proc/self/clear_refs").write_text("5")  # reset the high-water mark
    before = _status("VmRSS:")
    start = time.perf_counter()
    ((multi(grids).combined + 15.0) ** 2).sum().backward()
    seconds = time.perf_counter() - start
    peak = _status("VmHWM:") - before
    return {"strategy": strategy, "poses": poses, "peak_mb": peak, "seconds": seconds}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poses", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one[0], int(args.one[1]))))
        return
    rows = []
    for strategy in ("full", "split", "recompute"):
        for poses in args.poses:
            out = subprocess.run(
                [sys.executable, __file__, "--one", strategy, str(poses)],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"},  # freed tensors leave the RSS
            )
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            r = rows[-1]
            line = (
                f"{r['strategy']:10} {r['poses']:3} poses  peak {r['peak_mb']:8.1f} MB  {r['seconds']:7.2f} s"
            )
            print(line, flush=True)
    peak = {(r["strategy"], r["poses"]): r["peak_mb"] for r in rows}
    seconds = {(r["strategy"], r["poses"]): r["seconds"] for r in rows}
    low, high = min(args.poses), max(args.poses)
    params_mb = 389_059 * 4 / 2**20
    ratio = peak["recompute", high] / peak["recompute", low]
    print(f"recompute peak {high} / {low} poses: {ratio:.2f}x (target <= 1.25x)")
    per_pose = (peak["full", high] - peak["full", low]) / (high - low)
    print(f"full peak per extra pose: {per_pose:.1f} MB")
    growth = peak["split", high] - peak["split", low]
    print(
        f"split growth {low}->{high}: {growth:.1f} MB; (N-1) x parameters = {(high - low) * params_mb:.1f} MB"
    )
    slower = seconds["recompute", high] / seconds["full", high]
    print(f"recompute / full time at {high} poses: {slower:.2f}x (target <= 1.6x)")


if __name__ == "__main__":
    main()
