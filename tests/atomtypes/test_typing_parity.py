"""GNINA typing of real complexes against libmolgrid's OpenBabel-based typing (oracle fixtures)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from scipy.spatial import cKDTree

import voxbind
from voxbind.atomtypes import DEFAULT_LIGAND_MAP, DEFAULT_RECEPTOR_MAP, GninaTyper, combine
from voxbind.io import read_molecule

from ..conftest import (
    EXTRA_COMPLEXES,
    POSEBUSTERS_COMPLEXES,
    SHARED_COMPLEXES,
    posebusters_complexes,
    shared_data,
)

IDENTITY = GninaTyper()


def _paths(name):
    if name in POSEBUSTERS_COMPLEXES:
        root = posebusters_complexes()
        rec, lig = POSEBUSTERS_COMPLEXES[name]
    else:
        root = shared_data()
        rec, lig = {**SHARED_COMPLEXES, **EXTRA_COMPLEXES}[name]
    return root / rec, root / lig


def _read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_molecule(path)


def _matched_types(molecule, coords, types):
    """Our GNINA types of the heavy atoms the oracle recorded at ``coords`` (matched by position)."""
    ours = IDENTITY.gnina_types(molecule)
    heavy = types > 1
    distance, index = cKDTree(molecule.coords).query(coords[heavy])
    matched = distance < 1e-3
    return ours[index[matched]], types[heavy][matched], int((~matched).sum())


def agreement(names, typing_reference):
    agree = total = unmatched = 0
    for name in names:
        rec_path, lig_path = _paths(name)
        ref = typing_reference[name]
        for part, path in (("rec", rec_path), ("lig", lig_path)):
            ours, theirs, missing = _matched_types(
                _read(path), ref[f"{part}_coords"], ref[f"{part}_types"].astype(int)
            )
            agree += int((ours == theirs).sum())
            total += len(theirs)
            unmatched += missing
    return agree, total, unmatched


def test_heavy_atom_types_agree_with_openbabel_typing(typing_reference):
    names = [*SHARED_COMPLEXES, *POSEBUSTERS_COMPLEXES]
    agree, total, unmatched = agreement(names, typing_reference)
    assert unmatched == 0, "every oracle heavy atom must be found at the same coordinates"
    assert total > 40_000
    assert agree / total >= 0.999, f"{agree}/{total} = {agree / total:.4f}"


@pytest.mark.parametrize("name", [*SHARED_COMPLEXES, *POSEBUSTERS_COMPLEXES])
def test_default_grid_matches_libmolgrid_where_types_agree(name, typing_reference):
    ref = typing_reference[name]
    rec_path, lig_path = _paths(name)
    rec_mol, lig_mol = _read(rec_path), _read(lig_path)
    rec = GninaTyper(DEFAULT_RECEPTOR_MAP)(rec_mol)
    lig = GninaTyper(DEFAULT_LIGAND_MAP)(lig_mol)
    np.testing.assert_allclose(lig.centroid(), ref["center"], atol=1e-4)
    both = combine(rec, lig)
    gmaker = voxbind.GridMaker(0.5, 23.5)
    coords, types, radii = both.tensors()
    grid = gmaker(torch.as_tensor(ref["center"], dtype=torch.float32), coords, types, radii, 28).numpy()

    # channels of the atoms whose type differs from the oracle's, in either typing
    excluded = []
    for part, mol, cmap, offset in (
        ("rec", rec_mol, DEFAULT_RECEPTOR_MAP, 0),
        ("lig", lig_mol, DEFAULT_LIGAND_MAP, 14),
    ):
        ours = IDENTITY.gnina_types(mol)
        heavy = ref[f"{part}_types"] > 1
        xyz = ref[f"{part}_coords"][heavy]
        distance, index = cKDTree(mol.coords).query(xyz)
        assert (distance < 1e-3).all()
        table = cmap.table
        mine, theirs = table[ours[index]], table[ref[f"{part}_types"][heavy].astype(int)]
        for k in np.flatnonzero(mine != theirs):
            for channel in {mine[k], theirs[k]} - {-1}:
                excluded.append((offset + channel, xyz[k]))

    index = ref["sample_index"]
    channel, voxel = np.divmod(index, 48**3)
    ijk = np.stack(np.unravel_index(voxel, (48, 48, 48)), axis=1)
    position = ref["center"] - 23.5 / 2 + ijk * 0.5
    keep = np.ones(len(index), dtype=bool)
    for c, xyz in excluded:
        keep &= ~((channel == c) & (np.linalg.norm(position - xyz, axis=1) < 1.5 * 2.2 + 0.5))
    assert keep.mean() > 0.9
    np.testing.assert_allclose(grid.ravel()[index[keep]], ref["sample_value"][keep], atol=1e-4)
    clean = sorted(set(range(28)) - {c for c, _ in excluded})
    np.testing.assert_allclose(
        grid.sum(axis=(1, 2, 3), dtype=np.float64)[clean], ref["channel_sums"][clean], rtol=1e-4, atol=1e-3
    )
