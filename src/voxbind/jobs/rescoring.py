"""The rescoring job: a screening campaign's poses scored with GNINA's CNN, streamed to output files,
resumable, shared among processes under ``torchrun``."""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from tqdm import tqdm

from ..errors import InvalidArgumentError
from ..io.stream import count_records
from ._processes import process_share, set_cpu_threads
from .score_output import output_kind, write_combined, write_output
from .score_parts import (
    PartWriter,
    entry_order,
    iter_in_order,
    parts_folder,
    pose_entry,
    scored_indices,
    start_parts,
)
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
    """

    poses: int = 0
    scored: int = 0
    flagged: int = 0
    not_scored: int = 0
    unreadable: int = 0
    outputs: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    resumed: int = 0

    def merge(self, folder: Path, outputs, variance: bool, order) -> None:
        """Write the parts in ``folder`` to ``outputs`` in ``order`` (see
        :func:`~voxbind.jobs.score_parts.entry_order`), counting the poses on the way."""
        for k, path in enumerate(outputs):
            entries = iter_in_order(order)
            self.outputs[str(path)] = write_output(
                path, self._counted(entries) if k == 0 else entries, variance
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
    batch_size: int = 16,
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
    rank, world, local_world = process_share()
    if world > 1 or threads:
        set_cpu_threads(local_world, threads)
    folder = parts_folder(outputs[0])
    if resume and not folder.exists() and all(Path(p).exists() for p in outputs):
        log.warning("%s is complete (no interrupted run's parts to resume): nothing to do", outputs[0])
        return RescoreSummary() if rank == 0 else None
    if world > 1 and str(device) == "cuda":  # one GPU per process on a node
        device = f"cuda:{os.environ.get('LOCAL_RANK', '0')}"
    if isinstance(model, PoseScorer):
        scorer = model
    else:
        scorer = PoseScorer(model, rotations=rotations, seed=seed, device=device)
    settings = {
        "pairs": [[str(r), str(p)] for r, p in pairs],
        "model": model if isinstance(model, str) else type(getattr(model, "net", model)).__name__,
        "rotations": scorer.copies if scorer.copies > 1 else 0,
        "seed": seed,
    }
    with _process_group(world):
        summary = _run(folder, settings, pairs, scorer, outputs, rank, world, resume, batch_size, progress)
        if rank != 0:
            return None
        order = entry_order(folder, sort, ascending)  # input order without a sort key
        summary.merge(folder, outputs, scorer.ensemble, order)
    if combine:  # compounds in order of first appearance in the input
        target = combined_output or _compounds_path(outputs[0])
        entries = iter_in_order(entry_order(folder) if sort else order)
        summary.outputs[str(target)] = write_combined(target, entries, combine, compound_key, temperature)
    shutil.rmtree(folder)
    summary.seconds = time.perf_counter() - started
    return summary


def _run(
    folder, settings, pairs, scorer, outputs, rank, world, resume, batch_size, progress
) -> RescoreSummary:
    """This process's share: its poses scored and appended to its part file; every process has finished
    its share when this returns."""
    done = start_parts(folder, settings, resume) if rank == 0 else set()
    _barrier(world)  # the first process has made or checked the folder
    if rank != 0 and resume:
        done = scored_indices(folder)
    if done and rank == 0:
        log.info("resuming: %d poses already scored", len(done))
    writer = PartWriter(folder, rank)
    total = sum(count_records(p) for _, p in pairs) if progress and rank == 0 else None
    share = None if total is None else max(0, (total - len(done)) // world)
    bar = tqdm(total=share, disable=not (progress and rank == 0), unit="pose", desc="scoring")
    try:
        entries: list[dict] = []
        one_receptor = len({str(r) for r, _ in pairs}) == 1  # then a bad receptor is an error
        options = {
            "rank": rank,
            "world": world,
            "skip": done,
            "bad_receptor": "raise" if one_receptor else "report",
        }
        stream = iter_scores(pairs, scorer, batch_size=batch_size, **options)
        for score in stream:
            if score.molecule is None and score.problem:
                log.warning("%s; skipped", score.problem)
            entries.append(pose_entry(score))
            bar.update()
            if len(entries) >= batch_size:
                writer.write(entries)
                entries = []
        writer.write(entries)
    finally:
        writer.close()
        bar.close()
    _barrier(world)  # every share is scored
    return RescoreSummary(resumed=len(done))


@contextlib.contextmanager
def _process_group(world: int):
    """A gloo process group over torchrun's processes (for barriers only; none for one process). Its
    timeout is long: a process that finishes its share waits for the slowest one."""
    if world == 1 or torch.distributed.is_initialized():
        yield
        return
    torch.distributed.init_process_group("gloo", timeout=datetime.timedelta(days=30))
    try:
        yield
    finally:
        torch.distributed.destroy_process_group()


def _barrier(world: int) -> None:
    if world > 1:
        torch.distributed.barrier()


def _compounds_path(output: str | os.PathLike) -> Path:
    output = Path(output)
    stem = output.name
    for suffix in reversed(output.suffixes):
        stem = stem[: -len(suffix)]
    return output.with_name(stem + ".compounds.csv")
