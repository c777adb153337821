"""Batches: examples (or groups of examples) → padded atom tensors → ``(B, C, n, n, n)`` grids."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from ..errors import GridInputError, InvalidArgumentError
from ..grid.functional import check_atoms
from ..grid.gridmaker import GridMaker
from ._reach import in_box
from .complex import Example
from .transforms import RandomTransform, Transform


@dataclass(frozen=True)
class Batch:
    """A batch of examples; grouped batches have a leading ``(B, K)`` instead of ``(B,)``.

    Attributes:
        coords: ``(B, N, 3)`` float32 coordinates (Å) after augmentation, padded.
        types: ``(B, N)`` int64 channel indices (``-1`` = padding) or ``(B, N, C)`` float32 weights.
        radii: ``(B, N)`` float32 radii (Å).
        centers: ``(B, 3)`` float64 grid centers (Å).
        labels: ``(B, L)`` float32.
        indices: ``(B,)`` int64 dataset indices (``-1`` = padding slot of a group).
        mask: ``(B,)`` bool, ``True`` for real examples.
        atom_index: ``(B, N)`` int64 position of each row in its example's atoms (``-1`` = padding);
            with cropping, rows are only the atoms that reach the grid.
        transforms: the motion applied to each example (map coordinate gradients back with
            :meth:`Transform.gradient_to_original`).
        num_channels: ``C``.
        group_size: ``K`` for grouped batches (then every tensor's first dimension is ``B * K`` and
            :meth:`grouped` reshapes), else ``None``.
        grids: ``(B, C, n, n, n)`` float32 once gridded (``(B, C, n/p, n/p, n/p)`` average-pooled by
            ``pool = p``), else ``None``.
        pool: the factor the grids are average-pooled by (see :meth:`gridded`).
        checked: whether the atom values (finite coordinates and radii, types in range) were checked
            on the host when the batch was made; gridding then skips the checks, which on a GPU would
            wait for the device.
    """

    coords: torch.Tensor
    types: torch.Tensor
    radii: torch.Tensor
    centers: torch.Tensor
    labels: torch.Tensor
    indices: torch.Tensor
    mask: torch.Tensor
    atom_index: torch.Tensor
    transforms: tuple[Transform, ...]
    num_channels: int
    group_size: int | None = None
    grids: torch.Tensor | None = None
    checked: bool = False
    pool: int = 1

    def __len__(self) -> int:
        return int(self.indices.shape[0])

    def _map(self, fn) -> Batch:
        names = ("coords", "types", "radii", "centers", "labels", "indices", "mask", "atom_index", "grids")
        return replace(self, **{n: fn(getattr(self, n)) for n in names if getattr(self, n) is not None})

    def to(self, device, non_blocking: bool = False) -> Batch:
        """The tensors moved to ``device`` (transforms stay on the host). From pinned memory (see
        :meth:`pin_memory`), ``non_blocking=True`` copies without waiting for the device."""
        return self._map(lambda t: t.to(device, non_blocking=non_blocking))

    def pin_memory(self) -> Batch:
        """The tensors in page-locked host memory (a ``DataLoader`` with ``pin_memory=True`` calls this),
        so that copies to a GPU can run behind queued work instead of waiting for it."""
        return self._map(lambda t: t.pin_memory())

    def gridded(
        self,
        gridmaker: GridMaker,
        out: torch.Tensor | None = None,
        dtype: torch.dtype | None = None,
        pool: int = 1,
    ) -> Batch:
        """This batch with ``grids`` computed on the batch's device, in one batched call.

        Args:
            out: a ``(B, C, n, n, n)`` buffer to grid into; reusing one across batches is much faster
                than fresh memory on CPU (the previous batch's grids are overwritten).
            dtype: ``torch.float16`` or ``torch.bfloat16`` for half-precision grids (summed in float32,
                rounded once): half the memory, and what a model under autocast takes. Default: the
                coordinates' dtype (float32), or ``out``'s.
            pool: make the grids average-pooled by this factor directly (as a model whose first layer
                pools them takes them, e.g. Default2018's 2; see :class:`~voxbind.GridMaker`).
        """
        if out is not None and out.shape[0] != len(self):
            out = None  # e.g. the last, shorter batch of an epoch
        if out is None and dtype is not None and dtype != self.coords.dtype:
            channels, *sides = gridmaker.grid_shape(self.num_channels)
            shape = (len(self), channels, *(side // pool for side in sides))
            out = torch.empty(shape, dtype=dtype, device=self.coords.device)
        with torch.no_grad():
            grids = gridmaker(
                self.centers.to(self.coords.dtype),
                self.coords,
                self.types,
                self.radii,
                self.num_channels,
                out=out,
                check_values=not self.checked,
                pool=pool,
            )
        return replace(self, grids=grids, pool=pool)

    def grouped(self, tensor: torch.Tensor) -> torch.Tensor:
        """``tensor`` with its first dimension split into ``(B, K)`` for grouped batches."""
        if self.group_size is None:
            return tensor
        return tensor.reshape(-1, self.group_size, *tensor.shape[1:])


def atoms_reaching(
    coords: np.ndarray, radii: np.ndarray, center: np.ndarray, gridmaker: GridMaker
) -> np.ndarray:
    """Indices of the atoms (``(N, 3)`` coordinates and ``(N,)`` radii, Å) whose density reaches the grid of
    ``gridmaker`` centred at ``center``."""
    geom = gridmaker.geometry
    half = (geom.n - 1) * geom.resolution / 2
    return in_box(coords, radii, center, half, geom.profile.cutoff * gridmaker.radius_scale)


def pad_examples(
    examples: list[Example | None],
    transforms: list[Transform],
    num_channels: int,
    num_labels: int,
    crop_to: GridMaker | None = None,
) -> dict[str, torch.Tensor]:
    """Stack examples into padded tensors (``None`` entries become empty, masked-out slots), moving each
    example's atoms by its transform and, with ``crop_to``, keeping only atoms that reach that grid."""
    batch = len(examples)
    moved: list[np.ndarray | None] = []
    rows: list[np.ndarray] = []
    for example, motion in zip(examples, transforms, strict=True):
        if example is None:
            moved.append(None)
            rows.append(np.zeros(0, dtype=np.int64))
            continue
        coords = motion.apply(example.atoms.coords)
        keep = (
            np.arange(example.atoms.num_atoms)
            if crop_to is None
            else atoms_reaching(coords, example.atoms.radii, example.center, crop_to)
        )
        moved.append(coords[keep])
        rows.append(keep)
    longest = max((r.size for r in rows), default=0)
    vector = any(e is not None and e.atoms.vector for e in examples)
    coords = np.zeros((batch, longest, 3), dtype=np.float32)
    types = np.zeros((batch, longest, num_channels), np.float32) if vector else np.full((batch, longest), -1)
    radii = np.zeros((batch, longest), dtype=np.float32)
    centers = np.zeros((batch, 3))
    labels = np.zeros((batch, num_labels), dtype=np.float32)
    indices = np.full(batch, -1, dtype=np.int64)
    atom_index = np.full((batch, longest), -1, dtype=np.int64)
    for b, example in enumerate(examples):
        if example is None:
            continue
        keep = rows[b]
        n = keep.size
        coords[b, :n] = moved[b]
        types[b, :n] = example.atoms.types[keep]
        radii[b, :n] = example.atoms.radii[keep]
        atom_index[b, :n] = keep
        centers[b] = example.center
        labels[b] = example.labels
        indices[b] = example.index
    return {
        "coords": torch.from_numpy(coords),
        "types": torch.from_numpy(types),
        "radii": torch.from_numpy(radii),
        "centers": torch.from_numpy(centers),
        "labels": torch.from_numpy(labels),
        "indices": torch.from_numpy(indices),
        "mask": torch.from_numpy(indices >= 0),
        "atom_index": torch.from_numpy(atom_index),
    }


class GridCollate:
    """A ``DataLoader`` ``collate_fn``: augment, pad and (optionally) grid a list of examples.

    Args:
        gridmaker: grids the batch on the CPU (in the worker); ``None`` leaves gridding to the caller —
            ``batch.to("cuda").gridded(gridmaker)`` grids on the GPU in one call.
        transform: random motion per example (e.g. :class:`RandomTransform`); ``None`` = no motion.
        num_channels: channels ``C`` (default: from the first example's atoms).
        crop: keep only the atoms whose density reaches the grid (of ``gridmaker``, or of ``crop_to``
            when gridding is left to the caller); the grids are the same, the batch smaller. Rows map
            back to atoms through ``batch.atom_index``.
        crop_to: the :class:`GridMaker` to crop for when ``gridmaker`` is ``None``.
        pool: with ``gridmaker``, grids average-pooled by this factor (see :meth:`Batch.gridded`).
        check: when gridding is left to the caller, check the atom values here, on the host (the default;
            a GPU then need not wait for its own check). Turn it off for a caller that grids on the CPU,
            where gridding checks them anyway.

    Items may be examples or lists of examples with ``None`` padding (from
    :class:`~voxbind.data.GroupedSampler`); groups are flattened to ``B * K`` rows.
    """

    def __init__(
        self,
        gridmaker: GridMaker | None = None,
        transform: RandomTransform | None = None,
        *,
        num_channels: int | None = None,
        crop: bool = True,
        crop_to: GridMaker | None = None,
        pool: int = 1,
        check: bool = True,
    ):
        self.gridmaker = gridmaker
        self.pool = pool
        self.check = check
        self.transform = transform
        self.num_channels = num_channels
        self.crop_to = (crop_to or gridmaker) if crop else None

    def _motion(self, example: Example | None) -> Transform:
        if example is None:
            return Transform.identity(np.zeros(3))
        if self.transform is None:
            return Transform.identity(example.center)
        return self.transform(example.center, example.index)

    def __call__(self, items) -> Batch:
        group_size = None
        if items and isinstance(items[0], list):
            group_size = len(items[0])
            examples = [e for group in items for e in group]
        else:
            examples = list(items)
        real = [e for e in examples if e is not None]
        if not real:
            raise InvalidArgumentError("a batch needs at least one example")
        channels = self.num_channels or real[0].atoms.num_channels
        motions = [self._motion(e) for e in examples]
        tensors = pad_examples(examples, motions, channels, real[0].labels.shape[0], self.crop_to)
        batch = Batch(**tensors, transforms=tuple(motions), num_channels=channels, group_size=group_size)  # type: ignore[arg-type]  # (the tensors are the tensor fields)
        if self.gridmaker is not None:
            return batch.gridded(self.gridmaker, pool=self.pool)
        if not self.check:
            return batch
        # Gridding is left to the caller, maybe on a GPU: check the values here, on the host, where it
        # costs no synchronisation (GridInputError for a bad value, as gridding would raise).
        try:
            check_atoms(batch.centers, batch.coords, batch.types, batch.radii, channels, radii_per_type=False)
        except GridInputError as exc:
            raise GridInputError(f"{exc} ({_culprit(batch, channels)})") from exc
        return replace(batch, checked=True)


def _culprit(batch: Batch, channels: int) -> str:
    """Which dataset example of ``batch`` fails the value checks (run again one row at a time)."""
    for b, index in enumerate(batch.indices.tolist()):
        try:
            row = (batch.centers[b], batch.coords[b], batch.types[b], batch.radii[b], channels)
            check_atoms(*row, radii_per_type=False)
        except GridInputError:
            return f"dataset example {index}"
    return "several examples together"
