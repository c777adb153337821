"""Scoring docked poses with GNINA's CNNs: CNNscore, CNNaffinity and (ensembles) CNNvariance."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..atomtypes import TypedAtoms, default_ligand_typer, default_receptor_typer, read_typed_molecule
from ..combine import combination, dg_to_pk, pk_to_dg
from ..data import GridCollate, RandomTransform, atoms_reaching, make_example
from ..errors import InvalidArgumentError
from ..grid import GridMaker
from ..io import read_molecules
from ..models import Ensemble, EnsemblePrediction, load_gnina


@dataclass(frozen=True)
class PoseScore:
    """The scores of one pose.

    Attributes:
        pose: 1-based pose (record) number in the ligand file.
        name: the record's title.
        cnn_score: probability of a good pose (GNINA's CNNscore).
        cnn_affinity: predicted affinity in pK (CNNaffinity).
        cnn_variance: population variance of the ensemble's affinities (CNNvariance); ``None`` for a
            single model.
        problem: why the pose could not be scored, or what makes its scores doubtful; ``""`` when none.
            A pose with no typed (heavy) ligand atoms, or whose grid holds no receptor atom, is not
            scored (its scores are NaN); one with ligand atoms outside the grid is scored and flagged.
    """

    pose: int
    name: str
    cnn_score: float
    cnn_affinity: float
    cnn_variance: float | None = None
    problem: str = ""

    @property
    def scored(self) -> bool:
        """Whether the model scored this pose (see ``problem``)."""
        return not math.isnan(self.cnn_score)

    def as_gnina(self) -> dict:
        """The record under GNINA's keys (``CNNscore``, ``CNNaffinity``, ``CNNvariance``; ``None`` for a
        pose not scored), with ``problem`` when there is one."""
        out = {
            "pose": self.pose,
            "name": self.name,
            "CNNscore": self.cnn_score if self.scored else None,
            "CNNaffinity": self.cnn_affinity if self.scored else None,
        }
        if self.cnn_variance is not None:
            out["CNNvariance"] = self.cnn_variance if self.scored else None
        if self.problem:
            out["problem"] = self.problem
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
        One :class:`PoseScore` per pose, in file order. A malformed record is left out with a
        :class:`~voxbind.io.StructureWarning` naming it; the others keep their record numbers.
    """
    if rotations < 0:
        raise InvalidArgumentError(f"rotations must be >= 0, not {rotations}")
    net = load_gnina(model) if isinstance(model, str) else model.eval()
    receptor_atoms = read_typed_molecule(receptor, default_receptor_typer())
    ligand_typer = default_ligand_typer()
    poses = read_molecules(ligand, errors="skip")  # each malformed record warned about and left out
    copies = max(rotations, 1)
    gridmaker = GridMaker()
    collate = GridCollate(gridmaker, RandomTransform(seed=seed) if rotations else None)
    examples, problems, scored = [], [], []
    for k, pose in enumerate(poses):
        atoms = ligand_typer(pose)
        example = make_example(receptor_atoms, [atoms], center="ligands")
        problem, scorable = _problem(receptor_atoms, atoms, example.center, gridmaker)
        problems.append(problem)
        if scorable:
            scored.append(k)
            examples += [make_example(receptor_atoms, [atoms], index=k * copies + r) for r in range(copies)]
    columns = _predict(net, collate, examples, batch_size)
    per_pose = {  # column -> {pose index: mean over the rotations}
        name: dict(zip(scored, values.reshape(-1, copies).mean(1).tolist(), strict=True))
        for name, values in columns.items()
    }
    ensemble = "variance" in per_pose or isinstance(net, Ensemble)
    return [
        PoseScore(
            pose.record,
            pose.name,
            per_pose["score"].get(k, math.nan),
            per_pose["affinity"].get(k, math.nan),
            per_pose.get("variance", {}).get(k, math.nan) if ensemble else None,
            problems[k],
        )
        for k, pose in enumerate(poses)
    ]


def _predict(
    net: nn.Module, collate: GridCollate, examples: list, batch_size: int
) -> dict[str, torch.Tensor]:
    """``{"score", "affinity"[, "variance"]}``: ``(E,)`` predictions for ``examples``, in order."""
    parts: dict[str, list[torch.Tensor]] = {"score": [], "affinity": []}
    with torch.no_grad():
        for start in range(0, len(examples), batch_size):
            out = net(collate(examples[start : start + batch_size]).grids)
            parts["score"].append(out.pose_probability)
            parts["affinity"].append(out.affinity)
            if isinstance(out, EnsemblePrediction):
                parts.setdefault("variance", []).append(out.affinity_variance)
    return {name: torch.cat(values) if values else torch.zeros(0) for name, values in parts.items()}


def _problem(receptor: TypedAtoms, ligand: TypedAtoms, center: np.ndarray, gridmaker: GridMaker):
    """``(problem, scorable)`` of a pose: why its scores would mean nothing (not scorable), or what makes
    them doubtful (scorable, flagged); ``("", True)`` for a pose inside the grid next to the receptor."""
    if ligand.num_atoms == 0:
        return "no typed (heavy) ligand atoms", False
    if atoms_reaching(receptor.coords, receptor.radii, center, gridmaker).size == 0:
        far = float(np.linalg.norm(receptor.centroid() - center)) if receptor.num_atoms else math.inf
        return (
            f"no receptor atom within the grid (the ligand is {far:.0f} Å from the receptor's centre)",
            False,
        )
    half = (gridmaker.points_per_side - 1) * gridmaker.resolution / 2
    outside = int((np.abs(ligand.coords - center) > half).any(axis=1).sum())
    if outside:
        return f"{outside} of {ligand.num_atoms} ligand atoms outside the grid", True
    return "", True


def combined_affinity(scores: list[PoseScore], name: str, temperature: float = 1.0) -> float:
    """One affinity (pK) over the scored poses: their CNNaffinity combined as free energies
    (ΔG = −ln(10)·pK kT) by ``name`` (``"mean"``, ``"max"`` — a smooth maximum at ``temperature`` — or
    ``"boltzmann"``)."""
    scored = [s.cnn_affinity for s in scores if s.scored]
    if not scored:
        raise InvalidArgumentError("no pose could be scored, so there is no affinity to combine")
    affinities = torch.tensor([scored], dtype=torch.float64)
    return float(dg_to_pk(combination(name, temperature)(pk_to_dg(affinities)))[0])
