"""Learning benchmark: Default2018 trained with GNINA's recipe by voxbind and by gnina-torch + libmolgrid on
the same split of ``small.types``, same steps and batch, over several seeds; fine-tuning from GNINA 1.3.

    .venv/bin/python benchmarks/bench_train.py [--steps 500] [--batch-size 16] [--seeds 0,1,2]
        [--oracle-python PATH] [--data DIR] [--models DIR]

``small.types`` (1,000 poses, 60 targets) of the shared gnina test data is split by receptor: 48 targets
train, 12 held out (every 5th target in sorted order). Each seed runs, one after another on the same
machine:

- voxbind from scratch: :class:`~voxbind.train.Trainer` with its defaults, which are GNINA's recipe —
  Xavier-uniform weights and zero biases, SGD (lr 0.01, momentum 0.9, weight decay 0.001), pose NLL plus
  0.1 × pseudo-Huber affinity loss (δ 4), gradient norm clipped at 10, sampling balanced within receptors,
  random rotation and up to 6 Å translation;
- gnina-torch + libmolgrid from scratch with the same recipe (``gninatorch_train_side.py``, oracle venv);
- voxbind fine-tuning GNINA 1.3's ``crossdock_default2018_KD_4`` (``init_from``; SGD at lr 0.001).

Each reports held-out pose ROC AUC and affinity RMSE / Pearson (poses with a known affinity), examples/s
of training after 10 warm-up steps, and the share of a step spent on data (read, type, augment, grid,
collate): timed in the loop for gnina-torch; for voxbind, 20 batches of its loader timed alone against
the mean step. The GNINA 1.3 model before fine-tuning is evaluated once. Results are recorded in
``RESULTS.md``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from _timing import synchronize
from bench_grid import find_oracle, machine, run_side
from small_split import split

from voxbind.train import TrainConfig, Trainer, evaluate_model

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data" / "gnina-testdata"
MODELS = HERE.parent.parent / "shared" / "data" / "gnina-models"
START = "crossdock_default2018_KD_4.pt"
#: Steps run before the timing starts (first reads of the structures, compilation), on both sides.
WARM_UP = 10


def voxbind_run(train: Path, test: Path, root: Path, folder: Path, args, seed: int, **options) -> dict:
    config = TrainConfig(
        train=str(train), test=str(test), data_root=str(root), batch_size=args.batch_size, steps=args.steps,
        seed=seed, eval_every=10**9, checkpoint_every=10**9, output=str(folder / f"run{seed}"),
        device=args.device, workers=args.workers, **options,
    )  # fmt: skip
    trainer = Trainer(config.replace(steps=WARM_UP))
    log = trainer.run(progress=False)  # first reads of the structures, compilation
    trainer.config = config
    start = time.perf_counter()
    log += trainer.run(progress=False)
    synchronize(args.device)
    seconds = time.perf_counter() - start
    metrics = trainer.evaluate(trainer.test_set)
    batches = trainer._batches()
    trainer._grids(next(batches))
    data_start = time.perf_counter()
    for _ in range(20):
        trainer._grids(next(batches))
    synchronize(args.device)  # the gridding queued on a GPU
    data_per_step = (time.perf_counter() - data_start) / 20
    losses = [r["loss"] for r in log]
    return {
        **metrics, "seconds": seconds, "data_seconds": data_per_step * (args.steps - WARM_UP),
        "timed_steps": args.steps - WARM_UP,
        "first_loss": statistics.mean(losses[:20]), "last_loss": statistics.mean(losses[-20:]),
    }  # fmt: skip


def row(name: str, r: dict, batch: int) -> str:
    rate = r["timed_steps"] * batch / r["seconds"]
    share = 100 * r["data_seconds"] / r["seconds"]
    return (
        f"| {name} | {r['first_loss']:.3f} → {r['last_loss']:.3f} | {r['auc']:.3f} | {r['rmse']:.2f} | "
        f"{r['pearson']:.3f} | {rate:.1f} | {share:.1f} % |"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--data", default=str(DATA), help="the gnina-testdata folder")
    parser.add_argument("--models", default=str(MODELS), help="the folder of GNINA 1.3's model files")
    parser.add_argument("--oracle-python", help="the oracle venv's python (molgrid, gninatorch)")
    parser.add_argument("--fine-tune-lr", type=float, default=0.001)
    parser.add_argument("--device", default="cpu", help="where voxbind trains: cpu, cuda, ...")
    parser.add_argument("--no-oracle", action="store_true", help="skip gnina-torch + libmolgrid")
    parser.add_argument("--no-fine-tune", action="store_true", help="skip fine-tuning GNINA 1.3's model")
    parser.add_argument("--workers", type=int, default=0, help="voxbind's DataLoader worker processes")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    oracle = None if args.no_oracle else find_oracle(args.oracle_python)
    start = Path(args.models) / START
    fine_tune = start.is_file() and not args.no_fine_tune
    root = Path(args.data) / "structs"
    rows: dict[str, list[dict]] = {"voxbind": [], "gnina-torch + libmolgrid": [], "voxbind fine-tuned": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        train, test, n_train, n_test = split(Path(args.data) / "small.types", folder)
        print(machine())
        print(f"targets: {n_train} train / {n_test} held out; {args.steps} steps of {args.batch_size}")
        if fine_tune:
            before = evaluate_model(start, test, data_root=root)
            print(f"{START} before fine-tuning: " + ", ".join(f"{k} {v:.3f}" for k, v in before.items()))
        for seed in seeds:
            rows["voxbind"].append(voxbind_run(train, test, root, folder, args, seed))
            print("voxbind", seed, rows["voxbind"][-1], flush=True)
            if oracle is not None:
                inputs = [train, test, root]
                side = run_side(
                    oracle,
                    "gninatorch_train_side.py",
                    inputs,
                    [args.steps, args.batch_size, seed],
                    quiet=True,
                )
                rows["gnina-torch + libmolgrid"].append(side)
                print("gnina-torch", seed, side, flush=True)
            if fine_tune:
                tuned = voxbind_run(
                    train, test, root, folder, args, seed, init_from=str(start), lr=args.fine_tune_lr
                )
                rows["voxbind fine-tuned"].append(tuned)
                print("fine-tuned", seed, tuned, flush=True)
    print()
    print("| run (seed) | train loss (first → last 20 steps) | held-out pose AUC | affinity RMSE | Pearson | "
          "examples/s | data share of a step |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, results in rows.items():
        for seed, r in zip(seeds, results, strict=False):
            print(row(f"{name} ({seed})", r, args.batch_size))
    print()
    for name, results in rows.items():
        if results:
            parts = []
            for key in ("auc", "rmse", "pearson"):
                values = [r[key] for r in results]
                spread = statistics.stdev(values) if len(values) > 1 else 0.0
                parts.append(f"{key} {statistics.mean(values):.3f} ± {spread:.3f}")
            print(f"{name}: mean ± sd over {len(results)} seeds: " + ", ".join(parts))


if __name__ == "__main__":
    main()
