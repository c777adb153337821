"""Train Default2018 on ``small.types`` split by target, for a bounded CPU budget; report held-out metrics.

    .venv/bin/python benchmarks/bench_train.py [--minutes 8] [--batch-size 16] [--data DIR]

``small.types`` (1,000 poses, 60 targets) of the shared gnina test data is split by receptor: 48 targets
train, 12 held out (every 5th target in sorted order). Default2018 with Adam (lr 0.001; GNINA's SGD
settings left this small network dead within the first hundred steps here), gradient clipping at 10,
balanced sampling, random rotation and 6 Å translation, trained until the time budget is spent; then
pose ROC AUC, balanced accuracy and affinity RMSE / Pearson / Spearman on the held-out targets. Results
are recorded in ``RESULTS.md``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench_grid import machine

from voxbind.train import TrainConfig, Trainer

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data" / "gnina-testdata"


def split(types: Path, folder: Path) -> tuple[Path, Path, int, int]:
    lines = [line for line in types.read_text().splitlines() if line.strip()]
    targets = sorted({line.split()[3].split("/")[0] for line in lines})
    held_out = set(targets[4::5])
    train = [line for line in lines if line.split()[3].split("/")[0] not in held_out]
    test = [line for line in lines if line.split()[3].split("/")[0] in held_out]
    (folder / "train.types").write_text("\n".join(train) + "\n")
    (folder / "test.types").write_text("\n".join(test) + "\n")
    return folder / "train.types", folder / "test.types", len(targets) - len(held_out), len(held_out)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=8.0)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--optimizer", default="adam", choices=["adam", "sgd"])
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--data", default=str(DATA), help="the gnina-testdata folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        train, test, n_train, n_test = split(Path(args.data) / "small.types", Path(folder))
        config = TrainConfig(
            train=str(train),
            test=str(test),
            data_root=str(Path(args.data) / "structs"),
            batch_size=args.batch_size,
            optimizer=args.optimizer,
            lr=args.lr,
            weight_decay=0.001 if args.optimizer == "sgd" else 0.0,
            eval_every=10**9,
            steps=10**9,
            output=str(Path(folder) / "run"),
        )
        trainer = Trainer(config)
        start = time.perf_counter()
        losses = [record["loss"] for record in trainer.run(progress=False, max_seconds=60 * args.minutes)]
        seconds = time.perf_counter() - start
        metrics = trainer.evaluate(trainer.test_set)
    print(machine())
    poses = f"{len(trainer.train_set)} / {len(trainer.test_set)}"
    print(f"targets: {n_train} train / {n_test} held out; poses {poses}")
    epochs = f"{trainer.epoch} epochs"
    print(f"trained {trainer.step} steps of {args.batch_size} ({epochs}) in {seconds / 60:.1f} min")
    print(
        f"train loss: first 20 steps {sum(losses[:20]) / 20:.3f}, last 20 steps {sum(losses[-20:]) / 20:.3f}"
    )
    for name, value in metrics.items():
        print(f"held-out {name:18} {value:.3f}")


if __name__ == "__main__":
    main()
