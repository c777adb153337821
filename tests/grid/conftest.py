"""Helpers for gridding tests."""

from __future__ import annotations

import pytest
import torch

BACKENDS = ["reference", "numba"]


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


def random_atoms(n_atoms, n_types, *, kind="index", batch=None, seed=0, box=3.0, dtype=torch.float64):
    """Random coordinates in a cube of side ``box`` Å, types and radii in 0.8–2.0 Å.

    ``kind``: ``index`` (with ignored atoms), ``vector`` (sparse weights, some all-zero rows) or
    ``pertype`` (vector weights with per-type radii).
    """
    g = torch.Generator().manual_seed(seed)
    lead = (n_atoms,) if batch is None else (batch, n_atoms)
    coords = (torch.rand(*lead, 3, generator=g, dtype=dtype) - 0.5) * box
    if kind == "index":
        types = torch.randint(-1, n_types, lead, generator=g)
    else:
        types = torch.rand(*lead, n_types, generator=g, dtype=dtype)
        types = types * (torch.rand(*lead, n_types, generator=g, dtype=dtype) > 0.4)
    if kind == "pertype":
        radii = 0.8 + 1.2 * torch.rand(n_types, generator=g, dtype=dtype)
    else:
        radii = 0.8 + 1.2 * torch.rand(*lead, generator=g, dtype=dtype)
    return coords, types, radii
