"""The training loop: data, model, optimiser, evaluation, logs and exact checkpoint/resume."""

from __future__ import annotations

import csv
import dataclasses
import logging
import os
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from ..data import (
    ComplexDataset,
    ExampleSampler,
    GridCollate,
    RandomTransform,
    balanced_sampler,
    expand_poses,
    read_types,
    receptor_sampler,
)
from ..grid import GridMaker
from ..io import read_molecules
from ..models import create_model
from .config import TrainConfig
from .losses import GninaLoss
from .metrics import evaluate

logger = logging.getLogger("voxbind.train")


class _Skip(torch.utils.data.Sampler):
    """A sampler's epoch without its first ``skip`` indices (resuming in the middle of an epoch)."""

    def __init__(self, sampler, skip: int):
        self.sampler, self.skip = sampler, skip

    def __iter__(self):
        iterator = iter(self.sampler)
        for _ in range(self.skip):
            next(iterator, None)
        return iterator

    def __len__(self) -> int:
        return max(len(self.sampler) - self.skip, 0)


def _distributed() -> tuple[int, int]:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


class StepLog:
    """The values a training step logs, copied off the GPU without waiting for it.

    On a GPU the copy goes to pinned host memory behind the step's work and :meth:`result` waits for
    that copy alone, so the host can queue the next step (its batch, gridding, model) before the values
    are read; reading them at once would stall the host on every step.
    """

    def __init__(self, names, values: torch.Tensor):
        self.names = tuple(names)
        self.event = None
        if values.is_cuda:
            self.values = torch.empty(values.shape, dtype=values.dtype, pin_memory=True)
            self.values.copy_(values, non_blocking=True)
            self.event = torch.cuda.Event()
            self.event.record()
        else:
            self.values = values

    def result(self) -> dict[str, float]:
        """``{name: value}``, once the step has computed them."""
        if self.event is not None:
            self.event.synchronize()
        return dict(zip(self.names, self.values.tolist(), strict=True))


