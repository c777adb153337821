"""The training loop: data, model, optimiser, evaluation, logs and exact checkpoint/resume."""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm import tqdm

from .._devices import checked_device
from ..combine import Combination
from ..data import (
    ExampleSampler,
    RandomTransform,
    balanced_receptor_sampler,
    balanced_sampler,
    grid_loader,
    on_device,
    open_dataset,
    receptor_sampler,
)
from ..errors import ConfigError, InvalidArgumentError, WeightsError
from ..grid import GridMaker
from ..models import create_model, input_pool, predict
from ..models.gnina_weights import check_state_dict
from .checkpoint import load_checkpoint, save_checkpoint
from .config import TrainConfig
from .evaluation import evaluate, evaluation_sampler
from .fine_tune import starting_weights
from .logs import RunLog
from .losses import GninaLoss
from .optim import make_optimizer, make_scheduler
from .processes import rank_and_world

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
            self.event.record(torch.cuda.current_stream(values.device))  # the copy's GPU, not the default one
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

    train_set: Any  # a dataset of examples (or of compounds' poses)
    test_set: Any
    combination: Combination | None
    loss: nn.Module

    def __init__(self, config: TrainConfig):
        initial = None
        if config.init_from:  # the architecture and grid are the starting model's
            initial, config = starting_weights(config)
        self.config = config
        self.rank, self.world = rank_and_world()
        if config.batch_size % self.world:
            raise InvalidArgumentError(
                f"batch_size {config.batch_size} does not split over {self.world} processes"
            )
        torch.manual_seed(config.seed)
        self.device = checked_device(config.device)
        # Mixed precision on a GPU: bfloat16 where supported (float32's range: no loss scaling, which
        # would wait for the GPU at every step to look for overflows), else float16.
        self.half = None
        if self.device.type == "cuda":
            self.half = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        self.gridmaker = GridMaker(resolution=config.resolution, dimension=config.dimension)
        self.train_set = open_dataset(config.train, **config.dataset_options())
        self.test_set = open_dataset(config.test, **config.dataset_options()) if config.test else None
        for dataset in (self.train_set, self.test_set):  # (only the .types files are read so far)
            if dataset is not None:
                config.check_labels(dataset.types.num_labels, dataset.types.path)
        self.transform = RandomTransform(rotate=config.rotate, translate=config.translate, seed=config.seed)
        self.sampler = self._sampler()
        model = create_model(config.model, self.train_set.num_channels, self.gridmaker.geometry.n)
        if initial is not None:  # the published weights in a model built as any other (logits out)
            check_state_dict(model, initial, config.init_from)
            model.load_state_dict(initial)
        self.model = model.to(self.device)
        self.net = nn.parallel.DistributedDataParallel(self.model) if self.world > 1 else self.model
        # A model that pools its input first (Default2018) takes grids made pooled: a quarter of the
        # gridding, and no pooling layer to run forward and back.
        self.pool = input_pool(self.model)
        self.optimizer = make_optimizer(config, self.model.parameters())
        self.scheduler = make_scheduler(config, self.optimizer)
        self.loss = GninaLoss(
            config.pose_weight, config.affinity_weight, config.affinity_loss, config.huber_delta
        )
        self.combination = None  # one affinity per compound from several poses: MultiPoseTrainer
        self.step = 0
        self.epoch = 0
        self.batch_in_epoch = 0
        self.output = Path(config.output)
        self.best: float | None = None  # the best evaluation of stop_metric so far
        self.bad_evals = 0  # evaluations since it last improved

    def _sampler(self):
        c, labels = self.config, self.train_set.types.labels
        shard = {"seed": c.seed, "num_replicas": self.world, "rank": self.rank}
        if c.sampler == "balanced":
            return balanced_sampler(labels[:, c.pose_column], epoch="at_least_once", **shard)
        if c.sampler == "receptor":
            return receptor_sampler(self.train_set.types.receptors(), epoch="at_least_once", **shard)
        if c.sampler == "balanced_receptor":
            receptors = self.train_set.types.receptors()
            return balanced_receptor_sampler(
                receptors, labels[:, c.pose_column], epoch="at_least_once", **shard
            )
        return ExampleSampler(len(self.train_set), **shard)

    def _loader(self, dataset, sampler, transform=None):
        return grid_loader(
            dataset,
            sampler,
            batch_size=self.config.batch_size // self.world,
            gridmaker=self.gridmaker,
            device=self.device,
            transform=transform,
            workers=self.config.workers,
            pool=self.pool,
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
        return on_device(batch, self.device, self.gridmaker, dtype, self.pool)

    def _autocast(self):
        """Mixed precision on a GPU (see ``half``), nothing on a CPU."""
        return torch.autocast(self.device.type, dtype=self.half, enabled=self.half is not None)

    def train_step(self, batch) -> StepLog:
        c = self.config
        self.net.train()
        batch = self._grids(batch, self.half)  # (grids made in the dtype autocast would cast them to)
        with self._autocast():
            prediction = predict(self.net, batch.grids, batch.pool > 1)
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

    def evaluate(self, dataset) -> dict[str, float]:
        """Metrics of the current model on every example of ``dataset`` (no augmentation): per pose, or per
        compound for multi-pose training (see :func:`~voxbind.train.evaluate`). Under ``torchrun`` every
        rank must call it: each evaluates its share, and all return the whole set's metrics."""
        c = self.config
        grouped = self.combination is not None
        loader = self._loader(dataset, evaluation_sampler(dataset, c.max_poses if grouped else None))
        return evaluate(
            self.model,
            loader,
            gridmaker=self.gridmaker,
            device=self.device,
            pose_column=c.pose_column,
            affinity_column=c.affinity_column,
            combine=self.combination,
            pool=self.pool,
        )

    @property
    def evaluation_metrics(self) -> tuple[str, ...]:
        """The metrics :meth:`evaluate` gives (one of them is ``stop_metric``)."""
        if self.combination is not None:
            return ("rmse", "pearson", "spearman", "compounds")
        return ("auc", "balanced_accuracy", "rmse", "pearson", "spearman")

    @property
    def stopped_early(self) -> bool:
        """Whether ``patience`` evaluations in a row have not improved on the best."""
        return 0 < self.config.patience <= self.bad_evals

    def _improved(self, metrics: dict[str, float]) -> bool:
        """Whether ``metrics`` improve on the best ``stop_metric`` so far (then it becomes the best);
        counts the evaluations without improvement for early stopping.

        Raises:
            ConfigError: early stopping on a metric the evaluation does not give.
        """
        name = self.config.stop_metric
        if name not in metrics:
            if self.config.patience:
                known = ", ".join(k for k in metrics if k != "step")
                raise ConfigError(f"stop_metric {name!r} is not a metric of this evaluation ({known})")
            return False
        value, lower = float(metrics[name]), name in ("loss", "rmse")
        if self.best is None or (value < self.best if lower else value > self.best):
            self.best, self.bad_evals = value, 0
            return True
        self.bad_evals += 1
        return False

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
            "best": self.best,
            "bad_evals": self.bad_evals,
        }

    def save(self, path: str | os.PathLike | None = None) -> Path:
        """Write a checkpoint (atomically); default ``OUTPUT/checkpoint.pt``."""
        return save_checkpoint(path if path is not None else self.output / "checkpoint.pt", self.state())

    def resume(self, path: str | os.PathLike) -> None:
        """Continue from a checkpoint exactly: model, optimiser, schedule, data position and RNG.

        Raises:
            WeightsError: the file is not a training checkpoint, or it was saved by a run whose model,
                optimiser or grid differ from this one's.
        """
        state = load_checkpoint(path, map_location=self.device)
        missing = sorted(
            {"optimizer", "scheduler", "step", "epoch", "batch_in_epoch", "torch_rng"} - set(state)
        )
        if missing:
            raise WeightsError(f"{path}: not a training checkpoint (no {', '.join(missing)})")
        saved = state["config"] if isinstance(state["config"], dict) else {}
        for name in ("model", "optimizer", "resolution", "dimension", "combine"):
            if saved.get(name) != getattr(self.config, name):
                raise WeightsError(
                    f"{path}: saved by a run with {name} = {saved.get(name)!r}; this run has "
                    f"{getattr(self.config, name)!r}"
                )
        check_state_dict(self.model, state["model"], str(path))
        try:
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            self.scheduler.load_state_dict(state["scheduler"])
            torch.set_rng_state(state["torch_rng"])
            self.step, self.epoch = int(state["step"]), int(state["epoch"])
            self.batch_in_epoch = int(state["batch_in_epoch"])
            best = state.get("best")
            self.best = None if best is None else float(best)
            self.bad_evals = int(state.get("bad_evals", 0))
        except (KeyError, TypeError, ValueError, RuntimeError) as err:
            raise WeightsError(f"{path}: the training state does not fit this run ({err})") from err

    def run(self, progress: bool = True, max_seconds: float | None = None) -> list[dict[str, float]]:
        """Train until ``config.steps`` (or, with ``max_seconds``, until that much time has passed); returns
        the per-step log of this call, also written to ``OUTPUT/train.csv`` (and to TensorBoard when
        installed). A resumed run's files keep the records up to its checkpoint and go on from there."""
        c = self.config
        if c.patience and self.test_set is not None and c.stop_metric not in self.evaluation_metrics:
            known = ", ".join(self.evaluation_metrics)
            raise ConfigError(f"stop_metric {c.stop_metric!r} is not a metric of this evaluation ({known})")
        main = self.rank == 0
        run_log = RunLog(self.output, enabled=main, start_step=self.step)
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
            run_log.write("train", record)

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
            stop = False
            if test:  # every rank evaluates its share
                metrics = {"step": self.step, **self.evaluate(self.test_set)}
                run_log.write("test", metrics)
                if main:
                    logger.info(
                        "step %d: %s", self.step, ", ".join(f"{k} {v:.4f}" for k, v in metrics.items())
                    )
                if self._improved(metrics) and main:
                    self.save(self.output / "best.pt")
                stop = self.stopped_early
                if stop and main:
                    logger.info(
                        "step %d: no better %s in %d evaluations (best %.4f): stopping early",
                        self.step, c.stop_metric, c.patience, self.best,
                    )  # fmt: skip
            if (checkpoint or stop) and main:
                run_log.flush()  # the logs first: a checkpoint never runs ahead of them
                self.save()
            if stop:
                break
        if pending is not None:
            write(*pending)
        bar.close()
        if main and self.step % c.checkpoint_every:  # stopped by the time budget between checkpoints
            run_log.flush()
            self.save()
        run_log.close()
        return log
