"""GridMaker geometry, input forms and errors."""

import math

import pytest
import torch

import voxbind
from voxbind import GridInputError


def test_points_per_side_and_centering():
    gm = voxbind.GridMaker(0.5, 23.5)
    assert gm.points_per_side == 48
    assert gm.grid_shape(28) == (28, 48, 48, 48)
    axes = voxbind.GridMaker(0.5, 5.2).axis_coordinates((1.0, 2.0, 3.0))
    assert axes.shape == (3, 11)  # round(10.4) + 1
    assert axes.mean(1).tolist() == pytest.approx([1.0, 2.0, 3.0])  # centred although 5.2 % 0.5 != 0
    assert axes[0, 1] - axes[0, 0] == pytest.approx(0.5)


def test_grid_is_centered_on_the_given_center(backend):
    gm = voxbind.GridMaker(0.5, 5.0, backend=backend)
    center = torch.tensor([10.0, -3.0, 2.5])
    grid = gm(center, center[None], torch.zeros(1, dtype=torch.long), torch.ones(1), 1)
    assert grid[0, 5, 5, 5].item() == pytest.approx(1.0)
    assert torch.equal(grid[0], grid[0].flip(0))


def test_batched_examples_have_their_own_centers(backend):
    gm = voxbind.GridMaker(0.5, 4.0, backend=backend)
    coords = torch.tensor([[[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]], [[5.0, 5.0, 5.0], [0.0, 0.0, 0.0]]])
    types = torch.tensor([[0, -1], [1, -1]])  # second atom of each example is padding
    radii = torch.ones(2, 2)
    grid = gm(torch.tensor([[1.0, 1.0, 1.0], [5.0, 5.0, 5.0]]), coords, types, radii, 2)
    single = gm(torch.tensor([1.0, 1.0, 1.0]), coords[0, :1], types[0, :1], radii[0, :1], 2)
    assert grid.shape == (2, 2, 9, 9, 9)
    torch.testing.assert_close(grid[0], single)
    torch.testing.assert_close(grid[1, 1], single[0])
    assert grid[1, 0].abs().sum() == 0


def test_index_and_one_hot_vector_types_agree(backend):
    gm = voxbind.GridMaker(0.5, 6.0, backend=backend)
    coords = torch.tensor([[0.3, 0.1, -0.2], [1.2, -0.4, 0.5], [0.0, 0.9, 0.0]])
    index = torch.tensor([2, 0, -1])
    radii = torch.tensor([1.2, 1.7, 1.5])
    vectors = torch.zeros(3, 3)
    vectors[0, 2] = vectors[1, 0] = 1.0
    torch.testing.assert_close(
        gm(torch.zeros(3), coords, index, radii, 3),
        gm(torch.zeros(3), coords, vectors, radii, radii_per_type=False),
    )


def test_per_type_radii_with_index_types_take_each_atoms_type_radius(backend):
    gm = voxbind.GridMaker(0.5, 6.0, backend=backend)
    coords = torch.tensor([[0.3, 0.1, -0.2], [1.2, -0.4, 0.5]])
    per_type = torch.tensor([1.1, 1.9, 1.4])
    index = torch.tensor([2, 1])
    expected = gm(torch.zeros(3), coords, index, per_type[index], 3)
    got = gm(torch.zeros(3), coords, index, per_type, 3, radii_per_type=True)
    torch.testing.assert_close(got, expected)


def test_binary_grids(backend):
    gm = voxbind.GridMaker(0.5, 3.0, binary=True, backend=backend)
    coords = torch.zeros(2, 3)
    index = gm(torch.zeros(3), coords, torch.tensor([0, 0]), torch.ones(2), 1)
    assert index.max().item() == 1.0  # index types set the point, not add
    assert index[0, 3, 3, :].tolist() == [0, 0, 1, 1, 1, 0, 0]  # 1 strictly inside d < r
    vector = gm(torch.zeros(3), coords, torch.tensor([[0.5], [0.25]]), torch.ones(2))
    assert vector.max().item() == pytest.approx(0.75)  # vector types add their weights


def test_binary_grids_refuse_gradients(backend):
    gm = voxbind.GridMaker(0.5, 3.0, binary=True, backend=backend)
    coords = torch.zeros(1, 3, requires_grad=True)
    grid = gm(torch.zeros(3), coords, torch.tensor([0]), torch.ones(1), 1)
    with pytest.raises(voxbind.NotDifferentiableError, match="binary grids are not differentiable"):
        grid.sum().backward()


def test_empty_molecule_gives_zero_grid(backend):
    gm = voxbind.GridMaker(0.5, 3.0, backend=backend)
    grid = gm(torch.zeros(3), torch.zeros(0, 3), torch.zeros(0, dtype=torch.long), torch.zeros(0), 2)
    assert grid.shape == (2, 7, 7, 7)
    assert grid.abs().sum() == 0


def test_zero_radius_atom_contributes_nothing(backend):
    gm = voxbind.GridMaker(0.5, 3.0, backend=backend)
    grid = gm(torch.zeros(3), torch.zeros(1, 3), torch.tensor([0]), torch.zeros(1), 1)
    assert grid.abs().sum() == 0


def test_float64_in_float64_out():
    gm = voxbind.GridMaker(0.5, 3.0)
    grid = gm(torch.zeros(3), torch.zeros(1, 3, dtype=torch.float64), torch.tensor([0]), torch.ones(1), 1)
    assert grid.dtype == torch.float64


