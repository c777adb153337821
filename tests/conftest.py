"""Shared test helpers."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

# Without a GPU the Triton kernels are tested under Triton's interpreter, which must be switched on
# before Triton is first imported.
if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")

FIXTURES = Path(__file__).parent / "fixtures"


def triton_or_skip():
    """The ``triton`` module, or a skip where it cannot run the kernels here: not installed, or, without
    a GPU, an interpreter older than 3.3 (``setup.sh`` installs 3.6.0). Compiled, every release from 3.0
    builds them (``tests/grid/test_triton_compile.py``)."""
    triton = pytest.importorskip("triton", reason="the triton backend needs the triton package")
    release = tuple(int(part) for part in triton.__version__.split(".")[:2])
    if not torch.cuda.is_available() and release < (3, 3):
        pytest.skip(
            f"Triton {triton.__version__}'s interpreter cannot run the kernels (3.3 or newer is needed; "
            "setup.sh installs 3.6.0)",
            allow_module_level=True,
        )
    return triton


@pytest.fixture(scope="session")
def molgrid_reference():
    """Arrays recorded from libmolgrid by ``scripts/make_molgrid_fixtures.py``, by case."""
    return _molgrid_cases("molgrid_reference.npz")


def _molgrid_cases(filename: str) -> dict[str, dict[str, np.ndarray]]:
    """An oracle fixture's ``<case>/<array>`` keys as ``{case: {array: values}}`` (bare keys under "")."""
    data = np.load(FIXTURES / filename)
    cases: dict[str, dict[str, np.ndarray]] = {}
    for key in data.files:
        case, _, name = key.partition("/")
        if name:
            cases.setdefault(case, {})[name] = data[key]
        else:
            cases.setdefault("", {})[case] = data[key]
    return cases


REPO = Path(__file__).resolve().parent.parent


def shared_data() -> Path:
    """The shared gnina test data (``../shared/data`` or ``$VOXBIND_SHARED_DATA``); skips when absent."""
    import os

    root = Path(os.environ.get("VOXBIND_SHARED_DATA", REPO.parent / "shared" / "data"))
    if not (root / "gnina-testdata").is_dir():
        pytest.skip(f"shared gnina test data not found at {root} (set VOXBIND_SHARED_DATA to its folder)")
    return root


def posebusters_complexes() -> Path:
    """The folder of complexes shipped in the ``posebusters`` package (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("posebusters")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the posebusters package (test extra) is not installed")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "pdb"


#: The complexes of the typing oracle fixture: name -> (receptor, ligand) paths relative to their root.
SHARED_COMPLEXES = {
    p: (f"gnina-testdata/structs/{p}/{p}_rec.pdb", f"gnina-testdata/structs/{p}/{p}_ligand.{ext}")
    for p, ext in (
        ("187l", "sdf"),
        ("1a30", "sdf"),
        ("1ado", "sdf"),
        ("1aj7", "sdf"),
        ("1apv", "mol2"),
        ("1b3g", "sdf"),
    )
}
EXTRA_COMPLEXES = {
    "10gs": ("gnina-extra/10gs_rec.pdb", "gnina-extra/10gs_lig.sdf"),
    "184l": ("gnina-extra/184l_rec.pdb", "gnina-extra/184l_lig.sdf"),
    "3rod": ("gnina-extra/3rod_rec.pdb", "gnina-extra/3rod_lig.pdb"),
}
POSEBUSTERS_COMPLEXES = {
    p: (f"{p}/{p}_protein_one_lig_removed.pdb", f"{p}/{p}_ligand.sdf")
    for p in ("1ia1", "1of6", "1s3v", "1uou")
}


@pytest.fixture(scope="session")
def typing_reference():
    """Per-complex arrays recorded from libmolgrid by ``scripts/make_typing_fixtures.py``."""
    return _molgrid_cases("gnina_typing_reference.npz")
