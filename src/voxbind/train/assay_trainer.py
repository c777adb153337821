"""Training on measured potencies of compounds with several poses each (``voxbind train`` with
``assay_table``): the per-pose ΔG of a GNINA-style network (or of the delta strategy's three) combined
into one ΔG per compound, read out as pKi or pIC50, fitted with the assay losses."""

from __future__ import annotations

import csv
import logging
import math
import os
from pathlib import Path

import numpy as np
import torch

from .._devices import checked_device
from ..atomtypes import default_ligand_typer, default_receptor_typer
from ..combine import DeltaModel, MultiPoseModel, Readout, combination
from ..data import ExampleSampler, RandomTransform, grid_loader, on_device
from ..data.assay import AssayColumns, AssayDataset, read_assay_table, split_compounds
from ..errors import InvalidArgumentError
from ..grid import GridMaker
from ..models import create_model
from ..models.gnina_weights import check_state_dict
from .assay_losses import AssayLoss
from .checkpoint import load_checkpoint
from .config import TrainConfig
from .evaluation import pose_dg
from .fine_tune import starting_weights
from .metrics import compound_metrics
from .optim import make_optimizer, make_scheduler
from .processes import rank_and_world
from .trainer import StepLog, Trainer

logger = logging.getLogger("voxbind.train")

#: Columns of ``predictions.csv``.
PREDICTION_COLUMNS = ("compound", "split", "qualifier", "measured", "predicted", "pose_dG", "pose_weights")