class Trainer:
    """Trains a GNINA-style model on ``.types`` data as configured by :class:`TrainConfig`.

    Under ``torchrun`` (an initialised process group) each rank takes ``batch_size / world_size`` examples
    of every global batch and gradients are averaged, so the run follows the one-process run with the same
    global batch.
    """

    def __init__(self, config: TrainConfig):
        self.config = config
        self.rank, self.world = _distributed()
        if config.batch_size % self.world:
            raise ValueError(f"batch_size {config.batch_size} does not split over {self.world} processes")
        torch.manual_seed(config.seed)
        self.device = torch.device(config.device)
        # Mixed precision on a GPU: bfloat16 where supported (float32's range: no loss scaling, which
        # would wait for the GPU at every step to look for overflows), else float16.
        self.half = None
        if self.device.type == "cuda":
            self.half = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        self.gridmaker = GridMaker(resolution=config.resolution, dimension=config.dimension)
        options = {
            "data_root": config.data_root or None,
            "molcaches": config.molcaches,
            "num_labels": None if config.num_labels < 0 else config.num_labels,
            "group": bool(config.combine) and not config.pose_files,
        }
        self.train_set = self._dataset(config.train, options)
        self.test_set = self._dataset(config.test, options) if config.test else None
        self.transform = RandomTransform(rotate=config.rotate, translate=config.translate, seed=config.seed)
        self.sampler = self._sampler()
        model = create_model(config.model, self.train_set.num_channels, self.gridmaker.geometry.n).to(
            self.device
        )
        self.model = model
        self.net = nn.parallel.DistributedDataParallel(model) if self.world > 1 else model
        if config.optimizer == "sgd":
            self.optimizer = torch.optim.SGD(
                model.parameters(), lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay
            )
        else:
            self.optimizer = torch.optim.Adam(
                model.parameters(), lr=config.lr, weight_decay=config.weight_decay
            )
        step = config.lr_step or 10**12
        self.scheduler = torch.optim.lr_scheduler.StepLR(
            self.optimizer, step_size=step, gamma=config.lr_gamma
        )
        self.loss = GninaLoss(
            config.pose_weight, config.affinity_weight, config.affinity_loss, config.huber_delta
        )
        self.step = 0
        self.epoch = 0
        self.batch_in_epoch = 0
        self.output = Path(config.output)

    def _dataset(self, path: str, options: dict) -> ComplexDataset:
        if not self.config.pose_files:
            return ComplexDataset(path, **options)
        options = {k: v for k, v in options.items() if k != "group"}
        types = read_types(path, num_labels=options.pop("num_labels"), data_root=options["data_root"])
        counts: dict[str, int] = {}

        def count(name: str) -> int:
            if name not in counts:
                counts[name] = len(read_molecules(types.resolve(name)))
            return counts[name]

        return ComplexDataset(expand_poses(types, count), **options)

    def _sampler(self):
        c, labels = self.config, self.train_set.types.labels
        shard = {"seed": c.seed, "num_replicas": self.world, "rank": self.rank}
        if c.sampler == "balanced":
            return balanced_sampler(labels[:, c.pose_column], epoch="at_least_once", **shard)
        if c.sampler == "receptor":
            return receptor_sampler(self.train_set.types.receptors(), epoch="at_least_once", **shard)
        return ExampleSampler(len(self.train_set), **shard)

    def _loader(self, dataset, sampler, transform):
        return torch.utils.data.DataLoader(
            dataset,
            batch_size=self.config.batch_size // self.world,
            sampler=sampler,
            collate_fn=GridCollate(
                self.gridmaker if self.device.type == "cpu" else None, transform, crop_to=self.gridmaker
            ),
            num_workers=self.config.workers,
            pin_memory=self.device.type == "cuda",  # copies to the GPU then wait for nothing
        )

    def _batches(self):
        """Training batches forever, epoch after epoch, starting where a resumed run left off."""
        while True:
            self.sampler.set_epoch(self.epoch)
            self.transform.set_epoch(self.epoch)
            sampler = _Skip(self.sampler, self.batch_in_epoch * (self.config.batch_size // self.world))
            for batch in self._loader(self.train_set, sampler, self.transform):
                self.batch_in_epoch += 1
                yield batch
            self.epoch += 1
            self.batch_in_epoch = 0

    def _grids(self, batch, dtype: torch.dtype | None = None):
        batch = batch.to(self.device, non_blocking=True)
        return batch if batch.grids is not None else batch.gridded(self.gridmaker, dtype=dtype)

    def train_step(self, batch) -> StepLog:
        c = self.config
        self.net.train()
        batch = self._grids(batch, self.half)  # (grids made in the dtype autocast would cast them to)
        with torch.autocast(self.device.type, dtype=self.half, enabled=self.half is not None):
            prediction = self.net(batch.grids)
        parts = self.loss(prediction, batch.labels[:, c.pose_column], batch.labels[:, c.affinity_column])
        return self.update(parts["loss"], parts)

    def update(self, loss: torch.Tensor, parts: dict[str, torch.Tensor]) -> StepLog:
        """One optimiser step on ``loss`` (clipped, scheduled); returns ``parts`` averaged over the ranks
        (the global batch's values, as one process would log them)."""
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        logged = torch.stack([v.detach().float() for v in parts.values()])
        if self.world > 1:
            torch.distributed.all_reduce(logged)
            logged /= self.world
        if self.config.clip_grad > 0:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.config.clip_grad)
        self.optimizer.step()
        self.scheduler.step()
        self.step += 1
        return StepLog(parts, logged)

    @torch.no_grad()
    def evaluate(self, dataset: ComplexDataset) -> dict[str, float]:
        """Metrics of the current model on every example of ``dataset`` (no augmentation)."""
        c = self.config
        self.model.eval()
        loader = self._loader(dataset, ExampleSampler(len(dataset), shuffle=False), None)
        labels, scores, affinities = [], [], []
        for batch in loader:
            batch = self._grids(batch)
            out = self.model(batch.grids)
            labels.append(batch.labels.cpu())
            scores.append(out.pose_probability.float().cpu())
            affinities.append(out.affinity.float().cpu())
        labels = torch.cat(labels).numpy()
        return evaluate(
            labels[:, c.pose_column],
            torch.cat(scores).numpy(),
            labels[:, c.affinity_column],
            torch.cat(affinities).numpy(),
        )

    def state(self) -> dict:
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "step": self.step,
            "epoch": self.epoch,
            "batch_in_epoch": self.batch_in_epoch,
            "config": dataclasses.asdict(self.config),
            "torch_rng": torch.get_rng_state(),
        }

    def save(self, path: str | os.PathLike | None = None) -> Path:
        """Write a checkpoint (atomically); default ``OUTPUT/checkpoint.pt``."""
        path = Path(path) if path is not None else self.output / "checkpoint.pt"
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        torch.save(self.state(), partial)
        os.replace(partial, path)
        return path

    def resume(self, path: str | os.PathLike) -> None:
        """Continue from a checkpoint exactly: model, optimiser, schedule, data position and RNG."""
        state = torch.load(path, map_location=self.device, weights_only=False)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.step, self.epoch, self.batch_in_epoch = state["step"], state["epoch"], state["batch_in_epoch"]
        torch.set_rng_state(state["torch_rng"])

    def run(self, progress: bool = True, max_seconds: float | None = None) -> list[dict[str, float]]:
        """Train until ``config.steps`` (or, with ``max_seconds``, until that much time has passed); returns
        the per-step log, also written to ``OUTPUT/train.csv`` (and to TensorBoard when installed)."""
        c = self.config
        main = self.rank == 0
        if main:
            self.output.mkdir(parents=True, exist_ok=True)
        board = _tensorboard(self.output) if main else None
        log: list[dict[str, float]] = []
        bar = tqdm(total=c.steps, initial=self.step, disable=not (progress and main), unit="step")
        batches = self._batches()
        started = time.perf_counter()
        pending = None  # the last step's log, written once the next step is queued

        def write(record: dict, step_log: StepLog) -> None:
            record.update(step_log.result())
            log.append(record)
            bar.update(1)
            bar.set_postfix(loss=f"{record['loss']:.4f}")
            if main:
                _append_csv(self.output / "train.csv", record)
                _board(board, "train", record)

        while self.step < c.steps and (max_seconds is None or time.perf_counter() - started < max_seconds):
            record = {"step": self.step + 1, "epoch": self.epoch, "lr": self.optimizer.param_groups[0]["lr"]}
            step_log = self.train_step(next(batches))
            if pending is not None:
                write(*pending)
            pending = (record, step_log)
            checkpoint = self.step % c.checkpoint_every == 0 or self.step == c.steps
            test = self.test_set is not None and (self.step % c.eval_every == 0 or self.step == c.steps)
            if checkpoint or test:
                write(*pending)
                pending = None
            if main:
                if checkpoint:
                    self.save()
                if test:
                    metrics = {"step": self.step, **self.evaluate(self.test_set)}
                    _append_csv(self.output / "test.csv", metrics)
                    _board(board, "test", metrics)
                    logger.info(
                        "step %d: %s", self.step, ", ".join(f"{k} {v:.4f}" for k, v in metrics.items())
                    )
        if pending is not None:
            write(*pending)
        bar.close()
        if main:
            if self.step % c.checkpoint_every:  # stopped by the time budget between checkpoints
                self.save()
            plot_learning_curves(self.output)
        if board is not None:
            board.close()
        return log


