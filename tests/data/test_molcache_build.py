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


def test_a_line_naming_a_file_of_poses_is_one_example_per_pose(tmp_path):
    """A .types line whose ligand file holds 9 docked poses: refused with a hint, then with --pose-files
    each pose is an example (cached as file#k) and under --combine the line is one compound."""
    import importlib.util

    import pytest

    if importlib.util.find_spec("prolif") is None:
        pytest.skip("prolif (the example complex) not installed")
    from voxbind.data import open_dataset
    from voxbind.errors import InvalidFileError
    from voxbind.io import read_molecules
    from voxbind.jobs import example_complex
    from voxbind.train import evaluate_model

    receptor, poses = example_complex()
    types = tmp_path / "multi.types"
    types.write_text(f"1 6.5 {receptor} {poses}\n0 -5.0 {receptor} {poses}\n")
    with pytest.raises(InvalidFileError, match=r"found 9 .*--pose-files"):
        ComplexDataset(types)[0]
    dataset = open_dataset(types, pose_files=True)
    assert len(dataset) == 18
    assert dataset.types.groups.tolist() == [0] * 9 + [1] * 9
    assert dataset.types.labels[:, 1].tolist() == [6.5] * 9 + [-5.0] * 9
    expected = read_molecules(poses)
    for k in range(9):
        np.testing.assert_allclose(
            dataset[k].center, expected[k].coords[expected[k].heavy].mean(0), atol=1e-4
        )
    result = CliRunner().invoke(cli, ["cache", str(types), "-o", str(tmp_path / "c"), "--pose-files"])
    assert result.exit_code == 0, result.output
    cached = open_dataset(types, pose_files=True, molcaches=[tmp_path / "c" / "lig.molcache2"])
    for k in (0, 8, 17):
        np.testing.assert_array_equal(cached[k].atoms.coords, dataset[k].atoms.coords)
    per_pose = evaluate_model("crossdock_default2018", types, pose_files=True)
    assert per_pose["auc"] == 0.5  # the same 9 poses labelled good on one line and bad on the other
    combined = evaluate_model("crossdock_default2018", types, pose_files=True, combine="max")
    assert combined["compounds"] == 2
