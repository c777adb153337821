"""``.molcache2`` files for the molecules of a ``.types`` file (``voxbind cache``)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..atomtypes.molcache2 import write_molcache2
from ..atomtypes.typers import GninaTyper
from .dataset import per_pose
from .molecule_cache import MoleculeStore
from .types_file import read_types


def build_molcaches(
    types_path: str | os.PathLike,
    output_dir: str | os.PathLike,
    *,
    data_root: str | os.PathLike | None = None,
    num_labels: int | None = None,
    group: bool = False,
    pose_files: bool = False,
    progress: bool = False,
) -> dict[str, int]:
    """Write ``rec.molcache2`` (first molecule of each line) and ``lig.molcache2`` (the others).

    Molecules are stored with GNINA's 28 types, hydrogens included (as GNINA's own caches), under the
    names used in the ``.types`` file; structure files are read and typed once. Use the files with
    ``ComplexDataset(..., molcaches=[...])`` or with GNINA/libmolgrid.

    Args:
        types_path: the ``.types`` file; ``data_root``, ``num_labels``, ``group`` as :func:`read_types`.
        pose_files: each line's last molecule file holds several poses (a docking output): every pose
            is cached, as ``file#k`` (k from 0), the name :func:`~voxbind.data.open_dataset` with
            ``pose_files`` looks for.
        output_dir: the folder to write to (made if missing).
        progress: show a progress bar per file.

    Returns:
        ``{"rec.molcache2": count, "lig.molcache2": count}``.
    """
    types = read_types(types_path, num_labels=num_labels, group=group, data_root=data_root)
    if pose_files:
        types = per_pose(types)
    store = MoleculeStore(types.resolve(""), cache_bytes=0)
    typer = GninaTyper()
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    receptor_ids = np.unique(types.molecules[:, 0])
    ligand_ids = np.setdiff1d(np.unique(types.molecules[:, 1:]), receptor_ids)
    counts = {}
    for filename, ids in (("rec.molcache2", receptor_ids), ("lig.molcache2", ligand_ids)):
        names = [types.names[int(k)] for k in ids if k >= 0]
        bar = tqdm(names, desc=f"{filename:14}", unit="mol", disable=not progress)
        write_molcache2(folder / filename, ((name, store.load(name, typer)) for name in bar))
        counts[filename] = len(names)
    return counts
