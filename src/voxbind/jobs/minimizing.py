"""The refinement job: every pose of the input refined on a GNINA model, written to an SDF."""

from __future__ import annotations

import dataclasses
import gzip
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from torch import nn
from tqdm import tqdm

from ..errors import InvalidArgumentError, VoxbindError
from .pose_stream import ReceptorCache, iter_poses
from .refinement import PoseRefiner, Refinement
from .score_output import sdf_record
from .score_parts import molblock

log = logging.getLogger(__name__)


@dataclass
class MinimizeSummary:
    """What a refinement run did: poses in the input, poses refined, poses reported and skipped
    (unreadable, untypable, or with no receptor atom in their grid), wall-clock seconds."""

    poses: int = 0
    refined: int = 0
    skipped: int = 0
    seconds: float = 0.0


def minimize(
    pairs: Sequence[tuple[str | os.PathLike, str | os.PathLike]],
    output: str | os.PathLike,
    model: str | nn.Module | PoseRefiner = "crossdock_default2018",
    *,
    batch_size: int = 8,
    progress: bool = False,
    **options,
) -> MinimizeSummary:
    """Refine every pose of ``pairs`` (``(receptor, pose file)``) into ``output`` (``.sdf``, ``.sdf.gz``).

    Each refined pose keeps its input tags and gets ``CNNscore``, ``CNNaffinity``, ``CNN_VS`` (after),
    ``CNNscore_before``, ``CNNaffinity_before``, ``minimizedRMSD`` (Å from the input pose), ``objective``,
    ``objective_before``, ``steps`` and ``pose`` (its record number). ``options`` are those of
    :class:`PoseRefiner` (``steps``, ``tolerance``, the weights, ``device``); ``batch_size`` poses are
    refined together (one batch of grids per step). A pose that cannot be read,
    typed or refined is logged with its file and record and skipped. The output is written under a
    temporary name and renamed when complete.
    """
    started = time.perf_counter()
    if batch_size < 1:
        raise InvalidArgumentError(f"batch_size must be >= 1, not {batch_size}")
    suffixes = [s.lower() for s in Path(output).suffixes]
    if not suffixes or suffixes[-1 if suffixes[-1] != ".gz" else -2] not in (".sdf", ".sd"):
        raise InvalidArgumentError(f"refined poses are written as SDF (.sdf or .sdf.gz), not {output}")
    refiner = model if isinstance(model, PoseRefiner) else PoseRefiner(model, **options)
    receptors = ReceptorCache(raise_errors=len({str(r) for r, _ in pairs}) == 1)
    summary = MinimizeSummary()
    output = Path(output)
    temporary = output.with_name(f".{output.name}.tmp")
    opener = gzip.open if suffixes[-1] == ".gz" else open
    with opener(temporary, "wt", encoding="utf-8", newline="\n") as handle:
        batch: list = []

        def flush() -> None:
            results = refiner.refine_batch([(receptor, pose.molecule) for pose, receptor in batch])
            for (pose, _), result in zip(batch, results, strict=True):
                if isinstance(result, VoxbindError):
                    log.warning("%s, record %d: %s; skipped", pose.file, pose.record, result)
                    summary.skipped += 1
                else:
                    handle.write(sdf_record(_entry(pose, result)))
                    summary.refined += 1
            batch.clear()

        for pose in tqdm(iter_poses(pairs), disable=not progress, unit="pose", desc="refining"):
            summary.poses += 1
            receptor = receptors.get(pose.receptor) if pose.molecule is not None else pose.problem
            if isinstance(receptor, str):
                log.warning("%s; skipped", receptor)
                summary.skipped += 1
                continue
            batch.append((pose, receptor))
            if len(batch) == batch_size:
                flush()
        flush()
    os.replace(temporary, output)
    summary.seconds = time.perf_counter() - started
    return summary


def _entry(pose, result: Refinement) -> dict:
    """The SDF record's parts (see :func:`~voxbind.jobs.score_output.sdf_record`)."""
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
    entry = {"molblock": molblock(refined), "tags": tags, "pose": pose.record, "problem": ""}
    entry.update({"CNNscore": score, "CNNaffinity": affinity, "CNN_VS": score * affinity})
    return entry
