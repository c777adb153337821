"""What every pose job shares (scoring, refinement): a run's results appended to part files as they are
produced, resumed after an interruption, shared among torchrun's processes by pose index, and merged into
the outputs once in input order.

A job hands :func:`run_parts` a function that makes its part-file entries (one dict per pose, with the
pose's ``index``) for the poses it is given to skip; the runner does the rest.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import shutil
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm import tqdm

from ..io.stream import count_records
from ._processes import process_share, set_cpu_threads
from .score_parts import PartWriter, parts_folder, scored_indices, start_parts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Share:
    """This process's part of a run: its ``rank`` among ``world`` processes, and the part folder."""

    rank: int
    world: int
    folder: Path

    def device(self, device: str | torch.device) -> str | torch.device:
        """``device`` for this process: under torchrun, ``"cuda"`` is the node's GPU of its local rank,
        the node's GPUs taken in turn when it runs more processes than it has GPUs (several processes
        preparing poses on the CPU keep one GPU busy)."""
        if self.world > 1 and str(device) == "cuda":
            local = int(os.environ.get("LOCAL_RANK", "0"))
            gpus = torch.cuda.device_count()
            return f"cuda:{local % gpus if gpus else local}"
        return device


def job_settings(pairs: Sequence[tuple], model, **extra) -> dict:
    """What a run's parts were made from (an interrupted run resumes only with the same): the pairs, the
    model (its name, or its class), and ``extra``."""
    label = model if isinstance(model, str | os.PathLike) else type(getattr(model, "net", model)).__name__
    return {"pairs": [[str(r), str(p)] for r, p in pairs], "model": str(label), **extra}


def one_receptor(pairs: Sequence[tuple]) -> bool:
    """Whether every pose is in the same receptor (then a receptor that cannot be read is an error)."""
    return len({str(r) for r, _ in pairs}) == 1


@contextlib.contextmanager
def job_processes(output: str | os.PathLike, threads: int | None = None) -> Iterator[Share]:
    """This process's :class:`Share` of a run writing ``output``, inside a gloo process group under
    torchrun (for barriers only; none for one process), with CPU threads shared among the node's
    processes (or ``threads``). The group's timeout is long: a process that finishes its share waits for
    the slowest one."""
    rank, world, local_world = process_share()
    if world > 1 or threads:
        set_cpu_threads(local_world, threads)
    share = Share(rank, world, parts_folder(output))
    if world == 1 or torch.distributed.is_initialized():
        yield share
        return
    torch.distributed.init_process_group("gloo", timeout=datetime.timedelta(days=30))
    try:
        yield share
    finally:
        torch.distributed.destroy_process_group()


def barrier(share: Share) -> None:
    if share.world > 1:
        torch.distributed.barrier()


def run_parts(
    share: Share,
    settings: dict,
    make_entries: Callable[[Container[int]], Iterator[dict]],
    *,
    pairs: Sequence[tuple[str | os.PathLike, str | os.PathLike]],
    resume: bool,
    batch_size: int,
    progress: bool,
    desc: str,
) -> int:
    """Append this process's entries to its part file, ``batch_size`` at a time; returns how many poses
    an interrupted run had already done. Every process has finished its share when this returns.

    Raises:
        InvalidArgumentError: an interrupted run's parts without ``resume``, or with other ``settings``.
    """
    rank, world, folder = share.rank, share.world, share.folder
    done = start_parts(folder, settings, resume) if rank == 0 else set()
    barrier(share)  # the first process has made or checked the folder
    if rank != 0 and resume:
        done = scored_indices(folder)
    if done and rank == 0:
        log.info("resuming: %d poses already done", len(done))
    writer = PartWriter(folder, rank)
    total = sum(count_records(p) for _, p in pairs) if progress and rank == 0 else None
    left = None if total is None else max(0, (total - len(done)) // world)
    bar = tqdm(total=left, disable=not (progress and rank == 0), unit="pose", desc=desc)
    try:
        entries: list[dict] = []
        for entry in make_entries(done):
            entries.append(entry)
            bar.update()
            if len(entries) >= batch_size:
                writer.write(entries)
                entries = []
        writer.write(entries)
    finally:
        writer.close()
        bar.close()
    barrier(share)  # every share is done
    return len(done)


def finish(share: Share) -> None:
    """Remove the part folder once the outputs are written (the first process)."""
    shutil.rmtree(share.folder)


def complete_without_parts(outputs: Sequence[str | os.PathLike], resume: bool) -> bool:
    """Whether a ``resume`` finds nothing to do: no interrupted run's parts, and every output exists."""
    folder = parts_folder(outputs[0])
    if resume and not folder.exists() and all(Path(p).exists() for p in outputs):
        log.warning("%s is complete (no interrupted run's parts to resume): nothing to do", outputs[0])
        return True
    return False
