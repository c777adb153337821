"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def molgrid_reference():
    """Arrays recorded from libmolgrid by ``scripts/make_molgrid_fixtures.py``, by case."""
    data = np.load(FIXTURES / "molgrid_reference.npz")
    cases: dict[str, dict[str, np.ndarray]] = {}
    for key in data.files:
        case, _, name = key.partition("/")
        if name:
            cases.setdefault(case, {})[name] = data[key]
        else:
            cases.setdefault("", {})[case] = data[key]
    return cases
