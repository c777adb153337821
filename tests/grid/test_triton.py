"""Triton kernels against the reference backend: value, gradient and second gradient.

On a CUDA machine the kernels run compiled on the GPU; elsewhere they run under Triton's interpreter on
CPU tensors (``TRITON_INTERPRET=1``, set in ``tests/conftest.py``), on small inputs because the
interpreter is slow.
"""

import pytest
import torch
from torch.overrides import TorchFunctionMode

import voxbind
from voxbind.errors import BackendUnavailableError
from voxbind.grid._backends import get_backend
from voxbind.grid._inputs import normalise

from ..conftest import triton_or_skip
from .conftest import random_atoms
from .test_backend_parity import close, derivatives

triton_or_skip()

DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _case(kind, atoms, types, seed=7, box=7.0, points=13):
    coords, t, radii = random_atoms(atoms, types, kind=kind, batch=2, seed=seed, box=box)
    g = torch.Generator().manual_seed(seed + 1)
    center = torch.randn((2, 3), generator=g, dtype=torch.float64) * 0.5
    upstream = torch.randn((2, types, points, points, points), generator=g, dtype=torch.float64)
    a = torch.randn(coords.shape, generator=g, dtype=torch.float64)
    bw = torch.randn(t.shape, generator=g, dtype=torch.float64) if kind != "index" else None
    move = (coords, t, radii, center, upstream, a, bw)
    return [None if v is None else v.to(DEVICE) for v in move]


def _matches_reference(kind, case, options):
    """Grid, first and second derivatives of the Triton backend equal the reference's."""
    grid, first, second = derivatives("triton", kind, None, *case, **options)
    grid_r, first_r, second_r = derivatives("reference", kind, None, *case, **options)
    assert grid_r.abs().sum() > 50  # the atoms are really in the box
    close(grid, grid_r)
    for got, want in zip([*first, *second], [*first_r, *second_r], strict=True):
        close(got, want)


@pytest.mark.parametrize(
    ("kind", "atoms", "types", "multiple"),
    [("index", 40, 5, 1.0), ("index", 30, 3, -1.2), ("vector", 16, 3, 1.0), ("pertype", 16, 3, 0.8)],
)
def test_triton_matches_reference_to_second_order(kind, atoms, types, multiple):
    case = _case(kind, atoms, types)
    options = {"dimension": 6.0, "num_types": types, "multiple": multiple}
    _matches_reference(kind, case, options)


@pytest.mark.parametrize(("kind", "atoms"), [("index", 60), ("vector", 20)])
def test_boxes_spanning_several_tiles_of_a_larger_grid(kind, atoms):
    """25³ points are 4 tiles a side; cut-off boxes span up to 3 of them, and some atoms sit across
    the grid's edge or outside it, so tiles read atoms from several cells below them."""
    case = _case(kind, atoms, 3, seed=11, box=15.0, points=25)
    options = {"dimension": 12.0, "num_types": 3}
    _matches_reference(kind, case, options)


def test_smaller_binning_cells_give_the_same_results(monkeypatch):
    """Cells of 4³ points (two per tile side) instead of one per tile: tiles read more, shorter runs."""
    from voxbind.grid._backends import _triton

    monkeypatch.setattr(_triton, "CELL", 4)
    case = _case("index", 40, 3, seed=5, box=15.0, points=25)
    options = {"dimension": 12.0, "num_types": 3}
    _matches_reference("index", case, options)


