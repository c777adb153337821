"""Structure files to GNINA's ``.gninatypes`` (``voxbind convert``)."""

from __future__ import annotations

import os
from pathlib import Path

from ..atomtypes import GninaTyper, read_typed_molecules, write_gninatypes
from ..io.source import SUFFIXES


def convert_to_gninatypes(path: str | os.PathLike, output_dir: str | os.PathLike | None = None) -> list[Path]:
    """Write every pose of a structure file as ``STEM_K.gninatypes`` (GNINA's 28 types, hydrogens
    included; ``K`` counts from 0, as GNINA's gninatyper names them).

    Args:
        path: a structure file (PDB, SDF, MOL2, ...; ``.gz`` too).
        output_dir: where to write (made if missing); default: next to ``path``.

    Returns:
        The files written, in pose order.
    """
    source = Path(path)
    stem = source.name[:-3] if source.name.lower().endswith(".gz") else source.name
    stem = Path(stem).stem if Path(stem).suffix.lower() in SUFFIXES else stem
    folder = Path(output_dir) if output_dir is not None else source.parent
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for k, atoms in enumerate(read_typed_molecules(source, GninaTyper())):
        target = folder / f"{stem}_{k}.gninatypes"
        write_gninatypes(target, atoms)
        written.append(target)
    return written
