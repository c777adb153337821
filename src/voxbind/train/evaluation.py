"""Evaluating a model on every example (or compound) of a dataset exactly once, however many processes
share the work: one :func:`evaluate` for the training loops and ``voxbind evaluate``."""

from __future__ import annotations

import os
from typing import cast

import numpy as np
import torch
from torch import nn

from .._devices import checked_device
from ..combine import Combination, MultiPoseModel, combination, dg_to_pk, pk_to_dg
from ..data import Batch, ComplexDataset, ExampleSampler, GroupedSampler, grid_loader, on_device, open_dataset
from ..errors import ConfigError, InvalidArgumentError
from ..grid import GridMaker
from ..jobs.model_inputs import has_default_maps
from ..models import input_pool, is_checkpoint, load_model, model_info, predict
from ..models.saved import checkpoint_model
from .checkpoint import load_checkpoint
from .config import TrainConfig
from .metrics import compound_metrics, gnina_metrics
from .processes import gather


def pose_dg(prediction) -> torch.Tensor:
    """ΔG (kT) of each pose from a GNINA model's affinity head (pK)."""
    return pk_to_dg(prediction.affinity)


def compound_targets(batch: Batch, affinity_column: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(B,)`` affinity (pK) of each compound of a grouped batch — the largest ``|affinity label|`` of its
    poses — and whether it has one (a positive value)."""
    labels = batch.grouped(batch.labels[:, affinity_column]).abs()
    labels = torch.where(batch.grouped(batch.mask), labels, 0.0)
    target = labels.max(dim=1).values
    return target, target > 0


def evaluation_sampler(dataset: ComplexDataset, max_poses: int | None = None):
    """Every example of ``dataset`` once, in order — or with ``max_poses``, every group (compound) once,
    as up to ``max_poses`` poses — dealt over the ``torchrun`` ranks without repeats."""
    if max_poses is None:
        return ExampleSampler(len(dataset), shuffle=False, even=False)
    groups = dataset.types.groups
    if groups is None:
        raise InvalidArgumentError(f"{dataset.types.path} has no groups to evaluate per compound")
    return GroupedSampler(groups, max_poses, shuffle=False, even=False)


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: torch.utils.data.DataLoader,
    *,
    gridmaker: GridMaker,
    device: torch.device | str = "cpu",
    pose_column: int = 0,
    affinity_column: int = 1,
    combine: Combination | None = None,
    pool: int = 1,
) -> dict[str, float]:
    """Metrics of ``model`` on the batches of ``loader``, without augmentation.

    Under ``torchrun`` each process evaluates the share its loader's sampler deals it (use
    :func:`evaluation_sampler`: every example once over all ranks) and the predictions are gathered,
    so every process returns the metrics of the whole dataset, equal to one process's.

    Args:
        model: maps ``(B, C, n, n, n)`` grids to a :class:`~voxbind.models.Prediction`; not wrapped in
            ``DistributedDataParallel`` (its forward would wait for the other ranks).
        loader: batches from :func:`~voxbind.data.grid_loader`, gridded here when they are not yet.
        gridmaker: grids batches that come without grids.
        pose_column, affinity_column: label columns.
        combine: for grouped batches, the combination of the poses' ΔG into one per compound.
        pool: grid batches that come without grids average-pooled by this factor (the model's
            ``input_pool``; the loader's ``pool`` must be the same). Not with ``combine``.

    Returns:
        ``{"auc", "balanced_accuracy", "rmse", "pearson", "spearman"}`` per pose, or, with ``combine``,
        ``{"rmse", "pearson", "spearman", "compounds"}`` over compounds with a known affinity.
    """
    model.eval()
    multi = None if combine is None else MultiPoseModel(model, combine, "full", pose_output=pose_dg)
    rows: dict[str, list[np.ndarray]] = {}
    for batch in loader:
        batch = on_device(batch, device, gridmaker, pool=pool)
        if multi is None:
            columns = _pose_columns(model, batch, pose_column, affinity_column)
        else:
            columns = _compound_columns(multi, batch, affinity_column)
        for name, values in columns.items():
            values = values.detach()
            rows.setdefault(name, []).append(
                (values.float() if values.is_floating_point() else values).cpu().numpy()
            )
    merged = _gathered({name: np.concatenate(values) for name, values in rows.items()})
    if multi is None:
        return gnina_metrics(
            merged["pose_label"], merged["score"], merged["affinity_label"], merged["affinity"]
        )
    known = merged["known"].astype(bool)
    return compound_metrics(merged["target"][known], merged["predicted"][known])


def evaluate_model(
    model: str | os.PathLike | nn.Module,
    types_file: str | os.PathLike,
    *,
    data_root: str | os.PathLike | None = None,
    device: torch.device | str = "cpu",
    batch_size: int = 50,
    pose_files: bool | None = None,
    combine: str | None = None,
) -> dict[str, float]:
    """Metrics (see :func:`evaluate`) of ``model`` on the examples of ``types_file``.

    ``pose_files``: each line's last molecule file holds several poses (a docking output); each pose is
    an example with the line's labels (default: as the checkpoint's run, else no). ``combine``: with
    ``pose_files``, one affinity per line from its poses (``"mean"``, ``"max"``, ``"boltzmann"``),
    evaluated per compound.

    ``model`` is anything :func:`~voxbind.models.load_model` takes, or a model it loaded. A ``voxbind
    train`` checkpoint is evaluated as its run did (its grid, label columns, batch size and, for a
    multi-pose run, its combination: per compound); any other model per pose, on its own grid, with
    labels in columns 0 (pose) and 1 (affinity).

    Raises:
        WeightsError: the model cannot be loaded, or its weights do not fit its architecture.
        ConfigError: a model whose channel maps are not GNINA's defaults (the examples are typed so).
        InvalidFileError: malformed ``types_file`` or structures.
    """
    device = checked_device(device)
    root = None if data_root is None else os.fspath(data_root)
    if not isinstance(model, nn.Module) and is_checkpoint(model):
        state = load_checkpoint(model)
        config = TrainConfig.from_mapping(state["config"], str(model)).replace(data_root=root)
        net = checkpoint_model(state, model)
    else:
        net = model if isinstance(model, nn.Module) else load_model(model)
        info = model_info(net)
        if not has_default_maps(info):
            raise ConfigError(f"{info.name}: evaluating types its examples with GNINA's default channels")
        config = TrainConfig(resolution=info.resolution, dimension=info.dimension, batch_size=batch_size)
        config = config.replace(data_root=root)
    if pose_files is not None or combine:
        config = config.replace(pose_files=pose_files, combine=combine)
    gridmaker = GridMaker(resolution=config.resolution, dimension=config.dimension)
    dataset = open_dataset(types_file, **config.dataset_options())
    net.to(device)
    grouped = bool(config.combine)
    pool = 1 if grouped else input_pool(net)
    loader = grid_loader(
        dataset,
        evaluation_sampler(dataset, config.max_poses if grouped else None),
        batch_size=config.batch_size,
        gridmaker=gridmaker,
        device=device,
        workers=config.workers,
        pool=pool,
    )
    return evaluate(
        net,
        loader,
        gridmaker=gridmaker,
        device=device,
        pose_column=config.pose_column,
        affinity_column=config.affinity_column,
        combine=combination(config.combine, config.temperature) if grouped else None,
        pool=pool,
    )


def _pose_columns(model: nn.Module, batch: Batch, pose_column: int, affinity_column: int) -> dict:
    out = predict(model, cast(torch.Tensor, batch.grids), batch.pool > 1)
    return {
        "index": batch.indices,
        "pose_label": batch.labels[:, pose_column],
        "affinity_label": batch.labels[:, affinity_column],
        "score": out.pose_probability,
        "affinity": out.affinity,
    }


def _compound_columns(multi: MultiPoseModel, batch: Batch, affinity_column: int) -> dict:
    target, known = compound_targets(batch, affinity_column)
    mask = batch.grouped(batch.mask)
    predicted = dg_to_pk(multi(batch.grouped(cast(torch.Tensor, batch.grids)), mask).combined)
    first = torch.where(mask, batch.grouped(batch.indices), torch.iinfo(torch.int64).max).min(dim=1).values
    return {"index": first, "target": target, "known": known, "predicted": predicted}


def _gathered(local: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The columns of every rank together, in dataset order (the order one process sees)."""
    parts = [cast(dict[str, np.ndarray], part) for part in gather(local) if part]
    merged = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    order = np.argsort(merged["index"], kind="stable")
    return {name: values[order] for name, values in merged.items()}
