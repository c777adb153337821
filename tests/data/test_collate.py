"""GridCollate: padding, and the host-side value check that lets GPU gridding skip its own."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from voxbind import GridMaker
from voxbind.atomtypes.typed import TypedAtoms
from voxbind.data import Example, GridCollate, RandomTransform, atoms_reaching, make_example
from voxbind.errors import GridInputError


def _example(index: int, coords, types) -> Example:
    coords = np.asarray(coords, dtype=np.float32)
    atoms = TypedAtoms(coords, np.asarray(types), np.full(len(coords), 1.5, np.float32), ("a", "b", "c"))
    return Example(atoms, np.zeros(1, np.float32), np.zeros(3), index)


def _examples():
    return [
        _example(0, [[0.0, 0.0, 0.0], [1.0, 0.5, 0.0]], [0, 2]),
        _example(1, [[0.5, -1.0, 0.2]], [1]),
    ]


def test_batches_left_to_the_caller_are_checked_on_the_host_and_grid_the_same():
    gm = GridMaker(0.5, 4.0)
    batch = GridCollate(None)(_examples())
    assert batch.checked
    assert batch.grids is None
    assert batch.to("cpu").checked  # moving a batch keeps the mark
    assert batch.types.tolist() == [[0, 2], [1, -1]]
    gridded = batch.gridded(gm).grids
    torch.testing.assert_close(gridded, GridCollate(gm)(_examples()).grids)
    assert gridded.sum() > 1.0


@pytest.mark.parametrize(
    ("coords", "types", "message"),
    [
        (
            [[0.0, np.nan, 0.0]],
            [0],
            r"coords has a non-finite value at example 1, atom 0: nan \(dataset example 7\)",
        ),
        (
            [[0.0, 0.0, 0.0]],
            [3],
            r"type index 3 at example 1, atom 0 is out of range for num_types=3 .*\(dataset example 7\)",
        ),
    ],
)
def test_bad_values_are_caught_when_the_batch_is_made(coords, types, message):
    examples = [_examples()[0], _example(7, coords, types)]
    with pytest.raises(GridInputError, match=message):
        GridCollate(None)(examples)


def test_without_the_host_check_gridding_on_the_cpu_still_refuses_bad_values():
    examples = [_examples()[0], _example(7, [[0.0, 0.0, 0.0]], [3])]
    batch = GridCollate(None, check=False)(examples)
    assert not batch.checked
    with pytest.raises(GridInputError, match="type index 3 at example 1, atom 0 is out of range"):
        batch.gridded(GridMaker(0.5, 4.0))
    good = GridCollate(None, check=False)(_examples()).gridded(GridMaker(0.5, 4.0)).grids
    torch.testing.assert_close(good, GridCollate(GridMaker(0.5, 4.0))(_examples()).grids)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_grids_are_the_float32_grids_rounded(dtype):
    gm = GridMaker(0.5, 4.0)
    batch = GridCollate(None)(_examples())
    full = batch.gridded(gm).grids
    half = batch.gridded(gm, dtype=dtype).grids
    assert half.dtype == dtype
    assert torch.equal(half, full.to(dtype))


def test_atoms_reaching_keeps_exactly_the_atoms_within_half_a_side_plus_their_reach():
    """9 points of 0.5 Å (half a side 2 Å); radius 1.5 Å reaches 1.5 × 1.5 = 2.25 Å: 4.25 Å per axis."""
    coords = np.array(
        [[4.25, 0, 0], [4.26, 0, 0], [4.2, -4.2, 4.2], [-4.3, 0, 0], [0, 0, -4.24], [0, 4.3, 0]], np.float32
    )
    center = np.array([1.0, 2.0, -3.0])
    kept = atoms_reaching(
        coords + center.astype(np.float32), np.full(6, 1.5, np.float32), center, GridMaker(0.5, 4.0)
    )
    assert kept.tolist() == [0, 2, 4]


def test_cropped_complexes_grid_as_the_whole_receptor_in_any_orientation():
    """``make_example(crop_to=)`` keeps a sphere of the receptor that reaches the grid in any rotation, and
    the collate crops each rotated complex to its box: the grids equal those of the uncropped complex."""
    rng = np.random.default_rng(3)
    where = rng.uniform(-14, 14, (3000, 3)).astype(np.float32)
    receptor = TypedAtoms(where, rng.integers(0, 3, 3000), np.full(3000, 1.8, np.float32), ("a", "b", "c"))
    ligand = TypedAtoms(
        rng.normal(0, 2, (20, 3)).astype(np.float32),
        rng.integers(0, 2, 20),
        np.full(20, 1.6, np.float32),
        ("d", "e"),
    )
    gm = GridMaker(0.5, 12.0)
    cropped = make_example(receptor, [ligand], crop_to=gm)
    whole = make_example(receptor, [ligand])
    assert cropped.atoms.num_atoms < whole.atoms.num_atoms / 2
    for seed in range(3):
        got = GridCollate(gm, RandomTransform(seed=seed))([cropped]).grids
        want = GridCollate(gm, RandomTransform(seed=seed), crop=False)([whole]).grids
        torch.testing.assert_close(got, want, rtol=0, atol=1e-6)
        assert want[0, :3].sum() > 100
