"""How long the ``voxbind`` command takes to answer ``--help`` (the command and each subcommand).

    .venv/bin/python benchmarks/bench_cli.py [--repeats 10] [--baseline SRC]

Each run is a fresh ``python -m voxbind ... --help`` process, timed from start to exit (target: < 0.5 s for
``voxbind --help``). ``--baseline SRC`` times the same commands from another voxbind source tree (its
``src`` folder) in the same run, alternating with this tree.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_grid import machine

HERE = Path(__file__).resolve().parent
COMMANDS = ([], ["grid"], ["score"], ["train"], ["evaluate"])


def seconds(tree: Path, args: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree.resolve())}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "voxbind", *args, "--help"], check=True, env=env, capture_output=True
    )
    return time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--baseline", help="another voxbind source tree (its src folder) to compare with")
    args = parser.parse_args(argv)
    trees = {"this tree": HERE.parent / "src"}
    if args.baseline:
        trees = {"baseline": Path(args.baseline), **trees}
    print(machine())
    for command in COMMANDS:
        times: dict[str, list[float]] = {name: [] for name in trees}
        for _ in range(args.repeats):
            for name, tree in trees.items():
                times[name].append(seconds(tree, command))
        shown = " ".join(["voxbind", *command, "--help"])
        cells = "  ".join(f"{name} {statistics.median(values):6.3f} s" for name, values in times.items())
        print(f"{shown:30} {cells}  (median of {args.repeats})")


if __name__ == "__main__":
    main()
