"""Scoring docked poses with GNINA's CNNs, streamed: CNNscore, CNNaffinity and (ensembles) their variance.

Poses are read, typed, gridded and scored in batches as they come, so memory is bounded by the batch, not by
the number of poses; each receptor is read and typed once, and only its atoms that can reach a pose's grid
are gridded with it.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from torch import nn

from .._choices import check_choice
from .._devices import checked_device
from .._threads import set_numba_threads
from ..atomtypes import TypedAtoms
from ..combine import combination, dg_to_pk, pk_to_dg
from ..data import GridCollate, RandomTransform, atoms_reaching, make_example
from ..errors import InvalidArgumentError, VoxbindError
from ..grid import GridMaker
from ..io import Molecule
from ..models import Ensemble, EnsemblePrediction, input_pool, load_model, predict
from ._model_threads import default_batch_size, default_model_threads, ordered_runs
from ._prefetch import prefetched
from .model_inputs import model_inputs
from .pose_stream import Pose, ReceptorCache, iter_poses


@dataclass(frozen=True)
class PoseScore:
    """The scores of one pose.

    Attributes:
        pose: 1-based pose (record) number in its file.
        name: the record's title.
        cnn_score: probability of a good pose (GNINA's CNNscore); NaN when not scored.
        cnn_affinity: predicted affinity in pK (CNNaffinity); NaN when not scored.
        cnn_variance: population variance of the ensemble's affinities over its models (and rotations)
            (GNINA's CNNaffinity_variance); ``None`` for a single model.
        problem: why the pose could not be scored (an unreadable record, a typing error, no heavy atom,
            no receptor atom in its grid), or what makes its scores doubtful (ligand atoms outside the
            grid: scored and flagged); ``""`` when none.
        index: the pose's 0-based position in the job's input (all pose files in order).
        file: the pose file; receptor: its receptor file.
        molecule: the pose as read (``None`` when unreadable), for writing it back.
        vina: Vina's score of the pose as it stands (kcal/mol; GNINA's ``minimizedAffinity`` with
            ``--score_only``) when asked for (``iter_scores(vina=True)``), NaN where it could not be
            computed; else ``None``.
    """

    pose: int
    name: str
    cnn_score: float
    cnn_affinity: float
    cnn_variance: float | None = None
    problem: str = ""
    index: int = -1
    file: str = ""
    receptor: str = ""
    molecule: Molecule | None = field(default=None, repr=False, compare=False)
    vina: float | None = None

    @property
    def scored(self) -> bool:
        """Whether the model scored this pose (see ``problem``)."""
        return not math.isnan(self.cnn_score)

    @property
    def cnn_vs(self) -> float:
        """GNINA's CNN_VS: CNNscore × CNNaffinity."""
        return self.cnn_score * self.cnn_affinity

    def vina_tag(self) -> dict[str, float | None]:
        """``{"minimizedAffinity": Vina's score}`` (``None`` where it could not be computed) when it was
        asked for, else ``{}``."""
        if self.vina is None:
            return {}
        return {"minimizedAffinity": self.vina if math.isfinite(self.vina) else None}

    def as_gnina(self) -> dict:
        """The record under GNINA's keys (``minimizedAffinity`` when computed, ``CNNscore``,
        ``CNNaffinity``, ``CNN_VS``, ``CNNaffinity_variance``; ``None`` for a pose not scored), with
        ``problem`` when there is one."""
        out: dict = {"pose": self.pose, "name": self.name, **self.vina_tag()}
        for key, value in gnina_tags(self).items():
            out[key] = value if self.scored else None
        if self.problem:
            out["problem"] = self.problem
        return out


def gnina_tags(score: PoseScore) -> dict[str, float]:
    """GNINA's SD tags of a scored pose, in GNINA's order."""
    tags = {"CNNscore": score.cnn_score, "CNNaffinity": score.cnn_affinity, "CNN_VS": score.cnn_vs}
    if score.cnn_variance is not None:
        tags["CNNaffinity_variance"] = score.cnn_variance
    return tags


class PoseScorer:
    """A GNINA model with its grid: scores batches of complexes.

    Args:
        model: a published model or ensemble name, a GNINA TorchScript file, a ``voxbind train``
            checkpoint, a folder of model files (see :func:`~voxbind.models.load_model`), or a module
            returning a prediction with ``pose_probability`` and ``affinity`` (and
            ``affinity_variance``). Its grid and channel maps are those its file names (GNINA's 14 + 14
            channels on a 48³ grid at 0.5 Å by default; :func:`~voxbind.models.model_info`).
        rotations: average each pose's scores over this many random rotations of the complex about the
            grid centre (0: the pose as it is), as GNINA's ``--cnn_rotation``.
        seed: seed of those rotations; a pose's rotations depend only on it and the pose's index.
        device: where grids are made and the model runs (``"cpu"``, ``"cuda"``, ...).
        gridmaker: the grid (default: the model's).

    Attributes:
        inputs: the model's name, grid and typers (:class:`~voxbind.jobs.model_inputs.ModelInputs`).
    """

    def __init__(
        self,
        model: str | os.PathLike | nn.Module = "crossdock_default2018",
        *,
        rotations: int = 0,
        seed: int = 0,
        device: str | torch.device = "cpu",
        gridmaker: GridMaker | None = None,
    ):
        if rotations < 0:
            raise InvalidArgumentError(f"rotations must be >= 0, not {rotations}")
        self.device = checked_device(device)
        net = model if isinstance(model, nn.Module) else load_model(model)
        self.inputs = model_inputs(net, gridmaker)
        self.net = net.eval().to(self.device)
        self.copies = max(rotations, 1)
        self.gridmaker = self.inputs.gridmaker
        transform = RandomTransform(seed=seed) if rotations else None
        # gridded on the device, which checks the atoms' values itself on the CPU
        self.collate = GridCollate(None, transform, crop_to=self.gridmaker, check=self.device.type != "cpu")
        self.ligand_typer = self.inputs.ligand_typer
        self._last_typed: tuple = (None, ())
        self._buffers: list[torch.Tensor | None] = [None, None, None]
        self._turn = 0
        # A model that average-pools its input first (Default2018) takes grids made pooled.
        self.pool = input_pool(self.net)

    def prepare(self, receptor: TypedAtoms, molecule: Molecule, index: int) -> tuple[str, list]:
        """``(problem, examples)`` of one pose: its complexes (one per rotation; none when it cannot be
        scored) and what is wrong with it (see :attr:`PoseScore.problem`)."""
        try:
            ligand = self._typed(molecule)
        except VoxbindError as err:
            return f"cannot be typed: {err}", []
        center = ligand.centroid()
        problem, scorable = pose_problem(receptor, ligand, center, self.gridmaker)
        if not scorable:
            return problem, []
        example = make_example(
            receptor, [ligand], center=center, index=index * self.copies, crop_to=self.gridmaker
        )  # each rotation is a copy keyed by its own index (the crop reaches every orientation)
        return problem, [
            dataclasses.replace(example, index=index * self.copies + r) for r in range(self.copies)
        ]

    def _typed(self, molecule: Molecule) -> TypedAtoms:
        """``molecule`` typed; the poses of one ligand that follow each other (the same
        :attr:`~voxbind.io.Molecule.topology`) are typed once, their coordinates taken each time."""
        topology = molecule.topology
        if topology is None or topology != self._last_typed[0]:
            self._last_typed = (topology, self.ligand_typer.type_atoms(molecule))
        return self.ligand_typer.assemble(molecule.coords, *self._last_typed[1])

    def grid_buffers(self, count: int) -> None:
        """Make CPU grids in ``count`` buffers used in turn (at least 3): a grid is overwritten only
        ``count - 1`` batches later."""
        count = max(count, 3)
        self._buffers = (self._buffers + [None] * count)[:count]

    def grids(self, examples: list) -> torch.Tensor:
        """The grids of ``examples`` on the device, as the model takes them (pooled by its
        ``input_pool``). On the CPU they are made in buffers used in turn (three by default, see
        :meth:`grid_buffers`), so that a grid is overwritten only two batches later."""
        batch = self.collate(examples).to(self.device)
        out = None
        if self.device.type == "cpu":  # a reused buffer is much faster than fresh memory on the CPU
            self._turn = (self._turn + 1) % len(self._buffers)
            out = self._buffers[self._turn]
            out = out if out is not None and len(out) == len(examples) else None
        grids = cast(torch.Tensor, batch.gridded(self.gridmaker, out=out, pool=self.pool).grids)
        if self.device.type == "cpu":
            self._buffers[self._turn] = grids
        return grids

    def run(self, grids: torch.Tensor) -> dict[str, np.ndarray]:
        """``{"score", "affinity"[, "variance"]}``: ``(E / copies,)`` float64 per-pose predictions on
        ``grids`` (``copies`` consecutive rotations per pose), averaged over the rotations; the variance
        is that of every model's affinity over every rotation."""
        with torch.no_grad():
            prediction = predict(self.net, grids, self.pool > 1)
        rows = {"score": prediction.pose_probability, "affinity": prediction.affinity}
        if isinstance(prediction, EnsemblePrediction):
            rows["variance"] = prediction.affinity_variance
        per_rotation = {
            k: v.detach().double().cpu().numpy().reshape(-1, self.copies) for k, v in rows.items()
        }
        result = {k: per_rotation[k].mean(1) for k in ("score", "affinity")}
        if "variance" in per_rotation:  # total variance over models × rotations
            result["variance"] = per_rotation["variance"].mean(1) + per_rotation["affinity"].var(1)
        return result

    @property
    def ensemble(self) -> bool:
        return isinstance(self.net, Ensemble)


def pose_problem(receptor: TypedAtoms, ligand: TypedAtoms, center: np.ndarray, gridmaker: GridMaker):
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


def iter_scores(
    pairs: Sequence[tuple[str | os.PathLike, str | os.PathLike]],
    model: str | nn.Module | PoseScorer = "crossdock_default2018",
    *,
    rotations: int = 0,
    seed: int = 0,
    batch_size: int | None = None,
    device: str | torch.device = "cpu",
    rank: int = 0,
    world: int = 1,
    skip: Container[int] = (),
    bad_receptor: str = "report",
    vina: bool = False,
    model_threads: int | None = None,
) -> Iterator[PoseScore]:
    """Score every pose of ``pairs`` (``(receptor, pose file)``), yielding one :class:`PoseScore` per
    record in input order, batch by batch, over any number of poses.

    Args:
        pairs: receptor files (PDB, ...) with their pose files (SDF, MOL2, Vina's PDBQT, ``.gz`` too).
        model: a model name or module (see :class:`PoseScorer`), or a :class:`PoseScorer`.
        rotations, seed, device: see :class:`PoseScorer` (ignored when ``model`` is one).
        batch_size: poses per forward pass (each with its rotations). Default: 4 on a CPU (where a few
            poses' activations stay in cache), 16 elsewhere.
        rank, world: score only the poses whose index is ``rank`` modulo ``world`` (one process's share).
        skip: indices of poses not to score (already scored by an interrupted run).
        bad_receptor: ``"report"`` a receptor that cannot be read in its poses' problems (default), or
            ``"raise"`` its :class:`~voxbind.errors.InvalidFileError`.
        vina: also compute Vina's score of each pose as it stands (:attr:`PoseScore.vina`; see
            :mod:`~voxbind.jobs.vina_score`), as ``gnina --score_only`` reports it beside the CNN's.
        model_threads: batches the model runs at once, each on its own thread with its share of
            PyTorch's intra-op threads (which are divided while the iterator runs, and restored when it
            ends or is closed). Default: 2 on a CPU with at least two intra-op threads (the
            preparation of the next batches then slows no convolution down), else 1.

    A record that cannot be read, a pose that cannot be typed and a receptor that cannot be read give a
    :class:`PoseScore` that is not scored and says why; they never stop the stream.
    """
    if batch_size is not None and batch_size < 1:  # before any model is loaded
        raise InvalidArgumentError(f"batch_size must be >= 1, not {batch_size}")
    if isinstance(model, PoseScorer):
        scorer = model
    else:
        scorer = PoseScorer(model, rotations=rotations, seed=seed, device=device)
    batch_size = default_batch_size(scorer.device) if batch_size is None else batch_size
    check_choice("bad_receptor", bad_receptor, ("report", "raise"))
    receptors = ReceptorCache(scorer.inputs.receptor_typer, raise_errors=bad_receptor == "raise", vina=vina)
    if bad_receptor == "raise" and pairs:
        receptors.get(Path(pairs[0][0]))  # a bad receptor fails before any pose is read
    poses = iter_poses(pairs, rank=rank, world=world, skip=skip)
    threads = default_model_threads(scorer.device) if model_threads is None else model_threads
    if threads < 1:
        raise InvalidArgumentError(f"model_threads must be >= 1, not {model_threads}")
    # grids held by the model's threads, one ready and one being made: none is overwritten in use
    scorer.grid_buffers(threads + 2)
    batches = prefetched(_gridded_batches(scorer, receptors, poses, batch_size, vina))
    for pending, values in ordered_runs(scorer.run, batches, threads):
        values = values or {}
        yield from _scores(pending, values, "variance" in values or scorer.ensemble)


def _gridded_batches(
    scorer: PoseScorer,
    receptors: ReceptorCache,
    poses: Iterator[Pose],
    batch_size: int,
    vina: bool,
):
    """``(poses with their problems, complexes and Vina scores, grids or None)`` for each batch of
    ``poses``. Run in the background beside the model: on the CPU its gridding takes one thread (numba's
    count is per thread), leaving the cores to the model's convolutions."""
    if scorer.device.type == "cpu":
        set_numba_threads(1)
    pending: list[tuple[Pose, str, list, float | None]] = []
    examples = 0
    for pose in poses:
        complexes: list = []
        problem, energy = pose.problem, math.nan if vina else None
        if pose.molecule is not None:
            receptor = receptors.get(pose.receptor)
            if isinstance(receptor, str):
                problem = receptor
            else:
                problem, complexes = scorer.prepare(receptor, pose.molecule, pose.index)
                if receptors.vina is not None:
                    energy = receptors.vina.affinity(pose.molecule)
        pending.append((pose, problem, complexes, energy))
        examples += len(complexes)
        if examples >= batch_size * scorer.copies:
            yield pending, scorer.grids([e for _, _, c, _ in pending for e in c])
            pending, examples = [], 0
    if pending:
        yield pending, scorer.grids([e for _, _, c, _ in pending for e in c]) if examples else None


def _scores(pending: list[tuple], values: dict, ensemble: bool) -> Iterator[PoseScore]:
    k = 0
    for pose, problem, complexes, energy in pending:
        scores = [math.nan, math.nan, math.nan]
        if complexes:
            names = ("score", "affinity", "variance")
            scores = [float(values[name][k]) if name in values else math.nan for name in names]
            k += 1
        yield PoseScore(
            pose.record,
            pose.molecule.name if pose.molecule is not None else "",
            scores[0],
            scores[1],
            scores[2] if ensemble else None,
            problem,
            pose.index,
            str(pose.file),
            str(pose.receptor),
            pose.molecule,
            energy,
        )


def score_poses(
    receptor: str | os.PathLike,
    ligand: str | os.PathLike,
    model: str | nn.Module = "crossdock_default2018",
    *,
    rotations: int = 0,
    seed: int = 0,
    batch_size: int | None = None,
    device: str | torch.device = "cpu",
    vina: bool = False,
) -> list[PoseScore]:
    """Score every pose of ``ligand`` in ``receptor`` (see :func:`iter_scores`), as a list in file order.

    Raises:
        InvalidFileError: the receptor cannot be read (a bad pose record does not raise: its
            :class:`PoseScore` says why it was not scored).
    """
    options: dict[str, Any] = {
        "rotations": rotations,
        "seed": seed,
        "batch_size": batch_size,
        "device": device,
    }
    options.update(bad_receptor="raise", vina=vina)
    return list(iter_scores([(receptor, ligand)], model, **options))


def combined_affinity(scores: Sequence[PoseScore], name: str, temperature: float = 1.0) -> float:
    """One affinity (pK) over the scored poses: their CNNaffinity combined by ``name`` (see
    :func:`combine_affinities`)."""
    return combine_affinities([s.cnn_affinity for s in scores if s.scored], name, temperature)


def combine_affinities(affinities: Sequence[float], name: str, temperature: float = 1.0) -> float:
    """One affinity (pK) from several (pK), combined as free energies (ΔG = −ln(10)·pK kT) by ``name``
    (``"mean"``, ``"max"`` — a smooth maximum at ``temperature`` — or ``"boltzmann"``).

    Raises:
        InvalidArgumentError: no affinities.
    """
    if not affinities:
        raise InvalidArgumentError("no pose could be scored, so there is no affinity to combine")
    values = torch.tensor([list(affinities)], dtype=torch.float64)
    return float(dg_to_pk(combination(name, temperature)(pk_to_dg(values)))[0])
