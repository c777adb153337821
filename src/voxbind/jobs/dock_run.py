"""``voxbind dock``: many ligands into one receptor, each failure reported and skipped, results kept as they
are produced (an interrupted run resumes), one output in input order."""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import time
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass

import torch
from rdkit import Chem
from tqdm import tqdm

from ..errors import InvalidArgumentError, InvalidFileError, VoxbindError
from ..io import UnreadableRecord, iter_records, read_molecules
from ..models import describe_model, load_model
from .docking import Box, DockedPose, Docker, docked_entry, ligand_from_smiles
from .part_runs import complete_without_parts
from .score_output import output_kind, write_output
from .score_parts import PartWriter, entry_order, iter_in_order, parts_folder, start_parts

log = logging.getLogger("voxbind.dock")


@dataclass
class DockSummary:
    """What a docking run did: ligands in the input, ligands docked, ligands reported and skipped, poses
    written, wall-clock seconds, the CNN (its name; ``""`` without one), and the ligands an interrupted
    run had done (with ``resume``)."""

    ligands: int = 0
    docked: int = 0
    skipped: int = 0
    poses: int = 0
    seconds: float = 0.0
    model: str = ""
    resumed: int = 0


def dock(
    receptor: str | os.PathLike,
    output: str | os.PathLike,
    *,
    ligands: Sequence[str | os.PathLike] = (),
    smiles: Sequence[str] = (),
    box: Box | None = None,
    autobox_ligand: str | os.PathLike | None = None,
    autobox_add: float = 4.0,
    jobs: int = 1,
    resume: bool = False,
    progress: bool = False,
    **options,
) -> DockSummary:
    """Dock every ligand of ``ligands`` (files: every record is a ligand; its coordinates only seed the
    search) and of ``smiles`` into ``receptor``, and write their poses to ``output`` (``.sdf``, ``.csv``,
    ``.jsonl``, ``.gz`` too), ligand after ligand in input order, each ligand's poses in GNINA's order with
    GNINA's tags (see :func:`~voxbind.jobs.docking.docked_entry`).

    Each ligand's poses are appended to a part file (``<output>.parts/``) as soon as it is docked, and the
    output is written from them at the end: an interrupted run loses at most the ligands being docked,
    and rerun with ``resume`` docks only the others.

    Args:
        box: the search box, or ``autobox_ligand``: a file whose molecules' atoms the box bounds,
            widened by ``autobox_add`` Å on each side.
        jobs: ligands docked at once, each in its own process (the output stays in input order).
        resume: finish an interrupted run with the same inputs and settings.
        options: those of :class:`~voxbind.jobs.docking.Docker` (``model``, ``cnn_scoring``,
            ``exhaustiveness``, ``num_modes``, ``seed``, ``cpu``, ``device``).

    A ligand that cannot be read, embedded or prepared is reported (file and record, or SMILES, and why)
    and skipped; it never stops the run. Tables (CSV, JSON lines) have a row for it with the reason.

    Raises:
        InvalidArgumentError: no ligand, or no box (or both kinds of box); an interrupted run's parts
            without ``resume``, or with other inputs or settings.
        DependencyError: ``vina`` or ``meeko`` is not installed.
    """
    started = time.perf_counter()
    output_kind(output)
    if not ligands and not smiles:
        raise InvalidArgumentError("give ligands to dock (files or SMILES)")
    if jobs < 1:
        raise InvalidArgumentError(f"jobs must be >= 1, not {jobs}")
    box = _search_box(box, autobox_ligand, autobox_add)
    if complete_without_parts([output], resume):
        return DockSummary()
    folder = parts_folder(output)
    settings = {
        "receptor": str(receptor),
        "ligands": [str(p) for p in ligands],
        "smiles": list(smiles),
        "box": [list(box.center), list(box.size)],
        **{k: v if isinstance(v, int | float | str) else type(v).__name__ for k, v in options.items()},
    }
    done = start_parts(folder, settings, resume)
    inputs = list(_ligands(ligands, smiles, options.get("seed", 0), done))
    summary = DockSummary(resumed=len(done))
    writer = PartWriter(folder, 0)
    try:
        for index, name, source, docked in _docked(receptor, box, options, inputs, jobs, summary, progress):
            if isinstance(docked, str):
                log.warning("%s; skipped", docked)
                where = {"index": index, "receptor": str(receptor), "file": source, "pose": None}
                writer.write([{**where, "name": name, "problem": docked}])
            else:
                writer.write([docked_entry(pose, index, name, str(receptor), source) for pose in docked])
    finally:
        writer.close()
    order = entry_order(folder)
    variance = any("CNNaffinity_variance" in e for e in iter_in_order(order))
    summary.poses = write_output(output, _counted(iter_in_order(order), summary), variance, vina=True)
    shutil.rmtree(folder)
    summary.seconds = time.perf_counter() - started
    return summary


