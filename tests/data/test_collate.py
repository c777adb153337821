"""GridCollate: padding, and the host-side value check that lets GPU gridding skip its own."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from voxbind import GridMaker
from voxbind.atomtypes.typed import TypedAtoms
from voxbind.data import Example, GridCollate
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


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_grids_are_the_float32_grids_rounded(dtype):
    gm = GridMaker(0.5, 4.0)
    batch = GridCollate(None)(_examples())
    full = batch.gridded(gm).grids
    half = batch.gridded(gm, dtype=dtype).grids
    assert half.dtype == dtype
    assert torch.equal(half, full.to(dtype))