def test_unchecked_bad_atoms_are_skipped_inside_the_kernels():
    """Input not checked (``check_values=False`` on a GPU) may hold a type out of range or non-finite
    values: the kernels skip those atoms rather than read or write outside their tensors."""
    coords, types, radii, center, *_ = _case("index", 20, 3)
    gm = voxbind.GridMaker(0.5, 6.0, backend="triton")
    kernels = get_backend("triton", DEVICE).kernels
    rel = (coords - center[:, None, :]).contiguous()
    base, weights = types.clamp(min=0), (types >= 0).to(rel.dtype)[..., None]

    def forward(rel, base, weights, radii):
        out = torch.full((2, 3, 13, 13, 13), 7.0, dtype=rel.dtype, device=DEVICE)
        return kernels.forward(rel, base, weights, radii, False, 3, gm.geometry, False, out)

    want = forward(rel, base, weights, radii)
    bad_rel = torch.cat([rel, torch.zeros_like(rel[:, :3])], 1)
    bad_rel[:, -2, 1] = float("nan")
    bad_base = torch.cat([base, torch.full_like(base[:, :3], 3)], 1)  # channel 3 of 3: out of range
    bad_base[:, -2:] = 0
    bad_radii = torch.cat([radii, torch.ones_like(radii[:, :3])], 1)
    bad_radii[:, -1] = float("inf")
    bad_weights = torch.cat([weights, torch.ones_like(weights[:, :3])], 1)
    got = forward(bad_rel, bad_base, bad_weights, bad_radii)
    torch.testing.assert_close(got, want)
    grads = kernels.backward(
        bad_rel,
        bad_base,
        bad_weights,
        bad_radii,
        False,
        gm.geometry,
        torch.ones_like(want),
        False,
    )
    assert all(g[:, 20:].abs().sum() == 0 for g in grads)


def test_backward_lists_only_splats_that_reach_the_grid():
    """The backward passes visit the splats whose cut-off box reaches a grid point, in splat order, and
    leave the others' gradients zero: atoms far outside, ignored, or without radius; none at all too."""
    from voxbind.grid._backends import _triton

    gm = voxbind.GridMaker(0.5, 6.0, backend="triton")  # points from -3 to 3 Å
    x = [0.0, 40.0, 2.0, -3.0 - 1.5 * 1.5 + 0.1, 0.5, -9.0, 1.0]  # Å along x; radius 1.5, cut-off 2.25 Å
    coords = torch.zeros((1, len(x), 3), dtype=torch.float64, device=DEVICE)
    coords[0, :, 0] = torch.tensor(x, dtype=torch.float64)
    base = torch.tensor([[0, 1, 0, 1, -1, 0, 1]], device=DEVICE)  # atom 4 ignored
    radii = torch.full((1, len(x)), 1.5, dtype=torch.float64, device=DEVICE)
    radii[0, 6] = 0.0
    weights = (base >= 0).to(coords.dtype)[..., None]
    atoms = _triton._Atoms(coords, base.clamp(min=0), weights, radii, False, 2)
    consts = _triton._constants(gm.geometry, coords.dtype, coords.device)
    listed, count = _triton._reaching(atoms, consts, gm.geometry)
    assert listed[: int(count)].tolist() == [0, 2, 3]

    kernels = get_backend("triton", DEVICE).kernels
    grad = torch.ones((1, 2, 13, 13, 13), dtype=torch.float64, device=DEVICE)
    rel, _, radius = kernels.backward(
        coords, base.clamp(min=0), weights, radii, False, gm.geometry, grad, False
    )
    off = [1, 4, 5, 6]
    assert rel[0, off].abs().sum() == 0
    assert radius[0, off].abs().sum() == 0
    assert rel[0, [2, 3], 0].abs().min() > 0  # atoms near the edge are pulled towards the grid
    far = coords + torch.tensor([50.0, 0.0, 0.0], dtype=torch.float64, device=DEVICE)
    atoms = _triton._Atoms(far, base.clamp(min=0), weights, radii, False, 2)
    assert int(_triton._reaching(atoms, consts, gm.geometry)[1]) == 0
    grads = kernels.backward(far, base.clamp(min=0), weights, radii, False, gm.geometry, grad, True)
    assert all(g.abs().sum() == 0 for g in grads)


class _HostReads(TorchFunctionMode):
    """Records the tensor operations that read a value back to the host (on a GPU, each waits for the
    device to finish everything queued before it)."""

    READS = frozenset({"__bool__", "__int__", "__float__", "__index__", "item", "tolist", "nonzero", "numpy"})

    def __init__(self):
        super().__init__()
        self.seen = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if name in self.READS:
            self.seen.append(name)
        return func(*args, **(kwargs or {}))