def _search_box(box: Box | None, ligand: str | os.PathLike | None, add: float) -> Box:
    """The box given, or the one around ``ligand``'s atoms widened by ``add`` Å; exactly one is given.

    Raises:
        InvalidArgumentError: neither or both.
    """
    if box is not None and ligand is None:
        return box
    if box is None and ligand is not None:
        return Box.around(read_molecules(ligand), add)
    raise InvalidArgumentError("give the box: its centre and size, or a ligand to put it around")


def _counted(entries: Iterator[dict], summary: DockSummary) -> Iterator[dict]:
    """``entries``, counting their ligands (docked or skipped) in ``summary`` on the way."""
    last = None
    for entry in entries:
        if entry["index"] != last:
            last = entry["index"]
            summary.ligands += 1
            if "molblock" in entry:
                summary.docked += 1
            else:
                summary.skipped += 1
        yield entry


def _docked(receptor, box: Box, options: dict, inputs: list, jobs: int, summary: DockSummary, progress: bool):
    """``(index, name, source, poses or why not)`` for each input, in input order: docked here, or by
    ``jobs`` processes (each with its own docker, one CPU thread for the CNN and an equal share of the
    cores for Vina)."""
    if jobs == 1:
        docker = Docker(receptor, box, **options)
        summary.model = describe_model(docker.scorer.net) if docker.scorer else ""
        for item in tqdm(inputs, disable=not progress, unit="ligand"):
            yield (*item[:3], _dock_one(docker, item))
        return
    options = {**options, "cpu": options.get("cpu") or max(1, (os.cpu_count() or 1) // jobs)}
    if options.get("cnn_scoring", "rescore") != "none":
        summary.model = describe_model(load_model(options.get("model", "crossdock_default2018")))
    context = multiprocessing.get_context("spawn")  # no copy of this process's threads and locks
    with context.Pool(jobs, initializer=_start_worker, initargs=(receptor, box, options)) as pool:
        results = pool.imap(_dock_in_worker, inputs)
        for item, docked in zip(inputs, tqdm(results, total=len(inputs), disable=not progress), strict=True):
            yield (*item[:3], docked)


def _dock_one(docker: Docker, item) -> list[DockedPose] | str:
    """``item``'s docked poses, or why it could not be docked, naming the ligand once."""
    _, name, source, ligand = item
    try:
        if isinstance(ligand, Exception):
            raise ligand
        return docker.dock(ligand, name)
    except InvalidFileError as err:  # names the file and record itself
        return str(err)
    except VoxbindError as err:
        return f"{source}: {err}"


_WORKER: dict = {}


def _start_worker(receptor, box: Box, options: dict) -> None:
    torch.set_num_threads(1)
    _WORKER["docker"] = Docker(receptor, box, **options)


def _dock_in_worker(item) -> list[DockedPose] | str:
    return _dock_one(_WORKER["docker"], item)


def _ligands(
    files, smiles, seed: int, done: Container[int] = ()
) -> Iterator[tuple[int, str, str, Chem.Mol | Exception]]:
    """``(index, name, where it came from, molecule or the error reading it)`` for each ligand but those
    in ``done`` (an interrupted run's, neither parsed nor embedded again)."""
    index = -1
    for path in files:
        for record, read in iter_records(path):
            index += 1
            if index in done:
                continue
            molecule = read()
            where = f"{path}, record {record}"
            if isinstance(molecule, UnreadableRecord):
                yield index, "", where, molecule.error
            else:
                yield index, molecule.name, where, molecule.rdmol
    for text in smiles:
        index += 1
        if index in done:
            continue
        try:
            yield index, text, f"SMILES {text}", ligand_from_smiles(text, seed)
        except VoxbindError as err:
            yield index, text, f"SMILES {text}", err
