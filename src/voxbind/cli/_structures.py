"""Loading typed receptors and ligands for the commands, from structure files or gninatypes."""

from __future__ import annotations

from pathlib import Path

from ..atomtypes import ChannelMap, GninaTyper, TypedAtoms, read_typed_molecules
from ..io import read_gninatypes


def load_typed(path: str, channel_map: ChannelMap, pose: int = 0) -> tuple[TypedAtoms, int]:
    """Typed atoms of one pose of ``path`` (0-based) and the number of poses in the file."""
    if Path(path).name.lower().endswith(".gninatypes"):
        return channel_map.apply(read_gninatypes(path)), 1
    typed = read_typed_molecules(path, GninaTyper(channel_map))
    if not 0 <= pose < len(typed):
        raise IndexError(f"{path} has {len(typed)} pose(s); pose {pose + 1} asked for")
    return typed[pose], len(typed)
