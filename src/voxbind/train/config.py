"""Training options: one dataclass, read from TOML or YAML and overridable field by field."""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._choices import (
    AFFINITY_LOSSES,
    ARCHITECTURES,
    COMBINATIONS,
    ENERGY_MODELS,
    OPTIMIZERS,
    READOUTS,
    SAMPLERS,
    SPLITS,
    STRATEGIES,
)
from ..errors import ConfigError

#: The most grid points per side a training configuration may ask for (28 channels of 256³ are 1.9 GB).
MAX_POINTS = 256


@dataclass
class TrainConfig:
    """Every option of ``voxbind train`` (defaults: GNINA's). Each option's meaning is one line of
    :data:`voxbind.train.config_help.OPTION_HELP`, which ``voxbind train --options`` prints with the
    values in force; a test keeps the two in step.

    Why the defaults: GNINA's loss is the pose NLL plus 0.1 × the pseudo-Huber affinity loss (δ = 4 pK).
    GNINA's models scale the affinity term's gradient by 0.1; at 1.0 the affinity error of a fresh network
    (about 6 pK) dominates the clipped gradient and SGD's first steps leave its ReLUs dead. Sampling is
    GNINA's ``balanced_receptor``: every receptor equally often, both classes within it. With
    ``assay_table`` set, the run trains on measured potencies (:mod:`voxbind.data.assay`,
    ``docs/assay-training.md``); ``combine`` then defaults to ``boltzmann`` and ``batch_size`` counts
    compounds.
    """

    train: str = ""
    test: str = ""
    data_root: str = ""
    molcaches: list[str] = field(default_factory=list)
    num_labels: int = -1
    pose_column: int = 0
    affinity_column: int = 1
    sampler: str = "balanced_receptor"
    batch_size: int = 50
    rotate: bool = True
    translate: float = 6.0
    resolution: float = 0.5
    dimension: float = 23.5
    model: str = "default2018"
    init_from: str = ""
    pose_weight: float = 1.0
    affinity_weight: float = 0.1
    affinity_loss: str = "huber"
    huber_delta: float = 4.0
    optimizer: str = "sgd"
    lr: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 0.001
    lr_step: int = 0
    lr_gamma: float = 0.1
    clip_grad: float = 10.0
    steps: int = 1000
    seed: int = 0
    eval_every: int = 100
    checkpoint_every: int = 100
    output: str = "voxbind-run"
    device: str = "cpu"
    workers: int = 0
    combine: str = ""
    temperature: float = 1.0
    max_poses: int = 16
    pose_files: bool = False
    strategy: str = "auto"
    patience: int = 0
    stop_metric: str = "loss"
    assay_table: str = ""
    poses: str = ""
    receptor: str = ""
    compound_column: str = "compound"
    value_column: str = "value"
    qualifier_column: str = "qualifier"
    stderr_column: str = "stderr"
    substrate_column: str = "substrate"
    km_column: str = "km"
    date_column: str = "date"
    split_column: str = "split"
    smiles_column: str = "smiles"
    receptor_column: str = "receptor"
    readout: str = "pki"
    energy_model: str = "complex"
    loss_mse: float = 1.0
    loss_nll: float = 0.0
    loss_range: float = 0.0
    loss_pose: float = 0.0
    range_low: float = 0.0
    range_high: float = 15.0
    rmsd_tag: str = ""
    good_rmsd: float = 2.0
    split: str = "random"
    valid_fraction: float = 0.1
    test_fraction: float = 0.1

    def __post_init__(self) -> None:
        choices = {
            "model": ARCHITECTURES,
            "sampler": SAMPLERS,
            "affinity_loss": AFFINITY_LOSSES,
            "optimizer": OPTIMIZERS,
            "combine": ("", *COMBINATIONS),
            "strategy": STRATEGIES,
            "readout": READOUTS,
            "energy_model": ENERGY_MODELS,
            "split": SPLITS,
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{name} must be one of {allowed}, not {getattr(self, name)!r}")
        for name in ("batch_size", "steps", "eval_every", "checkpoint_every", "max_poses"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, not {getattr(self, name)}")
        for name in ("lr_step", "workers", "pose_column", "affinity_column", "patience"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be >= 0, not {getattr(self, name)}")
        if self.num_labels < -1:
            raise ConfigError(f"num_labels must be >= 0 (or -1: from the file), not {self.num_labels}")
        for option in dataclasses.fields(self):
            value = getattr(self, option.name)
            if isinstance(value, float) and not math.isfinite(value):
                raise ConfigError(f"{option.name} must be a finite number, not {value}")
        for name in ("lr", "resolution", "dimension", "huber_delta", "lr_gamma", "temperature"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be > 0, not {getattr(self, name)}")
        nonnegative = ("momentum", "weight_decay", "clip_grad", "translate", "pose_weight", "affinity_weight")
        for name in (*nonnegative, "loss_mse", "loss_nll", "loss_range", "loss_pose"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be >= 0, not {getattr(self, name)}")
        if self.assay_table and not (self.loss_mse or self.loss_nll or self.loss_range or self.loss_pose):
            raise ConfigError("assay training needs a positive loss weight (loss_mse, loss_nll, ...)")
        if self.range_low >= self.range_high:
            raise ConfigError(f"range_low {self.range_low} must be below range_high {self.range_high}")
        if self.good_rmsd <= 0:
            raise ConfigError(f"good_rmsd must be > 0, not {self.good_rmsd}")
        fractions = (self.valid_fraction, self.test_fraction)
        if min(fractions) < 0 or sum(fractions) >= 1:
            raise ConfigError(f"valid_fraction and test_fraction {fractions} must be >= 0 and leave training")
        if self.momentum > 1:
            raise ConfigError(f"momentum must be at most 1, not {self.momentum}")
        if self.num_labels >= 0 and max(self.pose_column, self.affinity_column) >= self.num_labels:
            raise ConfigError(
                f"pose_column {self.pose_column} and affinity_column {self.affinity_column} must be label "
                f"columns (0 to {self.num_labels - 1})"
            )
        points = math.floor(self.dimension / self.resolution + 0.5) + 1  # as GridMaker counts them
        if points % 8 or points > MAX_POINTS:
            raise ConfigError(
                f"resolution {self.resolution} Å and dimension {self.dimension} Å give {points} grid points "
                f"per side; the models need a multiple of 8, at most {MAX_POINTS} (GNINA's: 0.5 and 23.5, 48)"
            )

    def check_labels(self, num_labels: int, source: str) -> None:
        """Refuse label columns that ``source`` (a ``.types`` file with ``num_labels`` labels) lacks."""
        if max(self.pose_column, self.affinity_column) >= num_labels:
            raise ConfigError(
                f"{source} has {num_labels} label column(s); pose_column {self.pose_column} and "
                f"affinity_column {self.affinity_column} must be among them"
            )

    @classmethod
    def from_mapping(cls, values: dict, source: str = "options") -> TrainConfig:
        """A config from a mapping, refusing unknown keys and values of the wrong type."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(fields))
        if unknown:
            raise ConfigError(f"{source}: unknown option(s) {', '.join(unknown)}")
        defaults = cls()
        checked: dict[str, Any] = {}
        for name, value in values.items():
            default = getattr(defaults, name)
            if isinstance(default, bool) != isinstance(value, bool) or (
                not isinstance(value, type(default))
                and not (isinstance(default, float) and isinstance(value, int))
            ):
                raise ConfigError(f"{source}: {name} must be a {type(default).__name__}, not {value!r}")
            if isinstance(default, list) and not all(isinstance(item, str) for item in value):
                raise ConfigError(f"{source}: {name} must be a list of file names, not {value!r}")
            checked[name] = float(value) if isinstance(default, float) else value
        try:
            return cls(**checked)
        except ConfigError as err:
            raise ConfigError(f"{source}: {err}") from None

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> TrainConfig:
        """Read a ``.toml`` or ``.yaml``/``.yml`` file of options."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise ConfigError(f"{path}: cannot read ({getattr(err, 'strerror', None) or err})") from err
        if path.suffix.lower() == ".toml":
            try:
                values = tomllib.loads(text)
            except tomllib.TOMLDecodeError as err:
                raise ConfigError(f"{path}: {err}") from err
        elif path.suffix.lower() in (".yaml", ".yml"):
            try:
                import yaml
            except ImportError:
                raise ConfigError(f"{path}: reading YAML needs PyYAML (pip install pyyaml)") from None
            try:
                values = yaml.safe_load(text) or {}
            except yaml.YAMLError as err:
                raise ConfigError(f"{path}: {err}") from err
        else:
            raise ConfigError(f"{path}: configuration files are .toml or .yaml")
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: expected a table of options")
        return cls.from_mapping(values, str(path))

    def dataset_options(self) -> dict:
        """The keyword arguments of :func:`voxbind.data.open_dataset` for this configuration's data."""
        return {
            "data_root": self.data_root or None,
            "molcaches": self.molcaches,
            "num_labels": None if self.num_labels < 0 else self.num_labels,
            "group": bool(self.combine) and not self.pose_files,
            "pose_files": self.pose_files,
        }

    def replace(self, **overrides) -> TrainConfig:
        """This config with some options changed (``None`` values are ignored), validated again."""
        values = dataclasses.asdict(self)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return type(self).from_mapping(values, "command line")
