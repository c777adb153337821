"""Grid a complex from its files and write the grid as DX maps (``voxbind grid``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..atomtypes import (
    DEFAULT_LIGAND_MAP,
    DEFAULT_RECEPTOR_MAP,
    ChannelMap,
    GninaTyper,
    TypedAtoms,
    read_typed_molecules,
)
from ..data import make_example
from ..errors import InvalidArgumentError, InvalidFileError
from ..grid import GridMaker
from ..io import write_dx_channels


@dataclass(frozen=True)
class GridReport:
    """What :func:`grid_to_dx` did.

    Attributes:
        receptor_atoms, ligand_atoms: typed atoms gridded.
        pose: the ligand pose gridded (1-based), and poses: how many the ligand file holds (0 without one).
        shape: ``(C, n, n, n)`` of the grid.
        center: ``(3,)`` grid centre in Å.
        paths: the DX files written, one per channel.
    """

    receptor_atoms: int
    ligand_atoms: int
    pose: int
    poses: int
    shape: tuple[int, ...]
    center: np.ndarray
    paths: list[Path]


def grid_to_dx(
    receptor: str | os.PathLike,
    ligand: str | os.PathLike | None,
    prefix: str | os.PathLike,
    *,
    pose: int = 1,
    center: Sequence[float] | None = None,
    resolution: float = 0.5,
    dimension: float = 23.5,
    receptor_map: str | os.PathLike | None = None,
    ligand_map: str | os.PathLike | None = None,
) -> GridReport:
    """Grid ``receptor`` (+ one pose of ``ligand``) with GNINA's typing and write one DX file per channel,
    ``PREFIX_rec_<channel>.dx`` and ``PREFIX_lig_<channel>.dx``.

    Args:
        receptor, ligand: structure or ``.gninatypes`` files; without a ligand only the receptor channels
            are written, and ``center`` is required.
        pose: the ligand pose (1-based) to grid.
        center: the grid centre ``(x, y, z)`` in Å; default: the pose's centroid.
        resolution, dimension: grid spacing and side (Å).
        receptor_map, ligand_map: GNINA map files (default: GNINA's 14 + 14 channels).

    Raises:
        InvalidArgumentError: no ligand and no centre, or a pose the file does not have.
        InvalidFileError: malformed input, or a pose with no typed atoms to centre on.
    """
    rec_typer = GninaTyper(ChannelMap.from_file(receptor_map) if receptor_map else DEFAULT_RECEPTOR_MAP)
    lig_typer = GninaTyper(ChannelMap.from_file(ligand_map) if ligand_map else DEFAULT_LIGAND_MAP)
    rec = read_typed_molecules(receptor, rec_typer)[0]
    if ligand is None:
        if center is None:
            raise InvalidArgumentError("without a ligand to centre on, give the grid centre (--center X Y Z)")
        lig, count = TypedAtoms.empty(lig_typer.channel_names), 0
    else:
        poses = read_typed_molecules(ligand, lig_typer)
        count = len(poses)
        if not 1 <= pose <= count:
            raise InvalidArgumentError(f"{ligand} holds {count} pose(s); pose {pose} asked for")
        lig = poses[pose - 1]
        if center is None and lig.num_atoms == 0:
            raise InvalidFileError(ligand, f"pose {pose}", "no typed ligand atoms to centre on")
    example = make_example(rec, [lig], center="ligands" if center is None else center)
    gmaker = GridMaker(resolution, dimension)
    coords, types, radii = example.atoms.tensors()
    grid = gmaker(
        torch.as_tensor(example.center, dtype=torch.float32),
        coords,
        types,
        radii,
        rec.num_channels + lig.num_channels,
    )
    names = [f"rec_{n}" for n in rec.channel_names] + [f"lig_{n}" for n in lig.channel_names]
    if ligand is None:  # the empty ligand channels are not worth a file each
        grid, names = grid[: rec.num_channels], names[: rec.num_channels]
    paths = write_dx_channels(prefix, grid.numpy(), example.center, resolution, names)
    return GridReport(rec.num_atoms, lig.num_atoms, pose, count, tuple(grid.shape), example.center, paths)
