"""The refinement job: every pose of the input refined on a GNINA model and written out in input order;
streamed, resumable and shared among torchrun's processes as scoring is (:mod:`.part_runs`)."""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from torch import nn

from ..errors import InvalidArgumentError
from ..models import describe_model
from ._processes import process_share
from .part_runs import complete_without_parts, finish, job_processes, job_settings, one_receptor, run_parts
from .pose_stream import ReceptorCache, iter_poses
from .refinement import PoseRefiner, Refinement
from .score_output import output_kind, write_output
from .score_parts import entry_order, iter_in_order, molblock

log = logging.getLogger(__name__)


@dataclass
class MinimizeSummary:
    """What a refinement run did: poses in the input, poses refined, poses reported and skipped
    (unreadable, untypable, or with no receptor atom in their grid), poses taken from an interrupted run,
    wall-clock seconds of this process, and the model (its name; an ensemble's members)."""

    poses: int = 0
    refined: int = 0
    skipped: int = 0
    resumed: int = 0
    seconds: float = 0.0
    model: str = ""


def minimize(
    pairs: Sequence[tuple[str | os.PathLike, str | os.PathLike]],
    output: str | os.PathLike,
    model: str | nn.Module | PoseRefiner = "crossdock_default2018",
    *,
    batch_size: int = 8,
    resume: bool = False,
    threads: int | None = None,
    progress: bool = False,
    **options,
) -> MinimizeSummary | None:
    """Refine every pose of ``pairs`` (``(receptor, pose file)``) into ``output``.

    ``output`` is an SDF (``.sdf``, ``.sdf.gz``) of the refined poses, or a table (``.csv``, ``.jsonl``).
    Each refined pose keeps its input tags and gets ``CNNscore``, ``CNNaffinity``, ``CNN_VS`` (after),
    ``CNNscore_before``, ``CNNaffinity_before``, ``minimizedRMSD`` (Å from the input pose), ``objective``,
    ``objective_before``, ``steps`` and ``pose`` (its record number). ``options`` are those of
    :class:`PoseRefiner` (``steps``, ``tolerance``, the weights, ``device``); ``batch_size`` poses are
    refined together (one batch of grids per step). A pose that cannot be read, typed or refined is
    logged with its file and record and skipped.

    Results are appended to part files (``<output>.parts/``) batch by batch; with ``resume``, the poses an
    interrupted run already refined are not refined again. Under torchrun each process refines the poses
    whose index is its rank modulo the world size, and the first one writes ``output`` (under a
    temporary name, renamed when complete).

    Returns:
        The summary (on the first process; ``None`` on the others).
    """
    started = time.perf_counter()
    if batch_size < 1:
        raise InvalidArgumentError(f"batch_size must be >= 1, not {batch_size}")
    output_kind(output)
    if complete_without_parts([output], resume):
        return MinimizeSummary() if process_share()[0] == 0 else None
    with job_processes(output, threads) as share:
        if isinstance(model, PoseRefiner):
            refiner = model
        else:
            device = share.device(options.pop("device", "cpu"))
            refiner = PoseRefiner(model, device=device, **options)
        settings = job_settings(pairs, model, refinement={k: v for k, v in options.items() if k != "device"})
        receptors = ReceptorCache(refiner.inputs.receptor_typer, raise_errors=one_receptor(pairs))

        def entries(done) -> Iterator[dict]:
            poses = iter_poses(pairs, rank=share.rank, world=share.world, skip=done)
            yield from _refined_entries(refiner, receptors, poses, batch_size)

        resumed = run_parts(
            share, settings, entries, pairs=pairs, resume=resume, batch_size=batch_size,
            progress=progress, desc="refining",
        )  # fmt: skip
        if share.rank != 0:
            return None
        summary = MinimizeSummary(resumed=resumed, model=describe_model(refiner.net))
        write_output(output, _counted(iter_in_order(entry_order(share.folder)), summary), variance=False)
        finish(share)
    summary.seconds = time.perf_counter() - started
    return summary


def _refined_entries(refiner: PoseRefiner, receptors: ReceptorCache, poses, batch_size: int):
    """Part-file entries of ``poses``, refined ``batch_size`` at a time, in the poses' order."""
    batch: list = []
    for pose in poses:
        receptor = receptors.get(pose.receptor) if pose.molecule is not None else pose.problem
        if isinstance(receptor, str):
            log.warning("%s; skipped", receptor)
            yield _pose_fields(pose, receptor)
            continue
        batch.append((pose, receptor))
        if len(batch) == batch_size:
            yield from _refined_batch(refiner, batch)
            batch = []
    yield from _refined_batch(refiner, batch)


def _refined_batch(refiner: PoseRefiner, batch: list) -> Iterator[dict]:
    results = refiner.refine_batch([(receptor, pose.molecule) for pose, receptor in batch])
    for (pose, _), result in zip(batch, results, strict=True):
        if isinstance(result, Refinement):
            yield _entry(pose, result)
        else:
            problem = f"{pose.file}, record {pose.record}: {result}"
            log.warning("%s; skipped", problem)
            yield _pose_fields(pose, problem)


def _counted(entries, summary: MinimizeSummary):
    for entry in entries:
        summary.poses += 1
        if "molblock" in entry:
            summary.refined += 1
        else:
            summary.skipped += 1
        yield entry


def _pose_fields(pose, problem: str = "") -> dict:
    """Where a pose came from, as its part-file record has it: the whole record of a pose that was not
    refined (no structure: not written to an SDF), with ``problem`` saying why."""
    name = pose.molecule.name if pose.molecule is not None else ""
    return {"index": pose.index, "receptor": str(pose.receptor), "file": str(pose.file), "pose": pose.record,
            "name": name, "problem": problem}  # fmt: skip


def _entry(pose, result: Refinement) -> dict:
    """The part-file record of a refined pose (see :func:`~voxbind.jobs.score_output.sdf_record`)."""
    refined = dataclasses.replace(pose.molecule, rdmol=result.molecule, text="")
    tags = dict(pose.molecule.properties)
    tags.update(
        {
            "CNNscore_before": f"{result.cnn_score[0]:.6f}",
            "CNNaffinity_before": f"{result.cnn_affinity[0]:.6f}",
            "minimizedRMSD": f"{result.rmsd:.4f}",
            "objective_before": f"{result.objective[0]:.6f}",
            "objective": f"{result.objective[1]:.6f}",
            "steps": str(result.steps),
        }
    )
    score, affinity = result.cnn_score[1], result.cnn_affinity[1]
    entry = _pose_fields(pose)
    entry.update({"CNNscore": score, "CNNaffinity": affinity, "CNN_VS": score * affinity})
    entry.update({"tags": tags, "molblock": molblock(refined)})
    return entry
