"""Load + type + augment + grid throughput on ``small.types``: voxbind's pipeline against libmolgrid's.

    .venv/bin/python benchmarks/bench_data.py [--batches 40] [--batch-size 16] [--oracle-python PATH]

Both sides read the shared gnina test data's ``small.types`` (1,000 poses of 60 targets, gninatypes),
shuffled, with GNINA's default 14 + 14 channels, a uniform random rotation and a random translation of up
to 2 Å, gridded at 0.5 Å into 28×48³ in batches of 16, molecules cached in memory after their first read.
voxbind runs ``ComplexDataset`` + ``ExampleSampler`` + ``GridCollate`` in a ``DataLoader`` and grids each
batch in the main process into one reused buffer; libmolgrid runs ``ExampleProvider`` + ``GridMaker`` in
its own environment in the same run. Results are recorded in ``RESULTS.md``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from bench_grid import find_oracle, machine, run_side

from voxbind import GridMaker
from voxbind.data import ComplexDataset, ExampleSampler, GridCollate, RandomTransform

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data" / "gnina-testdata"


def voxbind_rate(types: Path, root: Path, batches: int, batch_size: int, workers: int) -> float:
    dataset = ComplexDataset(types, data_root=root)
    gmaker = GridMaker()
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=ExampleSampler(dataset, seed=0, copies=4),
        collate_fn=GridCollate(transform=RandomTransform(translate=2.0, seed=0), crop_to=gmaker),
        num_workers=workers,
        persistent_workers=workers > 0,
    )
    out = torch.empty((batch_size, dataset.num_channels) + (gmaker.geometry.n,) * 3)
    batches_iter = iter(loader)
    for _ in range(2):  # warm-up: compiled kernels, first reads of the files
        next(batches_iter).gridded(gmaker, out=out)
    start = time.perf_counter()
    for _ in range(batches):
        next(batches_iter).gridded(gmaker, out=out)
    return batches * batch_size / (time.perf_counter() - start)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--workers", type=int, default=0, help="DataLoader workers for voxbind")
    parser.add_argument("--oracle-python", default=None)
    parser.add_argument("--data", default=str(DATA), help="the gnina-testdata folder")
    args = parser.parse_args(argv)
    types, root = Path(args.data) / "small.types", Path(args.data) / "structs"
    print(machine())
    mine = voxbind_rate(types, root, args.batches, args.batch_size, args.workers)
    print(f"voxbind     {mine:8.1f} examples/s  ({args.workers} DataLoader workers)")
    oracle = find_oracle(args.oracle_python)
    if oracle is None:
        print("libmolgrid: no oracle venv found")
        return
    theirs = run_side(
        oracle, "molgrid_data_side.py", [types, root], [args.batches, args.batch_size], quiet=True
    )["examples_per_s"]
    print(f"libmolgrid  {theirs:8.1f} examples/s")
    print(f"ratio       {mine / theirs:8.2f}x  (target >= 3x)")


if __name__ == "__main__":
    main()
