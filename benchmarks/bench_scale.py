"""Opening a 1,000,000-pose dataset and reading 10,000 random examples: time and resident memory.

    .venv/bin/python benchmarks/bench_scale.py [--poses 1000000] [--examples 10000] [--workdir DIR]

Generates (once, into ``--workdir``) a ``.types`` file of ``--poses`` lines over 1,000 receptors with one
distinct ligand per pose, and the two ``.molcache2`` files holding them (receptors of 2,000 atoms,
ligands of 24, GNINA types), as a CrossDocked-style dataset would be. Then, in a fresh process, measures
the time to open ``ComplexDataset`` on them and the resident memory (RSS) above the process baseline
(after imports) while reading ``--examples`` random examples. Targets: open <= 5 s, <= 1 GB above baseline.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RECEPTORS = 1000


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def generate(folder: Path, poses: int) -> None:
    from voxbind.atomtypes import TypedAtoms, write_molcache2
    from voxbind.atomtypes.gnina import GNINA_TYPE_NAMES

    rng = np.random.default_rng(0)
    rec_types = rng.integers(2, 16, 2000)
    rec_coords = rng.uniform(0, 50, (2000, 3)).astype(np.float32)
    lig_types = rng.integers(2, 16, 24)
    radii = np.zeros(2000, np.float32)

    def receptors():
        for k in range(RECEPTORS):
            yield f"rec/{k}_rec.gninatypes", TypedAtoms(rec_coords + k, rec_types, radii, GNINA_TYPE_NAMES)

    def ligands():
        base = rng.uniform(20, 30, (24, 3)).astype(np.float32)
        for j in range(poses):
            coords = base + np.float32(j % 97) * 0.01
            yield (
                f"lig/{j // 20}/{j}_docked.gninatypes",
                TypedAtoms(coords, lig_types, radii[:24], GNINA_TYPE_NAMES),
            )

    write_molcache2(folder / "rec.molcache2", receptors())
    write_molcache2(folder / "lig.molcache2", ligands())
    labels = rng.integers(0, 2, poses)
    with open(folder / "big.types", "w") as handle:
        for j in range(poses):
            handle.write(f"{labels[j]} {6.5 - labels[j]:.2f} 1.5 rec/{j % RECEPTORS}_rec.gninatypes ")
            handle.write(f"lig/{j // 20}/{j}_docked.gninatypes\n")
    (folder / "done").write_text(str(poses))


def measure(folder: Path, examples: int) -> None:
    import torch  # noqa: F401  (part of the baseline, as in any training process)

    from voxbind.data import ComplexDataset

    baseline = _rss_mb()
    start = time.perf_counter()
    dataset = ComplexDataset(
        folder / "big.types", molcaches=[folder / "rec.molcache2", folder / "lig.molcache2"]
    )
    dataset[0]  # the molcache2 indexes are read on first use
    opened = time.perf_counter() - start
    after_open = _rss_mb() - baseline
    rng = np.random.default_rng(1)
    start = time.perf_counter()
    peak = after_open
    for k, i in enumerate(rng.integers(0, len(dataset), examples)):
        dataset[int(i)]
        if k % 500 == 0:
            peak = max(peak, _rss_mb() - baseline)
    read = time.perf_counter() - start
    peak = max(peak, _rss_mb() - baseline)
    print(f"poses                 {len(dataset):,}")
    print(f"open + first example  {opened:8.2f} s      (target <= 5 s)")
    print(f"RSS after that        {after_open:8.0f} MB above baseline")
    print(f"RSS peak, {examples:,} reads {peak:8.0f} MB above baseline (target <= 1024 MB)")
    print(f"random reads          {examples / read:8.0f} examples/s")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poses", type=int, default=1_000_000)
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "voxbind-scale"))
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    folder = Path(args.workdir)
    if args.measure_only:
        measure(folder, args.examples)
        return
    done = folder / "done"
    if not done.exists() or done.read_text() != str(args.poses):
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        generate(folder, args.poses)
        print(f"generated {args.poses:,} poses in {time.perf_counter() - start:.0f} s into {folder}")
    sizes = {p.name: p.stat().st_size / 2**20 for p in folder.iterdir() if p.name != "done"}
    print("files: " + ", ".join(f"{name} {size:.0f} MB" for name, size in sorted(sizes.items())))
    command = [
        sys.executable,
        __file__,
        "--workdir",
        str(folder),
        "--examples",
        str(args.examples),
        "--measure-only",
    ]
    subprocess.run(command, check=True, env={**os.environ, "PYTHONHASHSEED": "0"})


if __name__ == "__main__":
    main()
