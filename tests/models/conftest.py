"""Shared fixtures of the model tests."""

from __future__ import annotations

import pytest

from .gnina_files import real_grids


@pytest.fixture(scope="module")
def grids():
    """Two real 28×48³ grids of 1a30 (see :func:`real_grids`)."""
    return real_grids()
