"""DX grid maps: round trip and the origin convention of the grid."""

from __future__ import annotations

import numpy as np
import torch

import voxbind
from voxbind.io import read_dx, write_dx_channels


def test_dx_channels_round_trip_with_the_grid_origin(tmp_path):
    gmaker = voxbind.GridMaker(resolution=0.5, dimension=4.0)
    center = torch.tensor([1.0, -2.0, 3.5])
    grid = gmaker(center, torch.tensor([[1.2, -2.1, 3.0]]), torch.tensor([1]), torch.tensor([1.5]), 2)
    paths = write_dx_channels(tmp_path / "out/g", grid.numpy(), center.numpy(), 0.5, ["a", "b c"])
    assert [p.name for p in paths] == ["g_a.dx", "g_b_c.dx"]
    values, origin, deltas = read_dx(paths[1])
    np.testing.assert_allclose(values, grid[1].numpy(), rtol=1e-5, atol=1e-7)
    axis = gmaker.axis_coordinates(center)
    np.testing.assert_allclose(origin, axis[:, 0].numpy(), atol=1e-6)
    np.testing.assert_allclose(deltas, 0.5 * np.eye(3))
    peak = np.unravel_index(values.argmax(), values.shape)
    np.testing.assert_allclose(origin + 0.5 * np.array(peak), [1.0, -2.0, 3.0], atol=0.26)
