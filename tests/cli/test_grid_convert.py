"""``voxbind grid`` and ``voxbind convert`` on a real complex."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner

from voxbind.atomtypes import read_gninatypes
from voxbind.cli.main import cli
from voxbind.io import read_dx, read_molecule

from ..conftest import shared_data


def test_grid_writes_28_dx_files_centered_on_the_ligand(tmp_path, typing_reference):
    root = shared_data() / "gnina-testdata/structs/1a30"
    result = CliRunner().invoke(
        cli, ["grid", str(root / "1a30_rec.pdb"), str(root / "1a30_ligand.sdf"), "-o", str(tmp_path / "g")]
    )
    assert result.exit_code == 0, result.output
    files = sorted(tmp_path.glob("g_*.dx"))
    assert len(files) == 28
    values, origin, _ = read_dx(tmp_path / "g_lig_AliphaticCarbonXSNonHydrophobe.dx")
    assert values.shape == (48, 48, 48)
    np.testing.assert_allclose(origin, typing_reference["1a30"]["center"] - 23.5 / 2, atol=1e-5)
    assert values.sum() > 1.0


def test_grid_centres_on_a_given_point_without_a_ligand(tmp_path):
    root = shared_data() / "gnina-testdata/structs/1a30"
    center = ["4.5", "-2.25", "10.0"]
    result = CliRunner().invoke(
        cli, ["grid", str(root / "1a30_rec.pdb"), "--center", *center, "-o", str(tmp_path / "pocket")]
    )
    assert result.exit_code == 0, result.output
    files = sorted(tmp_path.glob("pocket_*.dx"))
    assert len(files) == 14  # the receptor's channels only
    assert all(f.name.startswith("pocket_rec_") for f in files)
    values, origin, _ = read_dx(tmp_path / "pocket_rec_AliphaticCarbonXSHydrophobe.dx")
    np.testing.assert_allclose(origin, np.array(center, dtype=float) - 23.5 / 2, atol=1e-6)
    assert values.sum() > 1.0


def test_convert_writes_one_gninatypes_file_per_pose(tmp_path):
    root = shared_data() / "gnina-testdata/structs/1a30"
    result = CliRunner().invoke(cli, ["convert", str(root / "1a30_ligand.sdf"), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    atoms = read_gninatypes(tmp_path / "1a30_ligand_0.gninatypes")
    molecule = read_molecule(root / "1a30_ligand.sdf")
    assert atoms.num_atoms == molecule.num_atoms
    np.testing.assert_allclose(atoms.coords, molecule.coords, atol=1e-5)


def test_bad_input_is_one_line_naming_file_line_and_reason(tmp_path, monkeypatch, capsys):
    import sys

    import pytest

    from voxbind.cli.main import main

    bad = tmp_path / "bad.pdb"
    bad.write_text("ATOM      1  N   GLY A   1       0.000   nan     0.000  1.00  0.00           N\n")
    monkeypatch.setattr(sys, "argv", ["voxbind", "convert", str(bad)])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: ")
    assert f"{bad}, line 1: non-finite coordinates" in err
    assert "Traceback" not in err
