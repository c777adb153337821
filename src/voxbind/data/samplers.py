"""Seeded samplers over a dataset's examples, each usable under DDP (every rank gets a disjoint share).

All samplers build the epoch's order from ``(seed, epoch)`` alone, identically on every rank, then cut it
into units (one example; one cycle over the strata; one group) dealt to the ranks in turn, so each rank's
share is disjoint from the others. When the units do not divide evenly, the last ones are repeated from
the start of the epoch so every rank gets as many (DDP needs equal step counts); ``drop_last=True`` drops
them instead. For evaluation, where every example must count exactly once, ``even=False`` deals the units
as they fall, so shares may differ by one unit. Call :meth:`set_epoch` before each epoch, as with
``DistributedSampler``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch.distributed as dist
from torch.utils.data import Sampler

from .._choices import EPOCHS, check_choice
from ..errors import InvalidArgumentError


class _Sharded:
    """Shared parts: seeds, epochs, ranks and dealing units to ranks."""

    def __init__(
        self,
        shuffle: bool,
        seed: int,
        copies: int,
        num_replicas: int | None,
        rank: int | None,
        drop_last: bool,
        even: bool = True,
    ):
        if copies < 1:
            raise InvalidArgumentError(f"copies must be >= 1, not {copies}")
        if num_replicas is None:
            num_replicas = dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1
        if rank is None:
            rank = dist.get_rank() if dist.is_available() and dist.is_initialized() else 0
        if not 0 <= rank < num_replicas:
            raise InvalidArgumentError(f"rank {rank} outside 0..{num_replicas - 1}")
        self.shuffle = shuffle
        self.seed = int(seed)
        self.num_replicas = int(num_replicas)
        self.rank = int(rank)
        self.drop_last = drop_last
        self.even = even
        self.copies = int(copies)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def _rng(self) -> np.random.Generator:
        return np.random.default_rng([self.seed, self.epoch])

    def _share(self, units: list) -> list:
        if not self.even:
            return units[self.rank :: self.num_replicas]
        count = len(units)
        per_rank = count // self.num_replicas if self.drop_last else -(-count // self.num_replicas)
        total = per_rank * self.num_replicas
        if total > count and count:
            units = units + [units[k % count] for k in range(total - count)]
        return units[self.rank : total : self.num_replicas]


class ExampleSampler(_Sharded, Sampler[int]):
    """Every example once per epoch (``copies`` times with ``copies > 1``), shuffled unless told not to.

    Args:
        size: number of examples (or the dataset).
        shuffle: a new random order each epoch (else file order).
        seed: base seed; the order depends only on ``(seed, epoch)``.
        copies: repeat each example this many times per epoch (each copy in its own random place).
        num_replicas, rank: DDP world size and rank (default: from ``torch.distributed`` when initialised).
        drop_last: drop the uneven tail instead of repeating examples to fill it.
        even: ``False``: no repeats and no drops; ranks may get one example more than others (evaluation).
    """

    def __init__(
        self,
        size,
        *,
        shuffle: bool = True,
        seed: int = 0,
        copies: int = 1,
        num_replicas: int | None = None,
        rank: int | None = None,
        drop_last: bool = False,
        even: bool = True,
    ):
        super().__init__(shuffle, seed, copies, num_replicas, rank, drop_last, even)
        self.size = size if isinstance(size, int) else len(size)

    def _units(self) -> list[int]:
        order = np.tile(np.arange(self.size), self.copies)
        if self.shuffle:
            order = self._rng().permutation(order)
        return order.tolist()

    def __iter__(self) -> Iterator[int]:
        return iter(self._share(self._units()))

    def __len__(self) -> int:
        return len(self._share(list(range(self.size * self.copies))))


class StratifiedSampler(_Sharded, Sampler[int]):
    """Round robin over strata: each cycle takes one example from every stratum, in one order per epoch.

    With two strata (negative, positive) consecutive examples alternate classes, which is what balanced
    training wants; with receptors as strata every receptor is visited equally often, however many poses
    it has.

    Args:
        strata: ``(N,)`` stratum key of each example (any integers); examples with a negative key are
            never drawn.
        epoch: ``"at_most_once"`` — the epoch ends when the smallest stratum is used up, so no example
            repeats (libmolgrid's small epoch); ``"at_least_once"`` — it ends when the largest is, smaller
            strata being reshuffled and reused (libmolgrid's large epoch).
        shuffle: random order within strata and of the strata in a cycle (else file order).
        seed, copies, num_replicas, rank, drop_last: as :class:`ExampleSampler`; the unit dealt to ranks
            is a whole cycle, so each rank's stream alternates strata too.
    """

    def __init__(
        self,
        strata: Sequence[int] | np.ndarray,
        *,
        epoch: str = "at_most_once",
        shuffle: bool = True,
        seed: int = 0,
        copies: int = 1,
        num_replicas: int | None = None,
        rank: int | None = None,
        drop_last: bool = False,
    ):
        super().__init__(shuffle, seed, copies, num_replicas, rank, drop_last)
        check_choice("epoch", epoch, EPOCHS)
        keys = np.asarray(strata, dtype=np.int64)
        valid = np.flatnonzero(keys >= 0)
        self.keys = np.unique(keys[valid])
        if not self.keys.size:
            raise InvalidArgumentError("no example has a stratum")
        self.members = [valid[keys[valid] == k] for k in self.keys]
        self.epoch_mode = epoch

    @property
    def cycles(self) -> int:
        sizes = [m.size for m in self.members]
        per_copy = min(sizes) if self.epoch_mode == "at_most_once" else max(sizes)
        return per_copy * self.copies

    def _units(self) -> list[list[int]]:
        rng = self._rng()
        n_cycles = self.cycles
        columns = []
        for members in self.members:
            need = n_cycles
            stream = []
            while need > 0:
                order = rng.permutation(members) if self.shuffle else members
                stream.append(order[:need])
                need -= min(need, order.size)
            columns.append(np.concatenate(stream))
        table = np.stack(columns, axis=1)  # (cycles, strata)
        if self.shuffle:
            table = table[:, rng.permutation(table.shape[1])]
        return table.tolist()

    def __iter__(self) -> Iterator[int]:
        return (i for cycle in self._share(self._units()) for i in cycle)

    def __len__(self) -> int:
        return len(self._share(list(range(self.cycles)))) * len(self.members)


def balanced_sampler(labels: Sequence[float] | np.ndarray, **options) -> StratifiedSampler:
    """Positives (label > 0) and negatives alternate (:class:`StratifiedSampler` over the class)."""
    return StratifiedSampler((np.asarray(labels) > 0).astype(np.int64), **options)


def receptor_sampler(receptors: Sequence[int] | np.ndarray, **options) -> StratifiedSampler:
    """Every receptor visited equally often (e.g. ``receptors = types_file.receptors()``)."""
    return StratifiedSampler(np.asarray(receptors), **options)


def balanced_receptor_sampler(
    receptors: Sequence[int] | np.ndarray, labels: Sequence[float] | np.ndarray, **options
) -> StratifiedSampler:
    """GNINA's default training sampling (``balanced`` and ``stratify_receptor``): every receptor visited
    equally often and, within each receptor, good poses (label > 0) and bad ones equally often. The strata
    are the (receptor, class) pairs present."""
    receptors = np.asarray(receptors, dtype=np.int64)
    positive = (np.asarray(labels) > 0).astype(np.int64)
    return StratifiedSampler(np.where(receptors >= 0, 2 * receptors + positive, -1), **options)


def value_bins(
    values: Sequence[float] | np.ndarray, minimum: float, maximum: float, step: float
) -> np.ndarray:
    """``(N,)`` bin index of ``|value|`` clipped to ``[minimum, maximum]``, bins ``step`` wide."""
    if step <= 0 or maximum <= minimum:
        raise InvalidArgumentError(f"need step > 0 and maximum > minimum, not {minimum}, {maximum}, {step}")
    count = int(np.ceil((maximum - minimum) / step))
    magnitude = np.clip(np.abs(np.asarray(values, dtype=np.float64)), minimum, maximum)
    return np.minimum(((magnitude - minimum) / step).astype(np.int64), count - 1)


def value_sampler(values, minimum: float, maximum: float, step: float, **options) -> StratifiedSampler:
    """Every bin of ``|value|`` (e.g. affinity) visited equally often; see :func:`value_bins`."""
    return StratifiedSampler(value_bins(values, minimum, maximum, step), **options)


class GroupedSampler(_Sharded, Sampler[list[int]]):
    """Whole groups (e.g. all poses of a compound) as lists of ``max_group_size`` indices.

    Groups with fewer members are padded with ``-1`` (``ComplexDataset`` returns ``None`` there and the
    collate step masks it); larger groups are cut to ``max_group_size`` members (a random subset when
    shuffling, else the first ones).

    Args:
        groups: ``(N,)`` group id of each example (e.g. ``types_file.groups``).
        max_group_size: ``K``.
        shuffle, seed, copies, num_replicas, rank, drop_last, even: as :class:`ExampleSampler`, the unit
            being a group.
    """

    def __init__(
        self,
        groups: Sequence[int] | np.ndarray,
        max_group_size: int,
        *,
        shuffle: bool = True,
        seed: int = 0,
        copies: int = 1,
        num_replicas: int | None = None,
        rank: int | None = None,
        drop_last: bool = False,
        even: bool = True,
    ):
        super().__init__(shuffle, seed, copies, num_replicas, rank, drop_last, even)
        if max_group_size < 1:
            raise InvalidArgumentError(f"max_group_size must be >= 1, not {max_group_size}")
        ids = np.asarray(groups, dtype=np.int64)
        _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
        order = np.argsort(first)  # groups in order of first appearance
        self.members = [np.flatnonzero(inverse == g) for g in order]
        self.max_group_size = max_group_size

    def _units(self) -> list[list[int]]:
        rng = self._rng()
        groups = list(range(len(self.members))) * self.copies
        if self.shuffle:
            groups = rng.permutation(groups).tolist()
        out = []
        for g in groups:
            members = self.members[g]
            if members.size > self.max_group_size:
                members = (
                    np.sort(rng.choice(members, self.max_group_size, replace=False))
                    if self.shuffle
                    else members[: self.max_group_size]
                )
            row = members.tolist() + [-1] * (self.max_group_size - members.size)
            out.append(row)
        return out

    def __iter__(self) -> Iterator[list[int]]:
        return iter(self._share(self._units()))

    def __len__(self) -> int:
        return len(self._share(list(range(len(self.members) * self.copies))))
