"""Channel maps: which source atom types go into which grid channel."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from ..errors import InvalidArgumentError, InvalidFileError
from .gnina import GNINA_TYPE_NAMES, GNINA_XS_RADII


@dataclass(frozen=True)
class ChannelMap:
    """A many-to-one map from source types (e.g. GNINA's 28) to output channels.

    Attributes:
        channels: for each output channel, the names of the source types merged into it.
        source_names: the names of the source types, in index order.
        table: ``(len(source_names),)`` int64: output channel of each source type, -1 for "in no channel"
            (such atoms are dropped by the typers).
    """

    channels: tuple[tuple[str, ...], ...]
    source_names: tuple[str, ...] = GNINA_TYPE_NAMES

    def __post_init__(self) -> None:
        self.table  # noqa: B018 - validates the names

    @cached_property
    def table(self) -> np.ndarray:
        index = {name: i for i, name in enumerate(self.source_names)}
        out = np.full(len(self.source_names), -1, dtype=np.int64)
        for channel, members in enumerate(self.channels):
            for name in members:
                if name not in index:
                    raise InvalidArgumentError(f"unknown atom type {name!r} in channel map")
                out[index[name]] = channel
        out.flags.writeable = False
        return out

    @property
    def names(self) -> tuple[str, ...]:
        """Channel names: member names joined with ``_`` (GNINA's convention)."""
        return tuple("_".join(members) for members in self.channels)

    def __len__(self) -> int:
        return len(self.channels)

    def radii(self, source_radii: Sequence[float] | np.ndarray = GNINA_XS_RADII) -> np.ndarray:
        """``(C,)`` float32 radius (Å) of each channel: the mean of its members' radii."""
        radii = np.asarray(source_radii, dtype=np.float64)
        mapped = self.table >= 0
        length = len(self.channels)
        totals = np.bincount(self.table[mapped], weights=radii[mapped], minlength=length)
        return (totals / np.bincount(self.table[mapped], minlength=length)).astype(np.float32)

    @classmethod
    def from_file(cls, path: str | os.PathLike, source_names: Sequence[str] = GNINA_TYPE_NAMES) -> ChannelMap:
        """Read a GNINA map file: one output channel per non-blank line, the type names on a line merged.

        Raises:
            InvalidFileError: an unknown type name (naming the line), or no channels at all.
        """
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as err:
            raise InvalidFileError(path, "", f"cannot read: {err.strerror or err}") from err
        except UnicodeDecodeError as err:
            raise InvalidFileError(path, f"byte {err.start}", "not a text map file (not UTF-8)") from None
        return cls.from_text(text, source_names, source=path)

    @classmethod
    def from_text(
        cls, text: str, source_names: Sequence[str] = GNINA_TYPE_NAMES, *, source: str | os.PathLike = "map"
    ) -> ChannelMap:
        """A map from GNINA's map text (as in a map file, or a model file's ``recmap``/``ligmap``);
        ``source`` names it in errors.

        Raises:
            InvalidFileError: an unknown type name (naming the line), or no channels at all.
        """
        channels = []
        known = set(source_names)
        for lineno, line in enumerate(text.splitlines(), 1):
            names = line.split()
            if not names:
                continue
            unknown = [n for n in names if n not in known]
            if unknown:
                raise InvalidFileError(source, f"line {lineno}", f"unknown atom type {unknown[0]!r}")
            channels.append(tuple(names))
        if not channels:
            raise InvalidFileError(source, "", "no channels")
        return cls(tuple(channels), tuple(source_names))

    def to_text(self) -> str:
        """GNINA's map text: one line per channel, its type names separated by spaces."""
        return "".join(" ".join(members) + "\n" for members in self.channels)


def _map(*lines: str) -> ChannelMap:
    return ChannelMap(tuple(tuple(line.split()) for line in lines))


_CARBONS = (
    "AliphaticCarbonXSHydrophobe",
    "AliphaticCarbonXSNonHydrophobe",
    "AromaticCarbonXSHydrophobe",
    "AromaticCarbonXSNonHydrophobe",
)
_N_O_S_P = (
    "Nitrogen NitrogenXSAcceptor",
    "NitrogenXSDonor NitrogenXSDonorAcceptor",
    "Oxygen OxygenXSAcceptor",
    "OxygenXSDonorAcceptor OxygenXSDonor",
    "Sulfur SulfurAcceptor",
    "Phosphorus",
)
#: GNINA's default receptor channels (14; hydrogens in none).
DEFAULT_RECEPTOR_MAP = _map(
    *_CARBONS,
    "Bromine Iodine Chlorine Fluorine",
    *_N_O_S_P,
    "Calcium",
    "Zinc",
    "GenericMetal Boron Manganese Magnesium Iron",
)
#: GNINA's default ligand channels (14; hydrogens in none).
DEFAULT_LIGAND_MAP = _map(
    *_CARBONS,
    "Bromine Iodine",
    "Chlorine",
    "Fluorine",
    *_N_O_S_P,
    "GenericMetal Boron Manganese Magnesium Zinc Calcium Iron",
)
#: Every GNINA type in its own channel (28).
GNINA_IDENTITY_MAP = ChannelMap(tuple((name,) for name in GNINA_TYPE_NAMES))