class _NoLaunch:
    def __getitem__(self, grid):
        return lambda *args, **kwargs: None


def test_index_types_are_gridded_and_differentiated_without_waiting_for_the_device(monkeypatch):
    """With index types, the host code of the forward, backward and double backward reads no value
    back from the device, so on a GPU it queues every pass without waiting. Kernel launches are
    stubbed out (only the host code is under test); the atoms are checked before, as ``GridCollate``
    checks a batch."""
    from voxbind.grid._backends import _triton

    for name in ("cell_keys", "sorted_splats", "scatter", "reaching", "place", "gather"):
        monkeypatch.setattr(_triton.kernels, name, _NoLaunch())
    coords, types, radii, center, upstream, a, _ = _case("index", 20, 3)
    coords.requires_grad_()
    gm = voxbind.GridMaker(0.5, 6.0, backend="triton")
    atoms, _ = normalise(center, coords, types, radii, 3, None, gm.radius_scale)
    backend = get_backend("triton", DEVICE)
    with _HostReads() as reads:
        grid = backend.grid(atoms, gm.geometry)
        (g,) = torch.autograd.grad(grid, coords, upstream, create_graph=True)
        torch.autograd.grad((g * a).sum(), coords)
        with torch.no_grad():
            backend.grid(atoms, gm.geometry, out=torch.empty_like(grid, dtype=torch.bfloat16))
    assert reads.seen == []


@pytest.mark.parametrize("kind", ["index", "vector"])
def test_binary_grids_match_reference(kind):
    coords, types, radii, center, *_ = _case(kind, 30, 4)
    grids = []
    for backend in ("triton", "reference"):
        gm = voxbind.GridMaker(0.5, 6.0, binary=True, backend=backend)
        grids.append(
            gm(center, coords, types, radii, 4) if kind == "index" else gm(center, coords, types, radii)
        )
    close(*grids)
    if kind == "index":
        assert set(grids[0].unique().tolist()) <= {0.0, 1.0}


def test_float32_out_buffer_and_empty_examples():
    coords, types, radii, center, *_ = _case("index", 30, 4)
    coords, radii, center = coords.float(), radii.float(), center.float()
    coords[1] += 100.0  # the second example has no atom in its box
    gm = voxbind.GridMaker(0.5, 6.0, backend="triton")
    out = torch.full((2, 4, 13, 13, 13), 7.0, device=DEVICE)
    with torch.no_grad():
        gm(center, coords, types, radii, 4, out=out)
    want = voxbind.GridMaker(0.5, 6.0, backend="reference")(center, coords, types, radii, 4)
    torch.testing.assert_close(out, want, rtol=1e-5, atol=1e-5)
    assert out[1].abs().max() == 0


def test_gradcheck_float64():
    g = torch.Generator().manual_seed(5)
    coords = ((torch.rand(2, 3, generator=g, dtype=torch.float64) - 0.5) * 1.0).to(DEVICE)
    weights = torch.rand(2, 3, generator=g, dtype=torch.float64).to(DEVICE)
    radii = (0.9 + torch.rand(2, generator=g, dtype=torch.float64)).to(DEVICE)
    center = torch.zeros(3, dtype=torch.float64, device=DEVICE)
    gm = voxbind.GridMaker(0.5, 1.0, backend="triton")  # 3³ points: the interpreter is slow

    def grid(x, w, r):
        return gm(center, x, w, r)

    inputs = tuple(t.clone().requires_grad_() for t in (coords, weights, radii))
    fast = DEVICE.type != "cuda"  # the interpreter is too slow for full Jacobians
    assert torch.autograd.gradcheck(grid, inputs, fast_mode=fast)
    assert torch.autograd.gradgradcheck(grid, inputs, fast_mode=fast)


def test_backend_selection(monkeypatch):
    if DEVICE.type == "cuda":
        assert get_backend("auto", DEVICE).name == "triton"
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    with pytest.raises(BackendUnavailableError, match="CUDA tensors"):
        get_backend("triton", torch.device("cpu"))
