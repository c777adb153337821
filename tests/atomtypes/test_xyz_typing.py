"""GNINA types of XYZ files (every bond order perceived from geometry) against libmolgrid's
(``tests/fixtures/xyz_typing.npz``, made by ``scripts/make_xyz_fixture.py``)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from scipy.spatial import cKDTree

from voxbind.atomtypes import GNINA_TYPE_NAMES, GninaTyper
from voxbind.io import StructureWarning, read_molecule

from ..conftest import FIXTURES

_DATA = np.load(FIXTURES / "xyz_typing.npz")
_CASES = [
    (k, smiles, variant) for k, smiles in enumerate(_DATA["smiles"].tolist()) for variant in ("h", "noh")
]


@pytest.mark.parametrize(("k", "smiles", "variant"), _CASES, ids=[f"{s}-{v}" for _, s, v in _CASES])
def test_xyz_molecules_are_typed_as_libmolgrid_types_them(k, smiles, variant):
    """With hydrogens and without them (OpenBabel then adds none, and an aromatic ring short of
    hydrogens is not aromatic to it)."""
    name = f"{k}_{variant}"
    with pytest.warns(StructureWarning, match="bond orders guessed from geometry"):
        mol = read_molecule(io.StringIO(str(_DATA[f"{name}/xyz"])), format="xyz")
    ours = GninaTyper().gnina_types(mol)
    distance, index = cKDTree(mol.coords).query(_DATA[f"{name}/coords"])
    assert (distance < 1e-3).all()
    theirs = _DATA[f"{name}/types"].astype(int)
    assert [GNINA_TYPE_NAMES[t] for t in ours[index]] == [GNINA_TYPE_NAMES[t] for t in theirs]
