"""Gridding benchmark: voxbind against libmolgrid on the same atoms, in one run.

3000 atoms uniform in a 30 Å cube, 28 channels (GNINA's default receptor + ligand radii), 0.5 Å
resolution, 23.5 Å cube (28×48³), float32, grid centered in the cube. Timed (median of repeats):
forward with index and vector (one-hot) types; backward to coordinates, and to coordinates + type
weights; double backward (first backward with ``create_graph=True`` plus the second backward). libmolgrid
runs in its own environment (``--oracle-python``, default ``oracle-venv/bin/python`` beside or above the
repository) and is skipped with a note when that does not exist.

    .venv/bin/python benchmarks/bench_grid.py [--repeats 20] [--backend numba]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from _timing import median_ms

import voxbind

HERE = Path(__file__).resolve().parent
RADII_28 = [1.9, 1.9, 1.9, 1.9, 1.875, 1.8, 1.8, 1.7, 1.7, 2.0, 2.1, 1.2, 1.2, 1.344,
            1.9, 1.9, 1.9, 1.9, 2.1, 1.8, 1.5, 1.8, 1.8, 1.7, 1.7, 2.0, 2.1, 1.303]  # fmt: skip


def make_input(seed: int = 0, atoms: int = 3000, types: int = 28) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = rng.integers(0, types, atoms)
    n = 48
    return {
        "coords": rng.uniform(-15.0, 15.0, (atoms, 3)).astype(np.float32),
        "types": t.astype(np.float32),
        "vectors": np.eye(types, dtype=np.float32)[t],
        "radii": np.asarray(RADII_28, dtype=np.float32)[t],
        "center": np.zeros(3, np.float32),
        "resolution": np.float32(0.5),
        "dimension": np.float32(23.5),
        "upstream": rng.standard_normal((types, n, n, n)).astype(np.float32),
        "grad_coords": rng.standard_normal((atoms, 3)).astype(np.float32),
        "grad_types": rng.standard_normal((atoms, types)).astype(np.float32),
    }


def time_voxbind(data, repeats: int, backend: str) -> dict[str, float]:
    gm = voxbind.GridMaker(0.5, 23.5, backend=backend)
    center = torch.from_numpy(data["center"])
    coords = torch.from_numpy(data["coords"])
    index = torch.from_numpy(data["types"]).long()
    vectors = torch.from_numpy(data["vectors"])
    radii = torch.from_numpy(data["radii"])
    upstream = torch.from_numpy(data["upstream"])
    a = torch.from_numpy(data["grad_coords"])
    b = torch.from_numpy(data["grad_types"])
    T = vectors.shape[1]

    def backward(types, wrt):
        leaves = [t.detach().requires_grad_() for t in wrt]
        c = leaves[0]
        ty = leaves[1] if len(leaves) > 1 else types
        grid = gm(center, c, ty, radii, T)
        start = time.perf_counter()
        torch.autograd.grad(grid, leaves, upstream)
        return time.perf_counter() - start

    def double_backward():
        c = coords.detach().requires_grad_()
        w = vectors.detach().requires_grad_()
        grid = gm(center, c, w, radii)
        start = time.perf_counter()
        gc, gw = torch.autograd.grad(grid, (c, w), upstream, create_graph=True)
        torch.autograd.grad((gc * a).sum() + (gw * b).sum(), (c, w))
        return time.perf_counter() - start

    def median_of(fn):
        fn()
        return 1e3 * float(np.median([fn() for _ in range(repeats)]))

    return {
        "forward_index": median_ms(lambda: gm(center, coords, index, radii, T), repeats),
        "forward_vector": median_ms(lambda: gm(center, coords, vectors, radii), repeats),
        "backward_coords": median_of(lambda: backward(index, [coords])),
        "backward_types": median_of(lambda: backward(vectors, [coords, vectors])),
        "double_backward": median_of(double_backward),
    }


def find_oracle(explicit: str | None) -> Path | None:
    candidates = [Path(explicit)] if explicit else [
        HERE.parent / "oracle-venv" / "bin" / "python",
        HERE.parent.parent / "oracle-venv" / "bin" / "python",
    ]  # fmt: skip
    return next((c for c in candidates if c.exists()), None)


def run_side(oracle: Path, script: str, inputs, extra=(), quiet: bool = False) -> dict:
    """Run ``ORACLE script *inputs OUT.json *extra`` (libmolgrid's half of a benchmark); its JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        command = [str(oracle), str(HERE / script), *map(str, inputs), str(out), *map(str, extra)]
        subprocess.run(command, check=True, stderr=subprocess.DEVNULL if quiet else None)
        return json.loads(out.read_text())


def time_molgrid(data, repeats: int, oracle: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        inp = Path(tmp) / "input.npz"
        np.savez(inp, **data)
        return run_side(oracle, "molgrid_side.py", [inp], [repeats])


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, torch {torch.__version__}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--backend", default="numba")
    parser.add_argument("--oracle-python", default=None)
    args = parser.parse_args(argv)

    data = make_input()
    ours = time_voxbind(data, args.repeats, args.backend)
    oracle = find_oracle(args.oracle_python)
    theirs = time_molgrid(data, max(3, args.repeats // 4), oracle) if oracle else None
    print(f"machine: {machine()}")
    print("3000 atoms in a 30 Å cube, 28×48³ float32; median ms")
    header = f"{'operation':<18}{'voxbind ' + args.backend:>16}"
    print(header + (f"{'libmolgrid':>14}{'speed-up':>11}" if theirs else "  (libmolgrid: no oracle venv)"))
    for key, value in ours.items():
        line = f"{key:<18}{value:>16.2f}"
        if theirs:
            line += f"{theirs[key]:>14.2f}{theirs[key] / value:>10.1f}×"
        print(line)
    ratio = ours["backward_coords"] / ours["forward_index"]
    print(f"coordinate backward / forward (index types), same run: {ratio:.2f}× (target ≤ 1.5×)")


if __name__ == "__main__":
    sys.exit(main())
