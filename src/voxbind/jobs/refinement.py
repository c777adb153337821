"""Refining a docked pose on a GNINA CNN: the ligand moves downhill on the model's loss by its exact
gradient, through the grid and the ligand's degrees of freedom (position, orientation, torsions).

The receptor is fixed: its channels are gridded once per pose, at the pose's starting grid centre (GNINA
also keeps the centre), and only the ligand is gridded again at each step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from rdkit import Chem
from torch import nn

from .._devices import checked_device
from ..atomtypes import TypedAtoms, default_ligand_typer
from ..data import atoms_reaching
from ..errors import InvalidArgumentError
from ..grid import GridMaker
from ..io import Molecule
from ..models import Ensemble, load_gnina
from .ligand_pose import LigandPose
from .scoring import pose_problem

#: Closer than this fraction of the sum of two atoms' van der Waals radii is a clash (for atoms more than
#: three bonds apart, unless the input pose already has them closer).
CLASH_FRACTION = 0.75


@dataclass(frozen=True, eq=False)
class Refinement:
    """One refined pose.

    Attributes:
        molecule: the ligand with the refined conformer (every atom, hydrogens moved with their atoms).
        cnn_score, cnn_affinity: ``(before, after)`` (probability; pK).
        rmsd: heavy-atom RMSD of the refined pose from the input (Å; GNINA's ``minimizedRMSD``).
        objective: ``(before, after)`` value of the objective.
        steps: optimiser iterations taken.
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
        model: a published model or ensemble name (see :func:`~voxbind.models.load_gnina`) or a module
            taking ``(B, 28, n, n, n)`` grids and returning pose logits and an affinity.
        pose_weight: weight of the pose term, ``−log CNNscore`` (the pose head's cross-entropy against
            "good pose", which GNINA's refinement follows); for an ensemble, its members' mean.
        affinity_weight: weight of the affinity term, ``−CNNaffinity`` (pK); 0 by default.
        clash_weight: weight (per Å²) of the intramolecular repulsion that keeps torsions from folding the
            ligand onto itself (see :func:`clash_penalty`).
        steps: the most L-BFGS iterations per pose.
        tolerance: stop when the gradient's largest component (per variable, Å or rad) is below it.
        device: where grids and the model live.
        gridmaker: the grid (default: GNINA's 48³ at 0.5 Å).
        dtype: of the grids (float32; float64 with a float64 model, to check derivatives).
    """

    def __init__(
        self,
        model: str | nn.Module = "crossdock_default2018",
        *,
        pose_weight: float = 1.0,
        affinity_weight: float = 0.0,
        clash_weight: float = 1.0,
        steps: int = 50,
        tolerance: float = 1e-4,
        device: str | torch.device = "cpu",
        gridmaker: GridMaker | None = None,
        dtype: torch.dtype = torch.float32,
    ):
        if steps < 1:
            raise InvalidArgumentError(f"steps must be >= 1, not {steps}")
        if min(pose_weight, affinity_weight, clash_weight) < 0 or pose_weight + affinity_weight == 0:
            raise InvalidArgumentError("the objective's weights must be >= 0, and not both CNN terms 0")
        self.device = checked_device(device)
        net = load_gnina(model) if isinstance(model, str) else model
        self.net = net.eval().to(self.device)
        for parameter in self.net.parameters():
            parameter.requires_grad_(False)
        self.members = list(self.net.members) if isinstance(self.net, Ensemble) else [self.net]
        self.weights = (pose_weight, affinity_weight, clash_weight)
        self.steps, self.tolerance = steps, tolerance
        self.gridmaker = gridmaker or GridMaker()
        self.pool = getattr(self.net, "input_pool", 1)
        self.ligand_typer = default_ligand_typer()
        self.dtype = dtype

    def objective(self, receptor: TypedAtoms, molecule: Molecule):
        """``(pose, evaluate)`` for one pose: its degrees of freedom, and the function of ``(translation
        (3,), rotation vector (3,), torsions (T,))`` (float64) that gives ``(objective, CNNscore,
        CNNaffinity)``, differentiable in them.

        Raises:
            InvalidArgumentError: the pose has no heavy atom, or no receptor atom reaches its grid.
        """
        pose, context = self._prepare(receptor, molecule)
        return pose, lambda *variables: context.evaluate(pose, variables)

    def _prepare(self, receptor: TypedAtoms, molecule: Molecule):
        keep, types, radii = self.ligand_typer.type_atoms(molecule)
        pose = LigandPose(molecule.rdmol) if keep.any() else None
        ligand = self.ligand_typer.assemble(molecule.coords, keep, types, radii)
        problem, scorable = pose_problem(receptor, ligand, ligand.centroid(), self.gridmaker)
        if not scorable:  # the checks scoring makes: no heavy atom, no receptor atom in the grid
            raise InvalidArgumentError(f"{molecule.source}: {problem}; not refined")
        return pose, _Context(self, receptor, ligand, keep, molecule.rdmol)

    def refine(self, receptor: TypedAtoms, molecule: Molecule) -> Refinement:
        """Refine one pose of ``molecule`` in ``receptor`` (typed with GNINA's receptor channels).

        Raises:
            InvalidArgumentError: the pose has no heavy atom, or no receptor atom reaches its grid.
        """
        pose, context = self._prepare(receptor, molecule)
        keep = context.keep.cpu().numpy()

        def evaluate(*variables):
            return context.evaluate(pose, variables)

        variables = [torch.zeros(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)]
        variables.append(torch.zeros(pose.num_torsions, dtype=torch.float64))
        before = evaluate(*variables)
        for v in variables:
            v.requires_grad_()
        optimiser = torch.optim.LBFGS(
            variables, max_iter=self.steps, tolerance_grad=self.tolerance, line_search_fn="strong_wolfe"
        )

        def closure():
            optimiser.zero_grad()
            value = evaluate(*variables)[0]
            value.backward()
            for v in variables:  # a flat model (zero gradient) or a bad step must not poison the pose
                grad = torch.zeros_like(v) if v.grad is None else v.grad  # None: no torsions
                v.grad = torch.nan_to_num(grad, nan=0.0, posinf=0.0, neginf=0.0)
            return value

        optimiser.step(closure)
        steps = optimiser.state[optimiser._params[0]].get("n_iter", 0)
        with torch.no_grad():
            after = evaluate(*(v.detach() for v in variables))
            coords = pose.coordinates(*(v.detach() for v in variables)).numpy()
        if not np.isfinite(coords).all() or not math.isfinite(float(after[0])):
            coords, after = pose.coords, before  # keep the input rather than a broken pose
        refined = Chem.Mol(molecule.rdmol)
        conformer = refined.GetConformer()
        for k, xyz in enumerate(coords.tolist()):
            conformer.SetAtomPosition(k, xyz)
        rmsd = float(np.sqrt(((coords[keep] - pose.coords[keep]) ** 2).sum(1).mean()))
        return Refinement(
            refined,
            (float(before[1]), float(after[1])),
            (float(before[2]), float(after[2])),
            rmsd,
            (float(before[0]), float(after[0])),
            int(steps),
        )


class _Context:
    """What stays fixed while one pose is refined: the receptor's grid, the ligand's types, the clash
    pairs."""

    def __init__(self, refiner: PoseRefiner, receptor: TypedAtoms, ligand: TypedAtoms, keep, rdmol):
        self.refiner = refiner
        gm, device, dtype = refiner.gridmaker, refiner.device, refiner.dtype
        center = ligand.centroid()
        self.center = torch.as_tensor(center, dtype=dtype, device=device)
        self.keep = torch.as_tensor(np.flatnonzero(keep), device=device)
        self.types = torch.as_tensor(ligand.types, device=device)
        self.radii = torch.as_tensor(ligand.radii, dtype=dtype, device=device)
        self.channels = ligand.num_channels
        reaching = atoms_reaching(receptor.coords, receptor.radii, center, gm)
        rec = (receptor.coords[reaching], receptor.types[reaching], receptor.radii[reaching])
        rec = [torch.as_tensor(a, dtype=dtype if a.dtype.kind == "f" else None, device=device) for a in rec]
        with torch.no_grad():  # the receptor's channels, once: made pooled when the model pools first
            self.receptor_grid = gm(self.center, *rec, receptor.num_channels, pool=refiner.pool)[None]
        self.pairs, self.floor = clash_pairs(rdmol, keep)

    def evaluate(self, pose: LigandPose, variables) -> torch.Tensor:
        """``(objective, CNNscore, CNNaffinity)`` at ``variables``."""
        heavy = pose.coordinates(*variables)[self.keep]
        pool = self.refiner.pool  # with a gradient recorded, the full grid is made and pooled
        atoms = (heavy.to(self.refiner.dtype), self.types, self.radii, self.channels)
        ligand = self.refiner.gridmaker(self.center, *atoms, pool=pool)
        grids = torch.cat([self.receptor_grid, ligand[None]], dim=1)
        pose_w, affinity_w, clash_w = self.refiner.weights
        losses, scores, affinities = [], [], []
        for member in self.refiner.members:
            out = member(grids, pooled=True) if self.refiner.pool > 1 else member(grids)
            log_good = torch.log_softmax(out.pose_logits, dim=1)[0, 1]
            losses.append(-pose_w * log_good - affinity_w * out.affinity[0])
            scores.append(log_good.exp())
            affinities.append(out.affinity[0])
        objective = torch.stack(losses).mean().double() + clash_w * clash_penalty(
            heavy, self.pairs, self.floor
        )
        return torch.stack(
            [objective, torch.stack(scores).mean().double(), torch.stack(affinities).mean().double()]
        )


def clash_pairs(mol: Chem.Mol, keep: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """``(pairs (P, 2), floor (P,))``: the heavy atoms (indices among ``keep``'s) more than three bonds
    apart, and the distance (Å) below which they clash: ``CLASH_FRACTION`` of the sum of their van der
    Waals radii, or their distance in the input pose if that is already shorter."""
    heavy = np.flatnonzero(keep)
    hops = Chem.GetDistanceMatrix(mol)[np.ix_(heavy, heavy)]
    first, second = np.nonzero(np.triu(hops > 3, k=1))
    table = Chem.GetPeriodicTable()
    vdw = np.array([table.GetRvdw(mol.GetAtomWithIdx(int(i)).GetAtomicNum()) for i in heavy])
    coords = np.asarray(mol.GetConformer().GetPositions())[heavy]
    given = np.linalg.norm(coords[first] - coords[second], axis=1)
    floor = np.minimum(CLASH_FRACTION * (vdw[first] + vdw[second]), given)
    return torch.as_tensor(np.stack([first, second], 1)), torch.as_tensor(floor)


def clash_penalty(coords: torch.Tensor, pairs: torch.Tensor, floor: torch.Tensor) -> torch.Tensor:
    """``Σ max(0, floor − d)²`` (Å²) over ``pairs`` of ``coords (N, 3)``: zero at the input pose, growing as
    a torsion folds two distant parts of the ligand into each other."""
    if pairs.numel() == 0:
        return coords.new_zeros((), dtype=torch.float64)
    d = torch.linalg.vector_norm(coords[pairs[:, 0]] - coords[pairs[:, 1]], dim=1).double()
    return torch.clamp(floor.to(d) - d, min=0).square().sum()
