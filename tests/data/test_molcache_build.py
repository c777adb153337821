"""``voxbind cache``: molcache2 files that a dataset can use instead of the structure files."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner

from voxbind.atomtypes import MolCache2
from voxbind.cli.main import cli
from voxbind.data import ComplexDataset, read_types

from ..conftest import shared_data


def test_cache_builds_molcache2_files_a_dataset_reads_instead_of_the_files(tmp_path):
    data = shared_data() / "gnina-testdata"
    types = data / "smallmol.types"
    result = CliRunner().invoke(
        cli, ["cache", str(types), "--data-root", str(data / "structs"), "-o", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    rec, lig = MolCache2(tmp_path / "rec.molcache2"), MolCache2(tmp_path / "lig.molcache2")
    assert len(rec) == 6
    assert len(lig) == 6
    assert "1apv/1apv_rec.pdb" in rec
    direct = ComplexDataset(types, data_root=data / "structs")
    cached = ComplexDataset(read_types(types, data_root=tmp_path / "nowhere"), molcaches=[rec.path, lig.path])
    for i in range(len(direct)):
        np.testing.assert_array_equal(cached[i].atoms.coords, direct[i].atoms.coords)
        np.testing.assert_array_equal(cached[i].atoms.types, direct[i].atoms.types)
        np.testing.assert_array_equal(cached[i].center, direct[i].center)
