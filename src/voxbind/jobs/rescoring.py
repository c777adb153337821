"""The rescoring job: a screening campaign's poses scored with GNINA's CNN, streamed to output files,
resumable, shared among processes under ``torchrun``."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from ..errors import InvalidArgumentError
from ..models import describe_model
from ._model_threads import default_batch_size
from ._processes import process_share
from .part_runs import complete_without_parts, finish, job_processes, job_settings, one_receptor, run_parts
from .score_output import output_kind, write_combined, write_output
from .score_parts import entry_order, iter_in_order, pose_entry
from .scoring import PoseScorer, iter_scores

log = logging.getLogger(__name__)


@dataclass
class RescoreSummary:
    """What a rescoring run did.

    Attributes:
        poses: poses in the input (every record of every pose file).
        scored: poses the model scored (``flagged`` of them with a doubtful grid).
        not_scored: readable poses that could not be scored (no heavy atom, no receptor atom in their
            grid, a typing error, an unreadable receptor).
        unreadable: records that could not be read; each was reported when met.
        outputs: the files written, with how many records each holds.
        seconds: wall-clock time of this process.
        resumed: poses taken from an interrupted run instead of scored again.
        model: the model that scored them (its name; an ensemble's members).
    """

    poses: int = 0
    scored: int = 0
    flagged: int = 0
    not_scored: int = 0
    unreadable: int = 0
    outputs: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    resumed: int = 0
    model: str = ""

    def merge(self, folder: Path, outputs, variance: bool, order, vina: bool = False) -> None:
        """Write the parts in ``folder`` to ``outputs`` in ``order`` (see
        :func:`~voxbind.jobs.score_parts.entry_order`), counting the poses on the way."""
        for k, path in enumerate(outputs):
            entries = iter_in_order(order)
            self.outputs[str(path)] = write_output(
                path, self._counted(entries) if k == 0 else entries, variance, vina
            )

    def _counted(self, entries):
        for entry in entries:
            self.poses += 1
            if entry.get("CNNscore") is not None:
                self.scored += 1
                self.flagged += bool(entry["problem"])
            elif "molblock" in entry:
                self.not_scored += 1
            else:
                self.unreadable += 1
            yield entry


def rescore(
    pairs: Sequence[tuple[str | os.PathLike, str | os.PathLike]],
    outputs: Sequence[str | os.PathLike],
    model: str | nn.Module | PoseScorer = "crossdock_default2018",
    *,
    rotations: int = 0,
    seed: int = 0,
    batch_size: int | None = None,
    device: str | torch.device = "cpu",
    resume: bool = False,
    sort: str | None = None,
    ascending: bool = False,
    combine: str | None = None,
    compound_key: str = "name",
    temperature: float = 1.0,
    combined_output: str | os.PathLike | None = None,
    threads: int | None = None,
    progress: bool = False,
    vina: bool = False,
    model_threads: int | None = None,
) -> RescoreSummary | None:
    """Score every pose of ``pairs`` (``(receptor, pose file)``) and write ``outputs``.

    Results are appended to part files (``<first output>.parts/``) batch by batch as they are produced;
    once every pose is scored they are merged into each output (SDF with GNINA's tags, CSV or JSON lines,
    ``.gz`` allowed; see :func:`~voxbind.jobs.score_output.write_output`) in input order, or sorted by
    ``sort`` (descending unless ``ascending``), and the parts are removed. With ``resume``, the poses an
    interrupted run already scored are not scored again. Under torchrun, each process scores the poses
    whose index is its rank modulo the world size and the first process merges.

    Args:
        pairs, model, rotations, seed, batch_size, device: see :func:`~voxbind.jobs.iter_scores`
            (``model`` may be a :class:`~voxbind.jobs.PoseScorer`; then ``rotations``, ``seed`` and
            ``device`` are its own).
        outputs: one or more files to write (``.sdf``, ``.sdf.gz``, ``.csv``, ``.jsonl``, ...).
        combine: also write one combined affinity per compound (``"mean"``, ``"max"``,
            ``"boltzmann"``) to ``combined_output`` (default: the first output's name with
            ``.compounds.csv``), compounds told apart by ``compound_key`` (``"name"`` or an input tag).
        threads: CPU threads of this process (default: the cores shared among this node's processes).
        progress: show a progress bar (poses/s, ETA) on standard error.
        vina: also write Vina's score of each pose as it stands (``minimizedAffinity``, as
            ``gnina --score_only``; see :mod:`~voxbind.jobs.vina_score`).
        model_threads: batches the model runs at once (see :func:`~voxbind.jobs.iter_scores`).

    Returns:
        The summary (on the first process; ``None`` on the others).

    Raises:
        InvalidArgumentError: bad settings, or an interrupted run's parts without ``resume``.
        InvalidFileError: the first receptor or a pose file cannot be opened.
    """
    started = time.perf_counter()
    if not outputs:
        raise InvalidArgumentError("give at least one output file")
    for path in outputs:
        output_kind(path)
    if complete_without_parts(outputs, resume):
        return RescoreSummary() if process_share()[0] == 0 else None
    with job_processes(outputs[0], threads) as share:
        if isinstance(model, PoseScorer):
            scorer = model
        else:
            scorer = PoseScorer(model, rotations=rotations, seed=seed, device=share.device(device))
        if batch_size is None:
            batch_size = default_batch_size(scorer.device)
        rotated = scorer.copies if scorer.copies > 1 else 0
        settings = job_settings(
            pairs, model, rotations=rotated, seed=seed, **({"vina": True} if vina else {})
        )
        options = {
            "rank": share.rank,
            "world": share.world,
            "bad_receptor": "raise" if one_receptor(pairs) else "report",
            "vina": vina,
            "model_threads": model_threads,
        }

        def entries(done):
            for score in iter_scores(pairs, scorer, batch_size=batch_size, skip=done, **options):
                if score.molecule is None and score.problem:
                    log.warning("%s; skipped", score.problem)
                yield pose_entry(score)

        resumed = run_parts(
            share, settings, entries, pairs=pairs, resume=resume, batch_size=batch_size, progress=progress,
            desc="scoring",
        )  # fmt: skip
        if share.rank != 0:
            return None
        summary = RescoreSummary(resumed=resumed, model=describe_model(scorer.net))
        order = entry_order(share.folder, sort, ascending)  # input order without a sort key
        summary.merge(share.folder, outputs, scorer.ensemble, order, vina)
    if combine:  # compounds in order of first appearance in the input
        target = combined_output or _compounds_path(outputs[0])
        merged = iter_in_order(entry_order(share.folder) if sort else order)
        summary.outputs[str(target)] = write_combined(target, merged, combine, compound_key, temperature)
    finish(share)
    summary.seconds = time.perf_counter() - started
    return summary


def _compounds_path(output: str | os.PathLike) -> Path:
    output = Path(output)
    stem = output.name
    for suffix in reversed(output.suffixes):
        stem = stem[: -len(suffix)]
    return output.with_name(stem + ".compounds.csv")
