"""Scoring docked poses with GNINA's CNNs: CNNscore, CNNaffinity and (ensembles) CNNvariance."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
from torch import nn

from ..atomtypes import default_ligand_typer, default_receptor_typer, read_typed_molecule
from ..combine import combination, dg_to_pk, pk_to_dg
from ..data import GridCollate, RandomTransform, make_example
from ..errors import InvalidArgumentError
from ..grid import GridMaker
from ..io import read_molecules
from ..models import EnsemblePrediction, load_gnina


@dataclass(frozen=True)
class PoseScore:
    """The scores of one pose.

    Attributes:
        pose: 1-based pose number in the ligand file.
        name: the record's title.
        cnn_score: probability of a good pose (GNINA's CNNscore).
        cnn_affinity: predicted affinity in pK (CNNaffinity).
        cnn_variance: population variance of the ensemble's affinities (CNNvariance); ``None`` for a
            single model.
    """

    pose: int
    name: str
    cnn_score: float
    cnn_affinity: float
    cnn_variance: float | None = None

    def as_gnina(self) -> dict:
        """The record under GNINA's keys (``CNNscore``, ``CNNaffinity``, ``CNNvariance``)."""
        out = {
            "pose": self.pose,
            "name": self.name,
            "CNNscore": self.cnn_score,
            "CNNaffinity": self.cnn_affinity,
        }
        if self.cnn_variance is not None:
            out["CNNvariance"] = self.cnn_variance
        return out


def score_poses(
    receptor: str | os.PathLike,
    ligand: str | os.PathLike,
    model: str | nn.Module = "crossdock_default2018",
    *,
    rotations: int = 0,
    seed: int = 0,
    batch_size: int = 8,
) -> list[PoseScore]:
    """Score every pose of ``ligand`` in ``receptor`` with a GNINA model, on grids centred on each pose.

    Args:
        receptor: structure file of the receptor (PDB, ...).
        ligand: structure file of the poses (SDF records, MOL2, PDBQT models, ...).
        model: a published model or ensemble name (see :func:`~voxbind.models.load_gnina`), or a model
            taking ``(B, 28, 48, 48, 48)`` grids (GNINA's default 14 + 14 channels at 0.5 Å).
        rotations: average each pose's scores over this many random rotations of the complex about the
            grid centre (0: the pose as it is).
        seed: seed of those rotations.
        batch_size: grids per forward pass.

    Returns:
        One :class:`PoseScore` per pose, in file order.
    """
    if rotations < 0:
        raise InvalidArgumentError(f"rotations must be >= 0, not {rotations}")
    net = load_gnina(model) if isinstance(model, str) else model.eval()
    receptor_atoms = read_typed_molecule(receptor, default_receptor_typer())
    ligand_typer = default_ligand_typer()
    poses = read_molecules(ligand)
    copies = max(rotations, 1)
    collate = GridCollate(GridMaker(), RandomTransform(seed=seed) if rotations else None)
    examples = []
    for k, pose in enumerate(poses):
        atoms = ligand_typer(pose)
        examples += [make_example(receptor_atoms, [atoms], index=k * copies + r) for r in range(copies)]
    scores, affinities, variances = [], [], []
    with torch.no_grad():
        for start in range(0, len(examples), batch_size):
            out = net(collate(examples[start : start + batch_size]).grids)
            scores.append(out.pose_probability)
            affinities.append(out.affinity)
            if isinstance(out, EnsemblePrediction):
                variances.append(out.affinity_variance)
    score = torch.cat(scores).reshape(len(poses), copies).mean(1)
    affinity = torch.cat(affinities).reshape(len(poses), copies).mean(1)
    variance = torch.cat(variances).reshape(len(poses), copies).mean(1) if variances else None
    return [
        PoseScore(
            k + 1,
            pose.name,
            float(score[k]),
            float(affinity[k]),
            None if variance is None else float(variance[k]),
        )
        for k, pose in enumerate(poses)
    ]


def combined_affinity(scores: list[PoseScore], name: str, temperature: float = 1.0) -> float:
    """One affinity (pK) over all poses: their CNNaffinity combined as free energies (ΔG = −ln(10)·pK kT)
    by ``name`` (``"mean"``, ``"max"`` — a smooth maximum at ``temperature`` — or ``"boltzmann"``)."""
    affinities = torch.tensor([[s.cnn_affinity for s in scores]], dtype=torch.float64)
    return float(dg_to_pk(combination(name, temperature)(pk_to_dg(affinities)))[0])
