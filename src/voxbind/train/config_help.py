"""One line of help for every training option (:class:`~voxbind.train.TrainConfig`), grouped as
``voxbind train --options`` lists them. A test keeps this in step with the options."""

from __future__ import annotations

import json

#: ``{group: {option: help}}``, in the order they are listed.
OPTION_HELP: dict[str, dict[str, str]] = {
    "data (.types)": {
        "train": "training .types file (or TRAIN_TYPES)",
        "test": "held-out .types file, evaluated every eval_every steps",
        "data_root": "folder the molecule names are relative to (default: the .types file's)",
        "molcaches": "molcache2 files to read molecules from instead of structure files",
        "num_labels": "label columns (-1: the leading numeric columns)",
        "pose_column": "label column of the pose class (1 good, 0 bad)",
        "affinity_column": "label column of the affinity (pK; negative: upper bound of a bad pose)",
        "sampler": "shuffle, balanced, receptor or balanced_receptor (GNINA's)",
        "batch_size": "examples per step over all processes (compounds, for multi-pose and assay training)",
        "rotate": "random rotation of each example",
        "translate": "random translation of each example, up to this many Å",
        "resolution": "grid spacing (Å)",
        "dimension": "grid side (Å); with resolution, a multiple of 8 points",
        "workers": "DataLoader worker processes",
    },
    "model and loss": {
        "model": "architecture: default2017, default2018 or dense",
        "init_from": "start from a trained model (name, TorchScript file, checkpoint); its grid is used",
        "pose_weight": "weight of the pose NLL",
        "affinity_weight": "weight of the affinity loss (GNINA's 0.1)",
        "affinity_loss": "l2 or huber (pseudo-Huber)",
        "huber_delta": "pseudo-Huber δ (pK)",
    },
    "optimiser": {
        "optimizer": "sgd (with momentum) or adam",
        "lr": "learning rate",
        "momentum": "SGD momentum",
        "weight_decay": "L2 weight decay",
        "lr_step": "multiply the rate by lr_gamma every lr_step steps (0: constant)",
        "lr_gamma": "the step decay's factor",
        "clip_grad": "largest gradient norm (0: no clipping)",
    },
    "run": {
        "steps": "training steps",
        "seed": "seed of the weights, sampling, augmentation and splits",
        "eval_every": "evaluate every this many steps",
        "checkpoint_every": "write checkpoint.pt every this many steps",
        "output": "folder of checkpoints, logs, plots and predictions",
        "device": "cpu, cuda, cuda:1, ...",
        "patience": "stop after this many evaluations without a better stop_metric (0: never)",
        "stop_metric": "evaluation metric of early stopping and best.pt (loss, rmse: lower is better)",
    },
    "multi-pose": {
        "combine": "mean, max or boltzmann: one affinity per group of poses (assay training: boltzmann)",
        "temperature": "temperature of the smooth max",
        "max_poses": "poses per group or compound (padded or cut)",
        "pose_files": ".types lines are compounds whose last molecule file holds all their poses",
        "strategy": "full, split, recompute or auto: how multi-pose gradients bound memory",
    },
    "assay training": {
        "assay_table": "CSV of compounds' measured values: trains on it instead of .types files",
        "poses": "folder of each compound's poses (<compound>.sdf or <compound>/)",
        "receptor": "receptor of the compounds the table gives none",
        "compound_column": "column of the compound id",
        "value_column": "column of the measured value (readout's unit; '<4' or '>9' allowed)",
        "qualifier_column": "column of the qualifier: =, < or >",
        "stderr_column": "column of the measurement's standard error (for loss_nll)",
        "substrate_column": "column of the assay's substrate concentration [S] (for pic50)",
        "km_column": "column of the assay's Km, in [S]'s unit (for pic50)",
        "date_column": "column of the measurement's date, YYYY-MM-DD (temporal split)",
        "split_column": "column of a given split: train, valid or test",
        "smiles_column": "column of the SMILES (scaffold split)",
        "receptor_column": "column of the compound's receptor file, relative to the table",
        "readout": "pki, or pic50 with the Cheng-Prusoff correction",
        "energy_model": "complex, delta (G(complex) - G(receptor) - G(ligand)) or delta_separate",
        "loss_mse": "weight of the squared error (one-sided for censored values)",
        "loss_nll": "weight of the Gaussian NLL with each standard error",
        "loss_range": "weight of the penalty on per-pose readouts outside range_low..range_high",
        "loss_pose": "weight of the pose-selection cross-entropy (needs rmsd_tag)",
        "range_low": "lower end of the plausible readout range",
        "range_high": "upper end of the plausible readout range",
        "rmsd_tag": "SD tag of each pose's RMSD to the known pose (Å)",
        "good_rmsd": "a pose within this RMSD (Å) is a good one",
        "split": "random, scaffold, temporal or given",
        "valid_fraction": "share of compounds for validation",
        "test_fraction": "share of compounds for the test set",
    },
}


def describe_options(values: object) -> str:
    """Every option with its value in ``values`` (a config) and its help, group by group: a TOML file
    that ``voxbind train --config`` reads back."""
    lines = []
    for group, options in OPTION_HELP.items():
        lines.append(f"# {group}")
        for name, text in options.items():
            value = getattr(values, name)
            if isinstance(value, bool):
                shown = str(value).lower()
            elif isinstance(value, str | list):
                shown = json.dumps(value, ensure_ascii=False)  # TOML's basic strings and arrays
            else:
                shown = repr(value)
            lines.append(f"{name} = {shown}".ljust(40) + f"  # {text}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
