"""OpenDX grid maps (``.dx``), as read by PyMOL, VMD and ChimeraX."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._atomic import atomic_write
from ..errors import InvalidArgumentError, InvalidFileError
from .source import read_text


def write_dx(
    path: str | os.PathLike, values: np.ndarray, origin: Sequence[float] | np.ndarray, resolution: float
) -> None:
    """Write one ``(nx, ny, nz)`` grid; point ``(i, j, k)`` lies at ``origin + (i, j, k) * resolution`` (Å).

    Values are written with z varying fastest (the C order of a ``[x][y][z]`` array), three per line.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 3:
        raise InvalidArgumentError(f"write_dx takes one (nx, ny, nz) grid, got shape {values.shape}")
    nx, ny, nz = values.shape
    ox, oy, oz = (float(v) for v in origin)
    flat = values.ravel()
    body = "\n".join(" ".join(f"{v:.6g}" for v in flat[i : i + 3]) for i in range(0, flat.size, 3))
    with atomic_write(path, "w", encoding="ascii") as out:
        out.write(
            f"object 1 class gridpositions counts {nx} {ny} {nz}\n"
            f"origin {ox:.6f} {oy:.6f} {oz:.6f}\n"
            f"delta {resolution:.6f} 0 0\ndelta 0 {resolution:.6f} 0\ndelta 0 0 {resolution:.6f}\n"
            f"object 2 class gridconnections counts {nx} {ny} {nz}\n"
            f"object 3 class array type double rank 0 items {flat.size} data follows\n"
        )
        out.write(body)
        out.write(
            '\nattribute "dep" string "positions"\nobject "density" class field\n'
            'component "positions" value 1\ncomponent "connections" value 2\ncomponent "data" value 3\n'
        )


def read_dx(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read a DX grid: ``(values (nx, ny, nz) float64, origin (3,) Å, deltas (3, 3) Å)``.

    Raises:
        InvalidFileError: a missing header line, or a value count that differs from the announced one.
    """
    text = read_text(path)
    counts = re.search(r"gridpositions\s+counts\s+(\d+)\s+(\d+)\s+(\d+)", text)
    origin = re.search(r"^origin\s+(\S+)\s+(\S+)\s+(\S+)", text, re.M)
    deltas = re.findall(r"^delta\s+(\S+)\s+(\S+)\s+(\S+)", text, re.M)
    start = re.search(r"data follows\s*\n", text)
    if not (counts and origin and len(deltas) == 3 and start):
        raise InvalidFileError(path, "header", "missing gridpositions, origin, delta or data lines")
    shape = tuple(int(v) for v in counts.groups())
    tokens = []
    for line in text[start.end() :].splitlines():
        if line.startswith(("attribute", "object", "component")):
            break
        tokens.extend(line.split())
    try:
        values = np.array(tokens, dtype=np.float64)
    except ValueError as err:
        raise InvalidFileError(path, "data", f"non-numeric value ({err})") from None
    if values.size != math.prod(shape):
        raise InvalidFileError(path, "data", f"{values.size} values for a {shape} grid")
    try:
        corner = np.array([float(v) for v in origin.groups()])
        steps = np.array([[float(v) for v in d] for d in deltas])
    except ValueError as err:
        raise InvalidFileError(path, "header", f"non-numeric origin or delta ({err})") from None
    return values.reshape(shape), corner, steps


def write_dx_channels(
    prefix: str | os.PathLike,
    grid: np.ndarray,
    center: Sequence[float] | np.ndarray,
    resolution: float,
    channel_names: Sequence[str],
) -> list[Path]:
    """Write a ``(C, n, n, n)`` grid centered on ``center`` as one ``{prefix}_{channel}.dx`` file per channel.

    The origin is the position of point ``(0, 0, 0)``: ``center - (n - 1) * resolution / 2`` on each axis,
    the convention of :class:`voxbind.GridMaker` and libmolgrid. Returns the paths written.
    """
    grid = np.asarray(grid)
    if grid.ndim != 4 or len(channel_names) != grid.shape[0]:
        raise InvalidArgumentError(
            f"need a (C, nx, ny, nz) grid with {len(channel_names)} channels, got {grid.shape}"
        )
    half = (np.array(grid.shape[1:]) - 1) * resolution / 2.0
    origin = np.asarray(center, dtype=np.float64) - half
    Path(os.fspath(prefix)).parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for values, name in zip(grid, channel_names, strict=False):
        safe = re.sub(r"[^A-Za-z0-9_.+-]", "_", name) or "channel"
        path = Path(f"{os.fspath(prefix)}_{safe}.dx")
        write_dx(path, values, origin, resolution)
        paths.append(path)
    return paths
