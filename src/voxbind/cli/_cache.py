"""``voxbind cache``: molcache2 files for the molecules of a ``.types`` file."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from ..atomtypes import GninaTyper
from ..data import MoleculeStore, read_types
from ..io import write_molcache2


def build_caches(
    types_path: str, output_dir: str, *, data_root: str | None = None, num_labels=None, group=False
) -> dict[str, int]:
    """Write ``rec.molcache2`` (first molecule of each line) and ``lig.molcache2`` (the others).

    Molecules are stored with GNINA's 28 types, hydrogens included (as GNINA's own caches), under the
    names used in the ``.types`` file; structure files are read and typed once.

    Returns:
        ``{"rec.molcache2": count, "lig.molcache2": count}``.
    """
    types = read_types(types_path, num_labels=num_labels, group=group, data_root=data_root)
    store = MoleculeStore(types.resolve(""), cache_bytes=0)
    typer = GninaTyper()
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    receptor_ids = np.unique(types.molecules[:, 0])
    ligand_ids = np.setdiff1d(np.unique(types.molecules[:, 1:]), receptor_ids)
    counts = {}
    for filename, ids in (("rec.molcache2", receptor_ids), ("lig.molcache2", ligand_ids)):
        names = [types.names[int(k)] for k in ids if k >= 0]
        with click.progressbar(names, label=f"{filename:14}", show_pos=True) as bar:
            write_molcache2(folder / filename, ((name, store.load(name, typer)) for name in bar))
        counts[filename] = len(names)
    return counts
