"""Results as they are produced: each process appends its poses to a part file, from which an interrupted run
resumes and the finished run's outputs are merged.

A run writing ``out.sdf`` keeps its parts in the folder ``out.sdf.parts/``: ``settings.json`` (what was
scored, how) and one ``rank-<r>.jsonl`` per process (one JSON object per pose, appended and flushed batch by
batch, synced to disk at most once a second and at the end). A process killed mid-write leaves at most one
incomplete last line, which resuming cuts off.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
from rdkit import Chem

from ..errors import InvalidArgumentError
from ..io import Molecule
from .scoring import PoseScore, gnina_tags


def parts_folder(output: str | os.PathLike) -> Path:
    """The folder of the part files of the run writing ``output``."""
    output = Path(output)
    return output.with_name(output.name + ".parts")


def pose_entry(score: PoseScore) -> dict:
    """The part-file record of one pose: where it came from, its scores, and what writing it back needs."""
    entry = {
        "index": score.index,
        "receptor": score.receptor,
        "file": score.file,
        "pose": score.pose,
        "name": score.name,
    }
    entry.update(score.vina_tag())
    entry.update({k: (v if score.scored else None) for k, v in gnina_tags(score).items()})
    entry["problem"] = score.problem
    if score.molecule is not None:
        entry["tags"] = dict(score.molecule.properties)
        entry["molblock"] = molblock(score.molecule)
    return entry


def molblock(molecule: Molecule) -> str:
    """The pose's molfile block: an SDF record as the file has it, others written by RDKit."""
    if molecule.text:
        return molecule.text
    try:
        block = Chem.MolToMolBlock(molecule.rdmol)  # Kekulé bonds, as most readers expect
    except (ValueError, RuntimeError):  # RDKit's KekulizeException: keep the aromatic bonds
        block = Chem.MolToMolBlock(molecule.rdmol, kekulize=False)
    first, _, rest = block.partition("\n")
    return molecule.name + "\n" + rest.rstrip("\n") if not first.strip() else block.rstrip("\n")


class PartWriter:
    """Appends one process's results to its part file, a batch at a time: each batch is flushed (a killed
    process loses none of it), and synced to disk at most once every ``sync_seconds`` and on closing (a
    sync per small batch would cost more than scoring it on a slow file system)."""

    def __init__(self, folder: Path, rank: int, sync_seconds: float = 1.0):
        self.path = folder / f"rank-{rank}.jsonl"
        _cut_incomplete_line(self.path)
        self.handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (closed by close())
        self.sync_seconds = sync_seconds
        self.synced = time.monotonic()

    def write(self, entries: list[dict]) -> None:
        if entries:
            self.handle.write("".join(json.dumps(e) + "\n" for e in entries))
            self.handle.flush()
            if time.monotonic() - self.synced >= self.sync_seconds:
                self._sync()

    def _sync(self) -> None:
        os.fsync(self.handle.fileno())
        self.synced = time.monotonic()

    def close(self) -> None:
        self.handle.flush()
        self._sync()
        self.handle.close()


def start_parts(folder: Path, settings: dict, resume: bool) -> set[int]:
    """Prepare the part folder of a run (the first process only); with ``resume``, the indices of the
    poses already scored.

    Raises:
        InvalidArgumentError: parts of an earlier run exist and ``resume`` is not set, or they were
            made with other settings.
    """
    manifest = folder / "settings.json"
    if folder.exists() and manifest.exists():
        if not resume:
            raise InvalidArgumentError(
                f"{folder} holds an interrupted run's results: rerun with --resume to finish it, or "
                "remove the folder to start again"
            )
        earlier = json.loads(manifest.read_text())
        if earlier != settings:
            changed = sorted(k for k in settings if earlier.get(k) != settings[k])
            raise InvalidArgumentError(
                f"{folder} was made with other settings ({', '.join(changed)} differ); it cannot be resumed"
            )
        return scored_indices(folder)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = manifest.with_suffix(".tmp")
    temporary.write_text(json.dumps(settings))
    os.replace(temporary, manifest)
    return set()


def scored_indices(folder: Path) -> set[int]:
    """The indices of the poses the parts of ``folder`` hold."""
    return {e["index"] for e in read_entries(folder)}


def read_entries(folder: Path) -> Iterator[dict]:
    """Every complete entry of every part file of ``folder`` (in file order, not input order)."""
    for path in sorted(folder.glob("rank-*.jsonl")):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.endswith("\n"):
                    yield json.loads(line)


def entry_order(
    folder: Path, key: str | None = None, ascending: bool = False
) -> list[tuple[Path, np.ndarray]]:
    """Where each entry of the parts lies, ``[(part file, byte offsets)]`` merged into one order: input
    order (by pose index), or by the value of ``key`` (a score or input tag; poses without a value
    last, ties in input order). Only offsets and keys are held, not the entries."""
    files, offsets, indices, values = [], [], [], []
    for number, path in enumerate(sorted(folder.glob("rank-*.jsonl"))):
        files.append(path)
        position = 0
        with open(path, "rb") as handle:
            for line in handle:
                if not line.endswith(b"\n"):
                    break
                entry = json.loads(line)
                offsets.append((number, position))
                indices.append(entry["index"])
                values.append(_sort_value(entry, key) if key else 0.0)
                position += len(line)
    where = np.array(offsets, dtype=np.int64).reshape(-1, 2)
    index = np.array(indices, dtype=np.int64)
    value = np.array(values, dtype=np.float64)
    if key:
        missing = np.isnan(value)
        primary = np.where(missing, np.inf, value if ascending else -value)
        order = np.lexsort((index, primary))
    else:
        order = np.argsort(index, kind="stable")
    return [(files[f], o) for f, o in where[order]]


def iter_in_order(order: list[tuple[Path, np.ndarray]]) -> Iterator[dict]:
    """The entries at ``order``'s places, read one at a time."""
    handles: dict[Path, BinaryIO] = {}
    try:
        for path, offset in order:
            if path not in handles:
                handles[path] = open(path, "rb")  # noqa: SIM115 (closed below)
            handle = handles[path]
            handle.seek(int(offset))
            yield json.loads(handle.readline())
    finally:
        for handle in handles.values():
            handle.close()


def _sort_value(entry: dict, key: str) -> float:
    value = entry.get(key)
    if value is None:
        value = entry.get("tags", {}).get(key)
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _cut_incomplete_line(path: Path, chunk: int = 1 << 16) -> None:
    """Cut a part file after its last complete line (a process killed mid-write leaves a partial one)."""
    if not path.exists():
        return
    with open(path, "rb+") as handle:
        end = handle.seek(0, os.SEEK_END)
        position = end
        while position > 0:
            start = max(0, position - chunk)
            handle.seek(start)
            newline = handle.read(position - start).rfind(b"\n")
            if newline >= 0:
                position = start + newline + 1
                break
            position = start
        if position != end:
            handle.truncate(position)
