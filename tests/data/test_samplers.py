"""Samplers on the shared small.types / grouped.types: balance, stratification, groups, ranks, seeds."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch

from voxbind.data import (
    ComplexDataset,
    ExampleSampler,
    GridCollate,
    GroupedSampler,
    StratifiedSampler,
    balanced_receptor_sampler,
    balanced_sampler,
    read_types,
    receptor_sampler,
    value_bins,
    value_sampler,
)

from ..conftest import shared_data


@pytest.fixture(scope="module")
def small():
    return read_types(shared_data() / "gnina-testdata" / "small.types")


def test_example_sampler_is_a_seeded_permutation():
    a = list(ExampleSampler(100, seed=3))
    assert sorted(a) == list(range(100))
    assert a != list(range(100))
    assert a == list(ExampleSampler(100, seed=3))
    other_epoch = ExampleSampler(100, seed=3)
    other_epoch.set_epoch(1)
    assert list(other_epoch) != a
    assert list(ExampleSampler(10, shuffle=False)) == list(range(10))
    assert Counter(ExampleSampler(10, copies=3)) == Counter({i: 3 for i in range(10)})


def test_balanced_batches_alternate_classes(small):
    labels = small.labels[:, 0]
    sampler = balanced_sampler(labels, seed=0)
    order = list(sampler)
    classes = labels[order] > 0
    assert (classes[0::2] != classes[1::2]).all()  # every consecutive pair has one of each
    assert (classes[:-1] != classes[1:]).all()  # and the classes strictly alternate
    positives = int((labels > 0).sum())
    assert len(order) == 2 * min(positives, len(labels) - positives)  # at most once: no repeats
    assert len(set(order)) == len(order)
    at_least = list(balanced_sampler(labels, epoch="at_least_once", seed=0))
    assert set(at_least) == set(range(len(labels)))  # every example at least once
    assert len(at_least) == 2 * max(positives, len(labels) - positives)


def test_receptor_stratification_visits_receptors_uniformly(small):
    receptors = small.receptors()
    order = list(receptor_sampler(receptors, seed=1))
    n_receptors = len(np.unique(receptors))
    assert n_receptors == 60
    counts = Counter(receptors[order].tolist())
    assert len(counts) == 60
    assert len(set(counts.values())) == 1
    cycle = receptors[order[:n_receptors]]
    assert len(set(cycle.tolist())) == n_receptors  # each cycle visits all of them once


def test_balanced_receptor_sampling_visits_each_receptors_classes_equally(small):
    receptors, labels = small.receptors(), small.labels[:, 0] > 0
    order = list(balanced_receptor_sampler(receptors, small.labels[:, 0], seed=3))
    pairs = Counter(zip(receptors[order].tolist(), labels[order].tolist(), strict=True))
    present = set(zip(receptors.tolist(), labels.tolist(), strict=True))
    assert set(pairs) == present  # every (receptor, class) pair present is drawn ...
    assert len(set(pairs.values())) == 1  # ... equally often
    both = {r for r, _ in present if (r, True) in present and (r, False) in present}
    drawn = Counter(receptors[order].tolist())
    assert len({drawn[r] for r in both}) == 1  # receptors with both classes equally often


def test_value_stratification(small):
    affinity = small.labels[:, 1]
    bins = value_bins(affinity, 2.0, 10.0, 2.0)
    assert bins.min() >= 0
    assert bins.max() <= 3
    assert value_bins([0.5, 2.0, 3.9, 4.0, 11.0, -9.9], 2.0, 10.0, 2.0).tolist() == [0, 0, 0, 1, 3, 3]
    order = list(value_sampler(affinity, 2.0, 10.0, 2.0, seed=0))
    counts = Counter(bins[order].tolist())
    assert len(set(counts.values())) == 1


def test_grouped_sampling_yields_whole_groups_with_masks():
    data = shared_data() / "gnina-testdata"
    types = read_types(data / "grouped.types", group=True)
    sampler = GroupedSampler(types.groups, max_group_size=5, seed=0)
    groups = list(sampler)
    assert len(groups) == 6
    for row in groups:
        assert len(row) == 5
        members = [i for i in row if i >= 0]
        assert len({int(types.groups[i]) for i in members}) == 1
        group = int(types.groups[members[0]])
        assert sorted(members) == np.flatnonzero(types.groups == group).tolist()  # the whole group
    dataset = ComplexDataset(types, data_root=data / "structs")
    batch = GridCollate()([dataset[row] for row in groups[:2]])
    assert batch.group_size == 5
    assert batch.grouped(batch.mask).shape == (2, 5)
    expected = torch.tensor([[i >= 0 for i in row] for row in groups[:2]])
    assert torch.equal(batch.grouped(batch.mask), expected)
    cut = list(GroupedSampler(types.groups, max_group_size=2, shuffle=False))
    assert cut[0] == [0, 1]
    assert all(len(r) == 2 for r in cut)


@pytest.mark.parametrize(
    "make",
    [
        lambda t, **kw: ExampleSampler(len(t), **kw),
        lambda t, **kw: balanced_sampler(t.labels[:, 0], **kw),
        lambda t, **kw: receptor_sampler(t.receptors(), **kw),
        lambda t, **kw: balanced_receptor_sampler(t.receptors(), t.labels[:, 0], **kw),
    ],
    ids=["shuffle", "balanced", "receptor", "balanced_receptor"],
)
def test_two_ranks_get_disjoint_shares_that_cover_the_epoch(small, make):
    whole = list(make(small, seed=5, num_replicas=1, rank=0))
    shares = [list(make(small, seed=5, num_replicas=2, rank=r)) for r in (0, 1)]
    assert len(shares[0]) == len(shares[1])
    assert set(shares[0]) | set(shares[1]) == set(whole)
    padded = len(shares[0]) + len(shares[1]) - len(whole)  # repeats that even out the shares
    assert len(set(shares[0]) & set(shares[1])) <= padded
    if not padded:
        assert not set(shares[0]) & set(shares[1])


def test_balanced_shares_alternate_on_each_rank(small):
    labels = small.labels[:, 0]
    for rank in (0, 1):
        order = list(balanced_sampler(labels, seed=2, num_replicas=2, rank=rank))
        classes = labels[order] > 0
        assert (classes[0::2] != classes[1::2]).all()


def test_uneven_epochs_pad_or_drop():
    shares = [list(ExampleSampler(5, seed=0, num_replicas=2, rank=r)) for r in (0, 1)]
    assert len(shares[0]) == len(shares[1]) == 3
    assert set(shares[0]) | set(shares[1]) == set(range(5))
    dropped = [list(ExampleSampler(5, seed=0, num_replicas=2, rank=r, drop_last=True)) for r in (0, 1)]
    assert len(dropped[0]) == 2
    assert not set(dropped[0]) & set(dropped[1])
    with pytest.raises(ValueError, match="rank"):
        ExampleSampler(5, num_replicas=2, rank=2)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ExampleSampler(5, copies=0),
        lambda: StratifiedSampler([0, 1, 0, 1], copies=0),
        lambda: GroupedSampler([0, 0, 1], max_group_size=2, copies=0),
    ],
)
def test_every_sampler_refuses_zero_copies(make):
    with pytest.raises(ValueError, match="copies must be >= 1, not 0"):
        make()
