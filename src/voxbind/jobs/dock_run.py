"""``voxbind dock``: many ligands into one receptor, each failure reported and skipped, one output."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rdkit import Chem
from tqdm import tqdm

from ..errors import InvalidArgumentError, VoxbindError
from ..io import UnreadableRecord, iter_records, read_molecules
from ..models import describe_model
from .docking import Box, Docker, docked_entry, ligand_from_smiles
from .score_output import output_kind, write_output

log = logging.getLogger("voxbind.dock")


@dataclass
class DockSummary:
    """What a docking run did: ligands in the input, ligands docked, ligands reported and skipped, poses
    written, wall-clock seconds, and the CNN (its name; ``""`` without one)."""

    ligands: int = 0
    docked: int = 0
    skipped: int = 0
    poses: int = 0
    seconds: float = 0.0
    model: str = ""


def dock(
    receptor: str | os.PathLike,
    output: str | os.PathLike,
    *,
    ligands: Sequence[str | os.PathLike] = (),
    smiles: Sequence[str] = (),
    box: Box | None = None,
    autobox_ligand: str | os.PathLike | None = None,
    autobox_add: float = 4.0,
    progress: bool = False,
    **options,
) -> DockSummary:
    """Dock every ligand of ``ligands`` (files: every record is a ligand; its coordinates only seed the
    search) and of ``smiles`` into ``receptor``, and write their poses to ``output`` (``.sdf``, ``.csv``,
    ``.jsonl``, ``.gz`` too), ligand after ligand in input order, each ligand's poses in GNINA's order with
    GNINA's tags (see :func:`~voxbind.jobs.docking.docked_entry`).

    Args:
        box: the search box, or ``autobox_ligand``: a file whose (first) molecule the box bounds, widened
            by ``autobox_add`` Å on each side.
        options: those of :class:`~voxbind.jobs.docking.Docker` (``model``, ``cnn_scoring``,
            ``exhaustiveness``, ``num_modes``, ``seed``, ``cpu``, ``device``).

    A ligand that cannot be read, embedded or prepared is reported (file and record, or SMILES, and why)
    and skipped; it never stops the run.

    Raises:
        InvalidArgumentError: no ligand, or no box (or both kinds of box).
        DependencyError: ``vina`` or ``meeko`` is not installed.
    """
    started = time.perf_counter()
    output_kind(output)
    if not ligands and not smiles:
        raise InvalidArgumentError("give ligands to dock (files or SMILES)")
    if (box is None) == (autobox_ligand is None):
        raise InvalidArgumentError("give the box: its centre and size, or a ligand to put it around")
    if box is None:
        box = Box.around(read_molecules(autobox_ligand), autobox_add)
    docker = Docker(receptor, box, **options)
    summary = DockSummary(model=describe_model(docker.scorer.net) if docker.scorer else "")
    entries = []
    inputs = list(_ligands(ligands, smiles, docker.seed))
    for index, (name, source, ligand) in enumerate(tqdm(inputs, disable=not progress, unit="ligand")):
        summary.ligands += 1
        try:
            if isinstance(ligand, Exception):
                raise ligand
            poses = docker.dock(ligand, name)
        except VoxbindError as err:
            log.warning("%s: %s; skipped", source, err)
            summary.skipped += 1
            continue
        summary.docked += 1
        entries += [docked_entry(pose, index, name, str(receptor), source) for pose in poses]
    summary.poses = write_output(output, entries, variance=any("CNNaffinity_variance" in e for e in entries))
    summary.seconds = time.perf_counter() - started
    return summary


def _ligands(files, smiles, seed: int) -> Iterator[tuple[str, str, Chem.Mol | Exception]]:
    """``(name, where it came from, molecule or the error reading it)`` for each ligand."""
    for path in files:
        for record, read in iter_records(path):
            molecule = read()
            where = f"{path}, record {record}"
            if isinstance(molecule, UnreadableRecord):
                yield "", where, molecule.error
            else:
                yield molecule.name, where, molecule.rdmol
    for text in smiles:
        try:
            yield text, f"SMILES {text}", ligand_from_smiles(text, seed)
        except VoxbindError as err:
            yield text, f"SMILES {text}", err