def _tensorboard(folder: Path):
    """A TensorBoard writer into ``folder/tensorboard`` when the tensorboard package is installed."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        return None
    return SummaryWriter(str(folder / "tensorboard"))


def _board(writer, prefix: str, record: dict) -> None:
    if writer is not None:
        for name, value in record.items():
            if name != "step":
                writer.add_scalar(f"{prefix}/{name}", value, record["step"])


def _append_csv(path: Path, record: dict) -> None:
    new = not path.exists()
    with open(path, "a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(record))
        if new:
            writer.writeheader()
        writer.writerow(record)


def plot_learning_curves(folder: Path) -> None:
    """``learning_curves.png`` from ``train.csv`` (and ``test.csv``), when matplotlib is installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        logger.warning("matplotlib is not installed: no learning-curve plots")
        return
    train = np.genfromtxt(folder / "train.csv", delimiter=",", names=True)
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    axes[0].plot(np.atleast_1d(train["step"]), np.atleast_1d(train["loss"]), label="train loss")
    axes[0].set_xlabel("step")
    axes[0].legend()
    if (folder / "test.csv").exists():
        test = np.genfromtxt(folder / "test.csv", delimiter=",", names=True)
        for name in [n for n in ("auc", "pearson") if n in (test.dtype.names or ())]:
            axes[1].plot(
                np.atleast_1d(test["step"]), np.atleast_1d(test[name]), marker="o", label=f"test {name}"
            )
        axes[1].set_xlabel("step")
        axes[1].legend()
    figure.tight_layout()
    figure.savefig(folder / "learning_curves.png", dpi=100)
    plt.close(figure)
