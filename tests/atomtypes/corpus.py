"""The typing corpus (``scripts/typing_corpus.py``): voxbind's GNINA types of each file against
libmolgrid's (``tests/fixtures/typing_corpus.npz``, made by ``scripts/make_typing_corpus.py``).

``python -m tests.atomtypes.corpus`` prints the per-file table of ``docs/atom-typing.md``.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from voxbind.atomtypes import GninaTyper, read_typed_molecules

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "typing_corpus.npz"
SHARED = Path(os.environ.get("VOXBIND_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))


@dataclass(frozen=True)
class FileAgreement:
    """How many heavy atoms of a corpus file voxbind types as libmolgrid does."""

    name: str
    agree: int
    total: int
    unmatched: int

    @property
    def fraction(self) -> float:
        return self.agree / self.total if self.total else 1.0


def resolve(name: str) -> Path | None:
    """The path of a corpus file, or None when its source (shared data, a package) is not here."""
    source, _, relative = name.partition(":")
    if source == "shared":
        root = SHARED
    else:
        spec = importlib.util.find_spec(source)
        if spec is None or not spec.submodule_search_locations:
            return None
        root = Path(next(iter(spec.submodule_search_locations)))
    path = root / relative
    return path if path.is_file() else None


def measure() -> list[FileAgreement]:
    """The agreement of every corpus file found here (heavy atoms matched by coordinates)."""
    data = np.load(FIXTURE)
    typer = GninaTyper()
    out = []
    for k, name in enumerate(data["files"].tolist()):
        path = resolve(name)
        if path is None:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = read_typed_molecules(path, typer)[0]
        theirs = data[f"{k}/types"].astype(np.int64)
        distance, index = cKDTree(ours.coords).query(data[f"{k}/coords"])
        matched = distance < 1e-3
        agree = int(((ours.types[index] == theirs) & matched).sum())
        out.append(FileAgreement(name, agree, len(theirs), int((~matched).sum())))
    return out


def table(rows: list[FileAgreement]) -> str:
    """The per-file Markdown table."""
    lines = ["| file | heavy atoms | agree |", "| --- | ---: | ---: |"]
    lines += [f"| `{r.name}` | {r.total} | {100 * r.fraction:.2f} % |" for r in rows]
    agree, total = sum(r.agree for r in rows), sum(r.total for r in rows)
    lines.append(f"| **all {len(rows)} files** | {total} | {100 * agree / total:.2f} % |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(measure()))
