"""The output of a typer: atoms ready for :meth:`voxbind.GridMaker.forward`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True, eq=False)
class TypedAtoms:
    """Typed atoms of one molecule.

    Attributes:
        coords: ``(N, 3)`` float32 coordinates in Å.
        types: ``(N,)`` int64 channel indices (index typing) or ``(N, C)`` float32 channel weights
            (vector typing).
        radii: ``(N,)`` float32 atomic radii in Å.
        channel_names: the ``C`` channel names.
    """

    coords: np.ndarray
    types: np.ndarray
    radii: np.ndarray
    channel_names: tuple[str, ...]

    @classmethod
    def empty(cls, channel_names: tuple[str, ...]) -> TypedAtoms:
        """No atoms (index types) over these channels: a ``none`` entry of a ``.types`` line."""
        return cls(
            np.zeros((0, 3), np.float32), np.zeros(0, np.int64), np.zeros(0, np.float32), tuple(channel_names)
        )

    @property
    def num_atoms(self) -> int:
        return int(self.coords.shape[0])

    @property
    def num_channels(self) -> int:
        return len(self.channel_names)

    @property
    def vector(self) -> bool:
        """Whether types are per-channel weights rather than indices."""
        return self.types.ndim == 2

    def centroid(self) -> np.ndarray:
        """``(3,)`` float64 unweighted mean of the coordinates (Å) — GNINA's default grid center.

        Computed as libmolgrid does (a float32 running sum divided by the count), so that grids centred
        here equal libmolgrid's to float32 precision; it differs from the exact mean by ~1e-6 Å.
        """
        if not self.num_atoms:
            return np.zeros(3)
        total = np.cumsum(self.coords.astype(np.float32), axis=0, dtype=np.float32)[-1]
        return (total / np.float32(self.num_atoms)).astype(np.float64)

    def tensors(self, device: torch.device | str | None = None):
        """``(coords, types, radii)`` as torch tensors for :meth:`voxbind.GridMaker.forward`."""
        return (
            torch.as_tensor(self.coords, device=device),
            torch.as_tensor(self.types, device=device),
            torch.as_tensor(self.radii, device=device),
        )

    def shifted(self, offset: int, total: int) -> TypedAtoms:
        """These atoms with channels moved to ``offset .. offset + C`` of ``total`` channels."""
        names = [""] * total
        names[offset : offset + self.num_channels] = self.channel_names
        if self.vector:
            types = np.zeros((self.num_atoms, total), dtype=np.float32)
            types[:, offset : offset + self.num_channels] = self.types
        else:
            types = self.types + offset
        return TypedAtoms(self.coords, types, self.radii, tuple(names))


def combine(*parts: TypedAtoms) -> TypedAtoms:
    """Concatenate typed molecules channel-wise: receptor channels, then ligand channels (GNINA's order).

    Each part keeps its own channels; the result has the sum of their channel counts.
    """
    total = sum(p.num_channels for p in parts)
    shifted, offset = [], 0
    for part in parts:
        shifted.append(part.shifted(offset, total))
        offset += part.num_channels
    names = tuple(n for p in parts for n in p.channel_names)
    vector = any(p.vector for p in parts)
    if vector:
        types = np.concatenate(
            [s.types if s.vector else np.eye(total, dtype=np.float32)[s.types] for s in shifted]
        )
    else:
        types = np.concatenate([s.types for s in shifted])
    return TypedAtoms(
        np.concatenate([p.coords for p in parts]).astype(np.float32),
        types,
        np.concatenate([p.radii for p in parts]).astype(np.float32),
        names,
    )