class AssayTrainer(Trainer):
    """Trains one affinity per compound from its poses on an assay table (see :class:`TrainConfig`'s
    assay options and :mod:`voxbind.data.assay`).

    The table's compounds are split into training, validation and test sets (``split``); the validation
    set is evaluated every ``eval_every`` steps (its loss, and RMSE, Pearson and Spearman over exact
    measurements) and drives early stopping. At the end, ``predictions.csv`` holds every validation and
    test compound's prediction with its poses' ΔG and weights, and ``parity.png`` plots them. Runs in one
    process; resumes exactly from its checkpoints.
    """

    def __init__(self, config: TrainConfig):
        initial = None
        if config.init_from:
            initial, config = starting_weights(config)
        if not config.combine:
            config = config.replace(combine="boltzmann")
        self.config = config
        self.rank, self.world = rank_and_world()
        if self.world > 1:
            raise InvalidArgumentError("assay training runs in one process (not under torchrun)")
        torch.manual_seed(config.seed)
        self.device = checked_device(config.device)
        self.half = None
        self.gridmaker = GridMaker(resolution=config.resolution, dimension=config.dimension)
        columns = AssayColumns(
            *(getattr(config, f"{name}_column") for name in AssayColumns.__dataclass_fields__)
        )
        self.compounds = read_assay_table(config.assay_table, config.poses, columns)
        self.splits = split_compounds(
            self.compounds, config.split, config.valid_fraction, config.test_fraction, config.seed
        )
        if not self.splits["train"]:
            raise InvalidArgumentError("the split leaves no compound to train on")
        receptor_typer, ligand_typer = default_receptor_typer(), default_ligand_typer()
        everything = AssayDataset(
            self.compounds, config.receptor or None, receptor_typer, ligand_typer, config.max_poses,
            config.rmsd_tag, config.good_rmsd,
        )  # fmt: skip
        self.sets = {name: _Subset(everything, indices) for name, indices in self.splits.items()}
        self.train_set = self.sets["train"]
        self.test_set = self.sets["valid"] if self.splits["valid"] else None  # evaluated during training
        self.transform = RandomTransform(rotate=config.rotate, translate=config.translate, seed=config.seed)
        self.sampler = ExampleSampler(len(self.train_set), seed=config.seed, num_replicas=1, rank=0)
        channels, n = everything.num_channels, self.gridmaker.geometry.n
        networks = [create_model(config.model, channels, n)]
        if initial is not None:
            check_state_dict(networks[0], initial, config.init_from)
            networks[0].load_state_dict(initial)
        if config.energy_model == "complex":
            self.model = networks[0]
            pose_output = pose_dg
        else:
            if config.energy_model == "delta_separate":
                networks += [create_model(config.model, channels, n) for _ in range(2)]
            others = networks[1:] if len(networks) == 3 else [None, None]
            self.model = DeltaModel(
                networks[0], receptor_typer.num_channels, others[0], others[1], output=pose_dg
            )
            pose_output = None
        self.model = self.model.to(self.device)
        self.net = self.model
        self.pool = 1  # poses go through MultiPoseModel (and DeltaModel's channel masks) on plain grids
        combined = combination(config.combine, config.temperature)
        self.combination = combined
        self.multi = MultiPoseModel(self.model, combined, config.strategy, pose_output=pose_output)
        self.readout = Readout(config.readout)
        self.loss = AssayLoss(
            config.loss_mse, config.loss_nll, config.loss_range, config.loss_pose, config.range_low,
            config.range_high,
        )  # fmt: skip
        self.optimizer = make_optimizer(config, self.model.parameters())
        self.scheduler = make_scheduler(config, self.optimizer)
        self.step = self.epoch = self.batch_in_epoch = 0
        self.output = Path(config.output)
        self.best, self.bad_evals = None, 0

    def _sampler(self):
        return self.sampler

    def _outputs(self, batch):
        """The batch's compound labels and the model's combined and per-pose ΔG and readouts."""
        grids, mask = batch.grouped(batch.grids), batch.grouped(batch.mask)
        labels = batch.grouped(batch.labels)
        first = labels[:, 0]  # every compound's first pose is real
        out = self.multi(grids, mask)
        substrate, km = first[:, 3], first[:, 4]
        predicted = self.readout(out.combined, substrate, km)
        per_pose = self.readout(out.per_pose, substrate[:, None], km[:, None])
        return first, mask, labels[..., 5] > 0.5, out, predicted, per_pose

    @property
    def evaluation_metrics(self) -> tuple[str, ...]:
        return ("loss", "rmse", "pearson", "spearman", "compounds")

    def train_step(self, batch) -> StepLog:
        self.model.train()
        first, mask, good, out, predicted, per_pose = self._outputs(self._grids(batch))
        total, parts = self.loss(
            predicted, first[:, 0], first[:, 1], first[:, 2], per_pose, mask, out.per_pose, good
        )
        return self.update(total, {"loss": total, **parts})

    @torch.no_grad()
    def evaluate(self, dataset) -> dict[str, float]:
        """The loss on ``dataset`` (each compound once, no augmentation) and RMSE, Pearson and Spearman of
        the readout over its exact measurements."""
        rows = self.predictions(dataset)
        exact = [r for r in rows if r["qualifier"] == "=" and math.isfinite(r["measured"])]
        metrics = {"loss": float(np.mean([r["loss"] for r in rows]))}
        if len(exact) >= 2:
            metrics.update(
                compound_metrics(
                    np.array([r["measured"] for r in exact]), np.array([r["predicted"] for r in exact])
                )
            )
        return metrics

    @torch.no_grad()
    def predictions(self, dataset, name: str = "") -> list[dict]:
        """One row per compound of ``dataset``: measured and predicted values, the loss, and every pose's
        ΔG (kT) with its weight in the combination (``∂ΔG/∂ΔG_n``: which pose the model believes)."""
        self.model.eval()
        loader = grid_loader(
            dataset, ExampleSampler(len(dataset), shuffle=False, even=False),
            batch_size=self.config.batch_size, gridmaker=self.gridmaker, device=self.device,
        )  # fmt: skip
        rows, position = [], 0
        for batch in loader:
            batch = on_device(batch, self.device, self.gridmaker)
            first, mask, good, out, predicted, per_pose = self._outputs(batch)
            weights = self.multi.combination.weights(out.per_pose, mask)
            for b in range(predicted.shape[0]):
                compound = dataset.compound(position)
                position += 1
                args = (first[b : b + 1, k] for k in range(3))
                one = (predicted[b : b + 1], *args, per_pose[b : b + 1], mask[b : b + 1])
                loss, _ = self.loss(*one, out.per_pose[b : b + 1], good[b : b + 1])
                real = mask[b]
                rows.append(
                    {
                        "compound": compound.id,
                        "split": name,
                        "qualifier": compound.qualifier,
                        "measured": compound.value,
                        "predicted": float(predicted[b]),
                        "loss": float(loss),
                        "pose_dG": out.per_pose[b][real].tolist(),
                        "pose_weights": weights[b][real].tolist(),
                    }
                )
        return rows

    def run(self, progress: bool = True, max_seconds: float | None = None) -> list[dict[str, float]]:
        log = super().run(progress, max_seconds)
        if self.step >= self.config.steps or self.stopped_early:
            self.write_results()
        return log

    def write_results(self) -> Path:
        """``predictions.csv`` of the validation and test compounds (with the best model when early
        stopping kept one) and ``parity.png``; returns the CSV's path."""
        best = self.output / "best.pt"
        if best.exists():
            self.model.load_state_dict(load_checkpoint(best, map_location=self.device)["model"])
        rows = [r for name in ("valid", "test") for r in self.predictions(self.sets[name], name)]
        self.output.mkdir(parents=True, exist_ok=True)
        path = self.output / "predictions.csv"
        temporary = path.with_suffix(".tmp")
        with open(temporary, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(PREDICTION_COLUMNS)
            for r in rows:
                poses = (" ".join(f"{v:.4f}" for v in r[k]) for k in ("pose_dG", "pose_weights"))
                writer.writerow(
                    [
                        r["compound"],
                        r["split"],
                        r["qualifier"],
                        r["measured"],
                        f"{r['predicted']:.4f}",
                        *poses,
                    ]
                )
        os.replace(temporary, path)
        parity_plot(rows, self.output / "parity.png", self.config.readout)
        return path


class _Subset(torch.utils.data.Dataset):
    """Some compounds of an :class:`AssayDataset` (sharing its typed receptors and poses)."""

    def __init__(self, dataset: AssayDataset, indices: list[int]):
        self.dataset, self.indices = dataset, list(indices)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int):
        return self.dataset[self.indices[i]]

    def compound(self, i: int):
        return self.dataset.compounds[self.indices[i]]