def _two_atoms(**changes) -> dict:
    """Gridder arguments for two atoms of two types at the origin, with ``changes``."""
    args = {
        "center": torch.zeros(3),
        "coords": torch.zeros(2, 3),
        "types": torch.tensor([0, 1]),
        "radii": torch.ones(2),
        "num_types": 2,
    }
    return {**args, **changes}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"coords": torch.zeros(2, 3, dtype=torch.long)}, "coords must be float32 or float64"),
        ({"coords": torch.zeros(2, 4)}, r"coords must have shape \(N, 3\)"),
        ({"coords": torch.tensor([[0.0, 0, 0], [math.nan, 0, 0]])}, "non-finite value at atom 1: nan"),
        ({"types": torch.tensor([0, 5])}, "type index 5 at atom 1 is out of range for num_types=2"),
        ({"num_types": None}, "num_types is required with index types"),
        ({"radii": torch.tensor([1.0, -1.0])}, "atom 1 has -1.0"),
        ({"radii": torch.ones(3)}, r"radii must have shape \(2,\) \(per atom\) or \(2,\) \(per type\)"),
        ({"types": torch.eye(2), "radii": torch.ones(2)}, "pass radii_per_type=True or False"),
        ({"center": torch.zeros(2)}, r"center must have shape \(3,\)"),
        ({"center": torch.tensor([0.0, math.inf, 0.0])}, "center has a non-finite value"),
    ],
)
def test_malformed_input_is_rejected_with_a_precise_message(kwargs, message):
    args = _two_atoms(**kwargs)
    gm = voxbind.GridMaker(0.5, 3.0)
    with pytest.raises(GridInputError, match=message):
        gm(args["center"], args["coords"], args["types"], args["radii"], args["num_types"])


def test_ambiguous_radii_must_be_made_explicit():
    gm = voxbind.GridMaker(0.5, 3.0)
    coords, weights, radii = torch.zeros(2, 3), torch.eye(2), torch.tensor([1.0, 1.5])
    with pytest.raises(GridInputError, match="pass radii_per_type=True or False"):
        gm(torch.zeros(3), coords, weights, radii)
    per_atom = gm(torch.zeros(3), coords, weights, radii, radii_per_type=False)
    per_type = gm(torch.zeros(3), coords, weights, radii, radii_per_type=True)
    torch.testing.assert_close(per_atom, per_type)  # one-hot: atom i has type i either way


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"resolution": 0.0}, "resolution must be a finite positive number"),
        ({"dimension": -1.0}, "dimension must be a finite non-negative number"),
        ({"gaussian_radius_multiple": 0.0}, "gaussian_radius_multiple"),
        ({"backend": "cuda-magic"}, "unknown backend 'cuda-magic'"),
    ],
)
def test_bad_gridmaker_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        voxbind.GridMaker(**kwargs)


def test_backend_auto_uses_numba_on_cpu_and_reference_is_selectable():
    from voxbind.grid._backends import get_backend

    assert get_backend("auto", torch.device("cpu")).name == "numba"
    assert get_backend("reference", torch.device("cpu")).name == "reference"
    with pytest.raises(voxbind.BackendUnavailableError, match="CPU tensors only"):
        get_backend("numba", torch.device("meta"))


def test_numba_is_not_imported_by_import_voxbind():
    import subprocess
    import sys

    code = "import sys, voxbind; print('numba' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
    )


def test_check_atoms_and_unchecked_cpu_calls_raise_the_same_errors():
    """``check_atoms`` checks without gridding; ``check_values=False`` only skips checks on a GPU."""
    gm = voxbind.GridMaker(0.5, 3.0)
    good = (torch.zeros(3), torch.zeros(2, 3), torch.tensor([0, 1]), torch.ones(2), 2)
    assert voxbind.check_atoms(*good) is None
    bad = (
        torch.zeros(3),
        torch.tensor([[0.0, 0, 0], [math.nan, 0, 0]]),
        torch.tensor([0, 1]),
        torch.ones(2),
        2,
    )
    for check in (voxbind.check_atoms, lambda *a: gm(*a, check_values=False)):
        with pytest.raises(GridInputError, match="non-finite value at atom 1: nan"):
            check(*bad)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"num_types": 3.7}, "num_types must be a whole number, got 3.7"),
        (
            {"center": torch.tensor([1e8, 0.0, 0.0])},
            r"center at index \(0, 0\) is 100000000.0 Å, beyond ±100000 Å",
        ),
        ({"coords": torch.tensor([[0.0, 0, 0], [0, 2e5, 0]])}, "coords at atom 1 is 200000.0 Å"),
        ({"radii": torch.tensor([1.5, 1e30])}, r"between 0.001 and 1000 Å; atom 1 has 1\.00000"),
        ({"radii": torch.tensor([1e-10, 1.5])}, "between 0.001 and 1000 Å; atom 0 has 1"),
    ],
)
@pytest.mark.parametrize("backend", ["reference", "numba"])
def test_implausible_values_are_refused_by_every_backend(change, message, backend):
    """Values that would be truncated, lose float32 precision, overflow or allocate the grid's cube
    per atom are refused before any gridding."""
    with pytest.raises(GridInputError, match=message):
        voxbind.GridMaker(0.5, 3.0, backend=backend)(**_two_atoms(**change))


def test_the_largest_radius_grids_without_a_window_larger_than_the_grid():
    """A 1000 Å atom covers the whole grid: the reference backend visits the grid's points, not a cube of
    the atom's reach, and agrees with numba."""
    grids = [
        voxbind.GridMaker(0.5, 3.0, backend=backend)(
            torch.zeros(3, dtype=torch.float64),
            torch.zeros(1, 3, dtype=torch.float64),
            torch.tensor([0]),
            torch.tensor([1000.0], dtype=torch.float64),
            1,
        )
        for backend in ("reference", "numba")
    ]
    torch.testing.assert_close(grids[0], grids[1])
    assert grids[0].min() > 0.9999
