"""Every exception and warning type voxbind raises on purpose.

Errors a user can cause (bad input files, bad argument or option values, missing weights) are
:class:`VoxbindError` subclasses; the command line prints them as one line and exits with status 2.
Each also derives from the built-in type it refines (``ValueError``, ``RuntimeError``), so code that
catches those keeps working. Recoverable oddities are :class:`VoxbindWarning` subclasses.
"""

from __future__ import annotations

__all__ = [
    "BackendUnavailableError",
    "ConfigError",
    "DependencyError",
    "GridInputError",
    "InvalidArgumentError",
    "InvalidFileError",
    "NotDifferentiableError",
    "StructureWarning",
    "TypingWarning",
    "VoxbindError",
    "VoxbindWarning",
    "WeightsError",
]


class VoxbindError(Exception):
    """Base class of every error voxbind raises on purpose."""


class InvalidArgumentError(VoxbindError, ValueError):
    """A function argument or command option has a value it does not accept (the message names both)."""


class GridInputError(InvalidArgumentError):
    """Atoms, types, radii or centers handed to the gridder are malformed (shape, dtype, value)."""


class ConfigError(InvalidArgumentError):
    """A training option is unknown, of the wrong type or out of range (the message names its source)."""


class BackendUnavailableError(VoxbindError, RuntimeError):
    """A backend was asked for by name but cannot run here (not installed, or wrong device)."""


class NotDifferentiableError(VoxbindError, RuntimeError):
    """A gradient was asked for through an operation that has none (binary grids)."""


class DependencyError(VoxbindError, RuntimeError):
    """An optional package that a feature needs is not installed (the message says what to install)."""


class WeightsError(VoxbindError):
    """Model weights cannot be found, or a weights or checkpoint file does not fit its model."""


class InvalidFileError(VoxbindError, ValueError):
    """A structure or data file is malformed or cannot be read.

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

    def __reduce__(self):  # picklable across DataLoader workers despite the three-argument constructor
        return type(self), (self.path, self.where, self.reason)


class VoxbindWarning(UserWarning):
    """Base class of the warnings voxbind issues: something was recovered from, the result is usable."""


class StructureWarning(VoxbindWarning):
    """A structure was read, but something about it had to be guessed or repaired."""


class TypingWarning(VoxbindWarning):
    """An atom could only be typed by a fallback (e.g. an unknown element became GenericMetal)."""