def parity_plot(rows: list[dict], path: Path, readout: str) -> Path | None:
    """Predicted against measured values, one colour per split; censored measurements drawn as
    triangles pointing where the true value lies (``<``: down, ``>``: up). Needs matplotlib (the docs
    extra); without it nothing is drawn and ``None`` is returned."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError:
        logger.warning("no parity plot: it needs matplotlib (pip install 'voxbind[docs]')")
        return None
    unit = {"pki": "pKi", "pic50": "pIC50"}[readout]
    figure, axes = pyplot.subplots(figsize=(4.5, 4.5))
    markers = {"=": "o", "<": "v", ">": "^"}
    colours = {"valid": "tab:blue", "test": "tab:orange"}
    for split, colour in colours.items():
        for qualifier, marker in markers.items():
            chosen = [r for r in rows if r["split"] == split and r["qualifier"] == qualifier]
            if chosen:
                label = split + ("" if qualifier == "=" else f" ({qualifier}, censored)")
                axes.scatter(
                    [r["measured"] for r in chosen], [r["predicted"] for r in chosen],
                    marker=marker, color=colour, label=label, alpha=0.8,
                )  # fmt: skip
    values = [v for r in rows for v in (r["measured"], r["predicted"]) if math.isfinite(v)]
    if values:
        low, high = min(values) - 0.5, max(values) + 0.5
        axes.plot([low, high], [low, high], color="grey", linewidth=1)
        axes.set_xlim(low, high)
        axes.set_ylim(low, high)
    axes.set_xlabel(f"measured {unit}")
    axes.set_ylabel(f"predicted {unit}")
    axes.legend(fontsize=8)
    figure.tight_layout()
    temporary = path.with_name(f".{path.name}.tmp.png")
    figure.savefig(temporary, dpi=120)
    pyplot.close(figure)
    os.replace(temporary, path)
    return path
