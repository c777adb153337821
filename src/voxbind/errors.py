"""Exception types raised by voxbind."""

from __future__ import annotations

__all__ = [
    "BackendUnavailableError",
    "GridInputError",
    "InvalidFileError",
    "NotDifferentiableError",
    "VoxbindError",
]


class VoxbindError(Exception):
    """Base class of every error voxbind raises on purpose."""


class GridInputError(VoxbindError, ValueError):
    """Atoms, types, radii or centers handed to the gridder are malformed (shape, dtype, value)."""


class BackendUnavailableError(VoxbindError, RuntimeError):
    """A backend was asked for by name but cannot run here (not installed, or wrong device)."""


class NotDifferentiableError(VoxbindError, RuntimeError):
    """A gradient was asked for through an operation that has none (binary grids)."""


class InvalidFileError(VoxbindError, ValueError):
    """A structure or data file is malformed.

    Attributes:
        path: the file (or a description of the stream) that was being read.
        where: the line, record or byte offset at fault (``"line 12"``, ``"record 3"``), or ``""``.
        reason: what is wrong.
    """

    def __init__(self, path: object, where: str, reason: str) -> None:
        self.path = str(path)
        self.where = where
        self.reason = reason
        location = f"{self.path}, {where}" if where else self.path
        super().__init__(f"{location}: {reason}")
