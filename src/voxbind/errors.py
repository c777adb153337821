"""Exception types raised by voxbind."""

from __future__ import annotations

__all__ = [
    "BackendUnavailableError",
    "GridInputError",
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
