"""Refining docked poses on a GNINA CNN: each ligand moves downhill on the model's loss by its exact
gradient, through the grid and the ligand's degrees of freedom (position, orientation, torsions).

The receptor is fixed: its channels are gridded once per pose, at the pose's starting grid centre (GNINA
also keeps the centre), and only the ligand is gridded again at each step. Several poses are refined
together: each step grids and scores them in one batch, while each pose keeps its own L-BFGS state.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import torch
from rdkit import Chem
from torch import nn

from .._devices import checked_device
from ..atomtypes import TypedAtoms
from ..data import atoms_reaching
from ..errors import InvalidArgumentError, VoxbindError
from ..grid import GridMaker
from ..io import Molecule
from ..models import Ensemble, input_pool, load_model, predict
from ..models.conv import conv3d
from ._batched_lbfgs import minimize_batched
from .intramolecular import clash_pairs, clash_penalty
from .ligand_pose import LigandPose, placed
from .model_inputs import model_inputs
from .scoring import pose_problem

__all__ = ["PoseRefiner", "Refinement", "clash_pairs", "clash_penalty"]


@dataclass(frozen=True, eq=False)
class Refinement:
    """One refined pose.

    Attributes:
        molecule: the ligand with the refined conformer (every atom, hydrogens moved with their atoms).
        cnn_score, cnn_affinity: ``(before, after)`` (probability; pK).
        rmsd: heavy-atom RMSD of the refined pose from the input (Å; GNINA's ``minimizedRMSD``).
        objective: ``(before, after)`` value of the objective.
        steps: objective evaluations used (each one forward and backward of the model).
    """

    molecule: Chem.Mol
    cnn_score: tuple[float, float]
    cnn_affinity: tuple[float, float]
    rmsd: float
    objective: tuple[float, float]
    steps: int


class PoseRefiner:
    """Local optimisation of ligand poses on a GNINA model.

    Args:
        model: a published model or ensemble name, a GNINA TorchScript file, a ``voxbind train``
            checkpoint (see :func:`~voxbind.models.load_model`), or a module taking grids and returning
            pose logits and an affinity; its grid and channel maps are those its file names.
        pose_weight: weight of the pose term, ``−log CNNscore`` (the pose head's cross-entropy against
            "good pose", which GNINA's refinement follows); for an ensemble, its members' mean.
        affinity_weight: weight of the affinity term, ``−CNNaffinity`` (pK); 0 by default.
        clash_weight: weight (per Å²) of the intramolecular repulsion that keeps torsions from folding the
            ligand onto itself (see :func:`~voxbind.jobs.intramolecular.clash_penalty`).
        steps: the most steps per pose (objective evaluations: one forward and backward of the model
            each; L-BFGS with a backtracking line search).
        tolerance: stop when the gradient's largest component (per variable, Å or rad) is below it.
        max_move: the largest change of a variable in one step (Å for the position, rad otherwise).
        device: where grids and the model live.
        gridmaker: the grid (default: the model's).
        dtype: of the grids (float32; float64 with a float64 model, to check derivatives).
    """

    def __init__(
        self,
        model: str | os.PathLike | nn.Module = "crossdock_default2018",
        *,
        pose_weight: float = 1.0,
        affinity_weight: float = 0.0,
        clash_weight: float = 1.0,
        steps: int = 50,
        tolerance: float = 1e-4,
        max_move: float = 0.3,
        device: str | torch.device = "cpu",
        gridmaker: GridMaker | None = None,
        dtype: torch.dtype = torch.float32,
    ):
        if steps < 1:
            raise InvalidArgumentError(f"steps must be >= 1, not {steps}")
        if not max_move > 0:
            raise InvalidArgumentError(f"max_move must be > 0, not {max_move}")
        if min(pose_weight, affinity_weight, clash_weight) < 0 or pose_weight + affinity_weight == 0:
            raise InvalidArgumentError("the objective's weights must be >= 0, and not both CNN terms 0")
        self.device = checked_device(device)
        net = model if isinstance(model, nn.Module) else load_model(model)
        self.inputs = model_inputs(net, gridmaker)
        self.net = net.eval().to(self.device)
        for parameter in self.net.parameters():
            parameter.requires_grad_(False)
        self.members = list(self.net.members) if isinstance(self.net, Ensemble) else [self.net]
        self.weights = (pose_weight, affinity_weight, clash_weight)
        self.steps, self.tolerance, self.max_move = steps, tolerance, max_move
        self.gridmaker = self.inputs.gridmaker
        self.pool = input_pool(self.net)
        self.ligand_typer = self.inputs.ligand_typer
        self.dtype = dtype
        # models whose first convolution can take the receptor's share once per pose
        self.split = all(
            hasattr(m, "forward_from_input_conv") and input_pool(m) == self.pool for m in self.members
        )

    def objective(self, receptor: TypedAtoms, molecule: Molecule):
        """``(pose, evaluate)`` for one pose: its degrees of freedom, and the function of ``(translation
        (3,), rotation vector (3,), torsions (T,))`` (float64) that gives ``(objective, CNNscore,
        CNNaffinity)``, differentiable in them.

        Raises:
            InvalidArgumentError: the pose has no heavy atom, or no receptor atom reaches its grid.
        """
        poses, evaluate = self.batch_objective([(receptor, molecule)])
        return poses[0], lambda *variables: evaluate([variables])[0]

    def batch_objective(self, poses: Sequence[tuple[TypedAtoms, Molecule]]):
        """:meth:`objective` for several poses (``(receptor, molecule)`` pairs) evaluated in one batch:
        ``(ligand poses, evaluate)``, where ``evaluate`` takes one ``(translation, rotation, torsions)``
        per pose and gives ``(A, 3)``: each pose's ``(objective, CNNscore, CNNaffinity)``.

        Raises:
            InvalidArgumentError: a pose has no heavy atom, or no receptor atom reaches its grid.
        """
        batch = _Batch(self, [_PoseState(self, receptor, molecule) for receptor, molecule in poses])
        return [state.pose for state in batch.states], batch.evaluate

    def refine(self, receptor: TypedAtoms, molecule: Molecule) -> Refinement:
        """Refine one pose of ``molecule`` in ``receptor`` (typed with GNINA's receptor channels).

        Raises:
            InvalidArgumentError: the pose has no heavy atom, or no receptor atom reaches its grid.
        """
        (result,) = self.refine_batch([(receptor, molecule)])
        if isinstance(result, VoxbindError):
            raise result
        return result

    def refine_batch(self, poses: Sequence[tuple[TypedAtoms, Molecule]]) -> list[Refinement | VoxbindError]:
        """Refine ``poses`` (``(receptor, molecule)`` pairs) together: every step grids and scores them in
        one batch. Returns one result per pose, in order: its :class:`Refinement`, or the error that stopped
        it (no heavy atom, no receptor atom in its grid, a typing error)."""
        results: list[Refinement | VoxbindError | None] = []
        states = []
        for receptor, molecule in poses:
            try:
                states.append(_PoseState(self, receptor, molecule))
                results.append(None)
            except VoxbindError as err:
                results.append(err)
        if states:
            refined = iter(self._refine_states(states))
            results = [next(refined) if r is None else r for r in results]
        return cast(list[Refinement | VoxbindError], results)

    def _refine_states(self, states: list[_PoseState]) -> list[Refinement]:
        batch = _Batch(self, states)
        width = 6 + max(state.pose.num_torsions for state in states)
        start = np.zeros((len(states), width))
        with torch.no_grad():
            before = batch.evaluate_at(start, np.arange(len(states)))
        found = minimize_batched(
            batch.value_and_gradient, start, max_evaluations=self.steps, tolerance=self.tolerance,
            max_move=self.max_move,
        )  # fmt: skip
        with torch.no_grad():
            after = batch.evaluate_at(found.x, np.arange(len(states)))
        return [
            state.result(found.x[b], before[b], after[b], int(found.evaluations[b]))
            for b, state in enumerate(states)
        ]


class _PoseState:
    """What stays fixed while one pose is refined: its degrees of freedom, its receptor's grid, the
    ligand's types, the clash pairs."""

    def __init__(self, refiner: PoseRefiner, receptor: TypedAtoms, molecule: Molecule):
        typer, gm, device, dtype = refiner.ligand_typer, refiner.gridmaker, refiner.device, refiner.dtype
        keep, types, radii = typer.type_atoms(molecule)
        ligand = typer.assemble(molecule.coords, keep, types, radii)
        center = ligand.centroid()
        problem, scorable = pose_problem(receptor, ligand, center, gm)
        if not scorable:  # the checks scoring makes: no heavy atom, no receptor atom in the grid
            raise InvalidArgumentError(f"{molecule.source}: {problem}; not refined")
        self.molecule = molecule
        self.pose = LigandPose(molecule.rdmol)
        self.keep = np.flatnonzero(keep)
        self.center = torch.as_tensor(center, dtype=dtype, device=device)
        self.types = torch.as_tensor(ligand.types, device=device)
        self.radii = torch.as_tensor(ligand.radii, dtype=dtype, device=device)
        self.channels = ligand.num_channels
        reaching = atoms_reaching(receptor.coords, receptor.radii, center, gm)
        arrays = (receptor.coords[reaching], receptor.types[reaching], receptor.radii[reaching])
        rec = [
            torch.as_tensor(a, dtype=dtype if a.dtype.kind == "f" else None, device=device) for a in arrays
        ]
        with torch.no_grad():  # the receptor's channels, once: made pooled when the model pools first
            grid = gm(self.center, *rec, receptor.num_channels, pool=refiner.pool)
            self.receptor_channels = receptor.num_channels
            if refiner.split:  # and through each member's first convolution
                self.fixed = [
                    _receptor_share(m.input_conv, grid[None])[0]  # type: ignore[arg-type]  # a Conv3d
                    for m in refiner.members
                ]
            else:
                self.fixed = [grid]
        self.pairs, self.floor = clash_pairs(molecule.rdmol, keep)

    def leaf(self, row: np.ndarray, grad: bool = False) -> torch.Tensor:
        """This pose's ``6 + T`` variables from a row of the optimiser's ``(6 + T_max,)`` ones."""
        return torch.tensor(row[: 6 + self.pose.num_torsions], dtype=torch.float64, requires_grad=grad)

    def variables(self, row: np.ndarray) -> tuple[torch.Tensor, ...]:
        """``(translation, rotation, torsions)`` from a row of the optimiser's variables."""
        return _split(self.leaf(row))

    def result(self, row: np.ndarray, before, after, steps: int) -> Refinement:
        """The refined pose at ``row``; the input pose if the optimiser left it broken."""
        with torch.no_grad():
            coords = self.pose.coordinates(*self.variables(row)).numpy()
        if not np.isfinite(coords).all() or not math.isfinite(float(after[0])):
            coords, after = self.pose.coords, before
        refined = Chem.Mol(self.molecule.rdmol)
        conformer = refined.GetConformer()
        for k, xyz in enumerate(coords.tolist()):
            conformer.SetAtomPosition(k, xyz)
        rmsd = float(np.sqrt(((coords[self.keep] - self.pose.coords[self.keep]) ** 2).sum(1).mean()))
        pairs = [(float(before[k]), float(after[k])) for k in range(3)]
        return Refinement(refined, pairs[1], pairs[2], rmsd, pairs[0], steps)


class _Batch:
    """The objective of several poses, evaluated in one batch of grids."""

    def __init__(self, refiner: PoseRefiner, states: list[_PoseState]):
        self.refiner, self.states = refiner, states
        self._rows: _Rows | None = None

    def rows(self, rows) -> _Rows:
        """What the poses ``rows`` bring to every step, stacked (kept while the rows stay)."""
        key = tuple(int(r) for r in rows)
        if self._rows is None or self._rows.key != key:
            self._rows = _Rows(key, [self.states[r] for r in key])
        return self._rows

    def evaluate(self, variables, rows=None) -> torch.Tensor:
        """``(A, 3)``: ``(objective, CNNscore, CNNaffinity)`` of the poses ``rows`` (default: all) at their
        ``variables`` (one ``(translation, rotation, torsions)`` per pose), differentiable in them."""
        refiner = self.refiner
        shared = self.rows(range(len(self.states)) if rows is None else rows)
        states = shared.states
        shapes = [s.pose.conformer(v[2])[s.keep] for s, v in zip(states, variables, strict=True)]
        padded = torch.stack([torch.nn.functional.pad(h, (0, 0, 0, shared.longest - len(h))) for h in shapes])
        coords = placed(
            padded, shared.pose_centers, *(torch.stack([v[k] for v in variables]) for k in (0, 1))
        )
        heavy = [coords[k, : len(h)] for k, h in enumerate(shapes)]
        atoms = (
            coords.to(device=refiner.device, dtype=refiner.dtype),
            shared.types,
            shared.radii,
            shared.channels,
        )
        ligand = refiner.gridmaker(shared.grid_centers, *atoms, pool=refiner.pool)
        pose_w, affinity_w, clash_w = refiner.weights
        losses, scores, affinities = [], [], []
        for j, member in enumerate(refiner.members):
            if refiner.split:
                conv = cast(nn.Conv3d, member.input_conv)
                weight = conv.weight[:, shared.receptor_channels :]
                padding = cast(tuple[int, int, int], conv.padding)
                out = member.forward_from_input_conv(  # type: ignore[operator]  # a module's method
                    shared.inputs[j] + conv3d(ligand, weight, None, padding)
                )
            else:
                out = predict(member, torch.cat([shared.inputs[0], ligand], dim=1), refiner.pool > 1)
            log_good = torch.log_softmax(out.pose_logits, dim=1)[:, 1]
            losses.append(-pose_w * log_good - affinity_w * out.affinity)
            scores.append(log_good.exp())
            affinities.append(out.affinity)
        clashes = torch.stack(
            [clash_penalty(h, s.pairs, s.floor) for h, s in zip(heavy, states, strict=True)]
        )
        objective = torch.stack(losses).mean(0).double().cpu() + clash_w * clashes
        score = torch.stack(scores).mean(0).double().cpu()
        return torch.stack([objective, score, torch.stack(affinities).mean(0).double().cpu()], dim=1)

    def evaluate_at(self, x: np.ndarray, rows) -> np.ndarray:
        """:meth:`evaluate` at the optimiser's ``x (A, D)``, as ``(A, 3)`` NumPy."""
        variables = [self.states[r].variables(row) for r, row in zip(rows, x, strict=True)]
        return self.evaluate(variables, rows).detach().numpy()

    def value_and_gradient(self, x: np.ndarray, rows) -> tuple[np.ndarray, np.ndarray]:
        """The objectives ``(A,)`` and their gradients ``(A, D)`` (zero in padded torsions) at ``x``."""
        leaves = [self.states[r].leaf(row, grad=True) for r, row in zip(rows, x, strict=True)]
        values = self.evaluate([_split(v) for v in leaves], rows)[:, 0]
        gradient = np.zeros_like(x)
        for k, g in enumerate(torch.autograd.grad(values.sum(), leaves)):
            gradient[k, : len(g)] = g.numpy()
        return values.detach().numpy(), gradient


class _Rows:
    """The poses of one batch of rows, and what they bring to every step, stacked: the receptors' share
    (their grids ``(A, C_rec, m, m, m)``, or with a split first convolution one ``(A, C₁, m, m, m)`` per
    member), the ligands' types and radii padded to the longest ligand, and both centres."""

    def __init__(self, key: tuple[int, ...], states: list[_PoseState]):
        self.key, self.states = key, states
        self.longest = max(len(s.types) for s in states)
        pad = torch.nn.functional.pad
        self.types = torch.stack([pad(s.types, (0, self.longest - len(s.types)), value=-1) for s in states])
        self.radii = torch.stack([pad(s.radii, (0, self.longest - len(s.radii))) for s in states])
        self.grid_centers = torch.stack([s.center for s in states])
        self.pose_centers = torch.as_tensor(np.stack([s.pose.center for s in states]))
        self.channels, self.receptor_channels = states[0].channels, states[0].receptor_channels
        self.inputs = [torch.stack(list(part)) for part in zip(*(s.fixed for s in states), strict=True)]


def _split(v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(translation, rotation, torsions)`` views of one pose's variables."""
    return v[:3], v[3:6], v[6:]


def _receptor_share(conv: torch.nn.Conv3d, grid: torch.Tensor) -> torch.Tensor:
    """The first convolution's output for the receptor's channels ``grid (1, C_rec, m, m, m)`` alone, with
    the bias: the ligand's channels add theirs at each step."""
    if conv.in_channels <= grid.shape[1]:
        raise InvalidArgumentError(
            f"the model's first convolution takes {conv.in_channels} channels, not more than the "
            f"receptor's {grid.shape[1]}"
        )
    return conv3d(grid, conv.weight[:, : grid.shape[1]], conv.bias, cast(tuple[int, int, int], conv.padding))
