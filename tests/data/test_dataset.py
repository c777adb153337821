"""ComplexDataset + GridCollate against libmolgrid's ExampleProvider + GridMaker, caches, molcache2."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from voxbind import GridMaker
from voxbind.atomtypes import (
    DEFAULT_LIGAND_MAP,
    DEFAULT_RECEPTOR_MAP,
    ElementTyper,
    GninaTyper,
    read_gninatypes,
    read_typed_molecule,
    write_molcache2,
)
from voxbind.data import ComplexDataset, GridCollate, LRUCache, read_types
from voxbind.errors import InvalidFileError

from ..conftest import _molgrid_cases, shared_data


def _small(**options):
    data = shared_data() / "gnina-testdata"
    return ComplexDataset(data / "small.types", data_root=data / "structs", **options)


@pytest.fixture(scope="module")
def reference():
    return _molgrid_cases("molgrid_small_types.npz")


def test_grids_match_libmolgrid_example_provider(reference):
    dataset = _small()
    gmaker = GridMaker()
    collate = GridCollate(gmaker)
    lines = sorted(int(k) for k in reference)
    batch = collate([dataset[i] for i in lines])
    assert batch.grids.shape == (len(lines), 28, 48, 48, 48)
    for b, line in enumerate(lines):
        ref = reference[str(line)]
        np.testing.assert_allclose(batch.centers[b].numpy(), ref["center"], atol=1e-5)
        example = dataset[line]
        receptor = int((example.atoms.types < 14).sum())
        assert [receptor, example.atoms.num_atoms - receptor] == ref["num_atoms"].tolist()
        grid = batch.grids[b].numpy()
        np.testing.assert_allclose(grid.ravel()[ref["sample_index"]], ref["sample_value"], atol=1e-5)
        np.testing.assert_allclose(
            grid.astype(np.float64).sum(axis=(1, 2, 3)), ref["channel_sums"], rtol=1e-5
        )
    np.testing.assert_array_equal(batch.labels[0].numpy(), np.float32([1, 6.05, 0.162643]))


def test_cropping_keeps_the_grid_and_maps_rows_back():
    dataset = _small()
    gmaker = GridMaker()
    examples = [dataset[i] for i in (3, 500)]
    full = GridCollate(gmaker, crop=False)(examples)
    cropped = GridCollate(gmaker)(examples)
    assert cropped.coords.shape[1] < full.coords.shape[1]
    torch.testing.assert_close(cropped.grids, full.grids, rtol=0, atol=1e-6)
    rows = cropped.atom_index[0][cropped.atom_index[0] >= 0]
    np.testing.assert_array_equal(
        cropped.coords[0, : rows.numel()].numpy(), examples[0].atoms.coords[rows.numpy()]
    )


def test_multiple_ligands_share_the_ligand_channels_and_center_on_the_last():
    data = shared_data() / "gnina-testdata"
    dataset = ComplexDataset(data / "multilig.types", data_root=data / "structs")
    example = dataset[0]
    assert dataset.num_channels == 28
    assert example.atoms.types.max() < 28
    heavy = read_typed_molecule(
        data / "structs" / "4kqp" / "4kqp_min_0.gninatypes", GninaTyper(DEFAULT_LIGAND_MAP)
    )
    np.testing.assert_allclose(example.center, heavy.coords.mean(axis=0), atol=1e-5)
    receptor = read_typed_molecule(
        data / "structs" / "4kqp" / "4kqp_rec_0.gninatypes", GninaTyper(DEFAULT_RECEPTOR_MAP)
    )
    assert example.atoms.num_atoms == receptor.num_atoms + 2 * heavy.num_atoms


def test_ligand_only_examples_and_structure_files():
    data = shared_data() / "gnina-testdata"
    ligand_only = ComplexDataset(data / "ligonly.types", data_root=data / "structs")[0]
    assert (ligand_only.atoms.types >= 14).all()
    single = ComplexDataset(data / "single.types")[0]  # "0 none methyl.sdf"
    assert single.atoms.num_atoms == 1
    assert single.atoms.types[0] == 14
    structures = ComplexDataset(data / "smallmol.types", data_root=data / "structs")
    example = structures[5]  # 1apv: PDB receptor, MOL2 ligand
    assert example.atoms.num_atoms == 2366 + 36


def test_molcache2_is_used_by_name(tmp_path):
    data = shared_data() / "gnina-testdata"
    types = read_types(data / "small.types", data_root=tmp_path)  # files themselves are not there
    names = sorted({n for i in range(3) for n in types.files(i)})
    write_molcache2(tmp_path / "all.molcache2", [(n, read_gninatypes(data / "structs" / n)) for n in names])
    cached = ComplexDataset(types, molcaches=[tmp_path / "all.molcache2"])
    direct = _small()
    for i in range(3):
        np.testing.assert_array_equal(cached[i].atoms.coords, direct[i].atoms.coords)
        np.testing.assert_array_equal(cached[i].atoms.types, direct[i].atoms.types)
    with pytest.raises(InvalidFileError, match="cannot read"):
        cached[3]


def test_gninatypes_need_a_gnina_typer():
    with pytest.raises(InvalidFileError, match="GninaTyper"):
        _small(ligand_typer=ElementTyper())[0]


def test_lru_cache_stays_within_its_bound():
    dataset = _small(cache_bytes=200_000)
    for i in range(0, 1000, 37):
        dataset[i]
    assert 0 < dataset.store.cache.nbytes <= 200_000
    cache = LRUCache(0)
    cache.put("a", dataset[0].atoms)
    assert len(cache) == 0


def test_explicit_centers():
    centers = np.zeros((1000, 3))
    centers[7] = (1.0, 2.0, 3.0)
    assert _small(center=centers)[7].center.tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="shape"):
        _small(center=np.zeros((3, 3)))
