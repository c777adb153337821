"""The outputs of a scoring run, merged from its part files: an SDF of the scored poses with GNINA's SD tags,
CSV or JSON-lines tables, and one combined affinity per compound.

Every output is written to a temporary name in its folder and renamed when complete.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import os
from collections.abc import Iterable
from pathlib import Path

from ..errors import InvalidArgumentError
from .scoring import combine_affinities

#: Output kinds by suffix (``.gz`` after any of them compresses).
OUTPUT_SUFFIXES = {".sdf": "sdf", ".sd": "sdf", ".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}

#: The columns of the tables, before the input's own tags.
COLUMNS = ("index", "receptor", "file", "pose", "name", "CNNscore", "CNNaffinity", "CNN_VS")

SCORE_TAGS = ("CNNscore", "CNNaffinity", "CNN_VS", "CNNaffinity_variance")

#: Vina's score of the pose (kcal/mol), written before the CNN's tags when a run computes it.
VINA_TAG = "minimizedAffinity"


def output_kind(path: str | os.PathLike) -> str:
    """``"sdf"``, ``"csv"`` or ``"jsonl"`` by the name of ``path`` (``.gz`` allowed after it).

    Raises:
        InvalidArgumentError: an unknown suffix.
    """
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    kind = OUTPUT_SUFFIXES.get(suffixes[-1] if suffixes else "")
    if kind is None:
        known = ", ".join(sorted(OUTPUT_SUFFIXES))
        raise InvalidArgumentError(
            f"cannot tell the output format of {path}; known suffixes: {known} (.gz too)"
        )
    return kind


def write_output(path: str | os.PathLike, entries: Iterable[dict], variance: bool, vina: bool = False) -> int:
    """Write ``entries`` (part-file records, in the order to write) to ``path`` in the format its name
    says; returns the number of records written. SDF output holds the poses that were read (an unreadable
    record has no structure to write), each with its input tags, GNINA's tags and, when it has one, its
    ``problem``; tables hold every pose. ``variance`` and ``vina``: the tables have a column for
    ``CNNaffinity_variance`` and ``minimizedAffinity``."""
    path = Path(path)
    kind = output_kind(path)
    temporary = path.with_name(f".{path.name}.tmp")
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    count = 0
    with opener(temporary, "wt", encoding="utf-8", newline="\n") as handle:
        if kind == "csv":
            columns = [*COLUMNS[:5], *([VINA_TAG] if vina else []), *COLUMNS[5:]]
            columns += [*(["CNNaffinity_variance"] if variance else []), "problem"]
            writer = csv.writer(handle)
            writer.writerow(columns)
        for entry in entries:
            if kind == "sdf":
                if "molblock" not in entry:
                    continue
                handle.write(sdf_record(entry))
            elif kind == "csv":
                writer.writerow(["" if entry.get(c) is None else entry.get(c) for c in columns])
            else:
                handle.write(json.dumps({k: v for k, v in entry.items() if k != "molblock"}) + "\n")
            count += 1
    os.replace(temporary, path)
    return count


def sdf_record(entry: dict) -> str:
    """One SDF record: the pose's molfile block, its input tags (GNINA's own tags replaced), then
    ``minimizedAffinity`` (when the run computed Vina's score), ``CNNscore``, ``CNNaffinity``, ``CNN_VS``
    (and ``CNNaffinity_variance``) as GNINA writes them, the pose's number in its file, and its ``problem``
    when it has one."""
    out = io.StringIO()
    out.write(entry["molblock"].rstrip("\n") + "\n")
    own = (VINA_TAG, *SCORE_TAGS) if VINA_TAG in entry else SCORE_TAGS
    tags = {k: v for k, v in entry.get("tags", {}).items() if k not in own}
    for tag in own:
        if entry.get(tag) is not None:
            tags[tag] = _number(entry[tag])
    tags["pose"] = str(entry["pose"])
    if entry.get("problem"):
        tags["problem"] = entry["problem"]
    for key, value in tags.items():
        out.write(f">  <{key}>\n{value}\n\n")
    out.write("$$$$\n")
    return out.getvalue()


def _number(value: float) -> str:
    return f"{value:.6f}" if math.isfinite(value) else str(value)


def write_combined(
    path: str | os.PathLike, entries: Iterable[dict], name: str, key: str = "name", temperature: float = 1.0
) -> int:
    """One combined affinity per compound (``key``: the record's name, or an input tag) over its scored
    poses, CNNaffinity combined as free energies by ``name`` (see
    :func:`~voxbind.jobs.combined_affinity`), as a CSV ``compound, poses, scored, CNNaffinity,
    best CNNscore`` in order of first appearance; returns the number of compounds."""
    poses: dict[str, int] = {}  # in order of first appearance
    scored: dict[str, list[tuple[float, float]]] = {}  # (CNNaffinity, CNNscore) of the scored poses
    for entry in entries:
        compound = str(entry.get("name", "") if key == "name" else entry.get("tags", {}).get(key, ""))
        poses[compound] = poses.get(compound, 0) + 1
        if entry.get("CNNaffinity") is not None:
            scored.setdefault(compound, []).append((entry["CNNaffinity"], entry["CNNscore"]))
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([key, "poses", "scored", f"CNNaffinity_{name}", "best_CNNscore"])
        for compound, count in poses.items():
            values = scored.get(compound, [])
            affinity = (
                _number(combine_affinities([a for a, _ in values], name, temperature)) if values else ""
            )
            best = _number(max(s for _, s in values)) if values else ""
            writer.writerow([compound, count, len(values), affinity, best])
    os.replace(temporary, path)
    return len(poses)
