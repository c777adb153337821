"""Structure readers: formats, multi-pose files, options and error messages."""

from __future__ import annotations

import gzip
import io
import warnings

import numpy as np
import pytest

from voxbind.io import InvalidFileError, StructureWarning, read_molecule, read_molecules

from ..conftest import posebusters_complexes, shared_data


def _ethanol_record(name: str, x: float, affinity: str) -> str:
    return f"""\
{name}
  test

  3  2  0  0  0  0  0  0  0  0999 V2000
{x:10.4f}    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
{x + 1.5:10.4f}    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
{x + 2.2:10.4f}    1.2000    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0
  1  2  1  0
  2  3  1  0
M  END
> <minimizedAffinity>
{affinity}

$$$$
"""


SDF_TWO_POSES = _ethanol_record("pose1", 0.0, "-7.25") + _ethanol_record("pose2", 0.1, "-6.50")

PDBQT_TWO_MODELS = """\
MODEL 1
REMARK VINA RESULT:    -7.1      0.000      0.000
ROOT
ATOM      1  C1  LIG A   1       0.000   0.000   0.000  0.00  0.00    +0.000 C
ATOM      2  O1  LIG A   1       1.420   0.000   0.000  0.00  0.00    -0.400 OA
ATOM      3  H1  LIG A   1       1.750   0.900   0.000  0.00  0.00    +0.200 HD
ENDROOT
TORSDOF 0
ENDMDL
MODEL 2
REMARK VINA RESULT:    -6.3      1.200      2.000
ROOT
ATOM      1  C1  LIG A   1       0.500   0.000   0.000  0.00  0.00    +0.000 C
ATOM      2  O1  LIG A   1       1.920   0.000   0.000  0.00  0.00    -0.400 OA
ATOM      3  H1  LIG A   1       2.250   0.900   0.000  0.00  0.00    +0.200 HD
ENDROOT
TORSDOF 0
ENDMDL
"""


def test_sdf_records_are_poses_with_their_properties(tmp_path):
    path = tmp_path / "poses.sdf"
    path.write_text(SDF_TWO_POSES)
    poses = read_molecules(path)
    assert [p.name for p in poses] == ["pose1", "pose2"]
    assert [p.properties["minimizedAffinity"] for p in poses] == ["-7.25", "-6.50"]
    np.testing.assert_allclose(poses[1].coords[0], [0.1, 0.0, 0.0])
    assert "record 2" in poses[1].source
    with pytest.raises(InvalidFileError, match="expected one molecule, found 2"):
        read_molecule(path)


def test_gzip_is_transparent(tmp_path):
    path = tmp_path / "poses.sdf.gz"
    path.write_bytes(gzip.compress(SDF_TWO_POSES.encode()))
    assert len(read_molecules(path)) == 2
    with open(path, "rb") as handle:
        assert len(read_molecules(handle, "sdf")) == 2


def test_pdbqt_models_and_remarks(tmp_path):
    path = tmp_path / "out.pdbqt"
    path.write_text(PDBQT_TWO_MODELS)
    models = read_molecules(path)
    assert len(models) == 2
    assert models[0].properties["VINA RESULT"].split()[0] == "-7.1"
    assert list(models[1].elements) == [6, 8, 1]
    np.testing.assert_allclose(models[1].coords[0], [0.5, 0.0, 0.0])


def test_hydrogen_options(tmp_path):
    path = tmp_path / "poses.sdf"
    path.write_text(SDF_TWO_POSES)
    added = read_molecules(path, hydrogens="add")[0]
    assert added.num_atoms == 3 + 6  # ethanol: CH3, CH2, OH
    assert np.isfinite(added.coords).all()
    assert read_molecules(path, hydrogens="remove")[0].num_atoms == 3


def test_xyz_and_mmcif(tmp_path):
    xyz = tmp_path / "w.xyz"
    xyz.write_text("3\nwater\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n")
    with pytest.warns(StructureWarning, match="guessed"):
        (water,) = read_molecules(xyz)
    assert water.rdmol.GetNumBonds() == 2
    cif = tmp_path / "a.cif"
    cif.write_text(
        "data_x\nloop_\n_atom_site.group_PDB\n_atom_site.id\n_atom_site.type_symbol\n_atom_site.label_atom_id\n"
        "_atom_site.label_comp_id\n_atom_site.auth_seq_id\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n"
        "_atom_site.Cartn_z\n"
        "ATOM 1 N N GLY 1 0.000 0.000 0.000\nATOM 2 C CA GLY 1 1.450 0.000 0.000\n"
        "ATOM 3 C C GLY 1 2.000 1.420 0.000\nATOM 4 O O GLY 1 1.300 2.420 0.000\n#\n"
    )
    (gly,) = read_molecules(cif)
    assert list(gly.elements) == [7, 6, 6, 8]
    assert gly.atom_names() == ["N", "CA", "C", "O"]
    assert gly.residue_names() == ["GLY"] * 4


def test_receptor_options():
    path = posebusters_complexes() / "1ia1/1ia1_protein_one_lig_removed.pdb"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        everything = read_molecule(path)
        no_hetero = read_molecule(path, metals=False, waters=False)
    assert everything.num_atoms == 3243
    assert no_hetero.num_atoms <= everything.num_atoms


def test_residue_names_and_guessed_bond_orders_warn():
    root = shared_data() / "gnina-extra"
    with pytest.warns(StructureWarning, match="no bond orders for residue"):
        ligand = read_molecule(root / "3rod_lig.pdb")
    assert ligand.bond_orders_guessed
    assert set(ligand.residue_names()) == {"UNK"}


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        (
            "a.pdb",
            "ATOM      1  N   GLY A   1       0.000   nan     0.000  1.00  0.00           N\n",
            "line 1.*non-finite",
        ),
        (
            "a.pdb",
            "ATOM      1  N   GLY A   1       0.000   x.000   0.000  1.00  0.00           N\n",
            "line 1.*bad coord",
        ),
        ("a.pdb", "ATOM      1  N   GLY A   1       0.0\n", "line 1.*too short"),
        ("a.pdb", "HEADER    nothing\n", "no ATOM or HETATM"),
        ("a.sdf", "x\n\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n", "record 1.*M  END"),
        ("a.mol2", "@<TRIPOS>MOLECULE\nx\n", "record 1.*ATOM section"),
        ("a.xyz", "2\nx\nC 0 0 0\n", "truncated"),
        ("a.cif", "data_x\n", "no _atom_site"),
        ("a.foo", "", "suffix"),
    ],
)
def test_malformed_files_name_file_location_and_reason(tmp_path, name, text, match):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InvalidFileError, match=match) as info:
        read_molecules(path)
    assert str(path) in str(info.value)


def test_sdf_with_nan_coordinates_is_an_error(tmp_path):
    path = tmp_path / "nan.sdf"
    path.write_text(SDF_TWO_POSES.replace("    1.5000    0.0000", "       nan    0.0000", 1))
    with pytest.raises(InvalidFileError, match=r"record 1.*(non-finite|unreadable)"):
        read_molecules(path)


ALTLOCS = (
    "ATOM      1  N   GLY A   1       0.000   0.000   0.000  1.00  0.00           N\n"
    "ATOM      2  CA BGLY A   1       1.450   0.000   0.000  0.50  0.00           C\n"
    "ATOM      3  CA CGLY A   1       1.450   0.300   0.000  0.50  0.00           C\n"
    "ATOM      4  C   GLY A   1       2.000   1.400   0.000  1.00  0.00           C\n"
)


def test_altloc_first_keeps_the_first_location_seen_even_if_not_a():
    mol = read_molecule(io.StringIO(ALTLOCS), format="pdb")
    assert mol.num_atoms == 3
    np.testing.assert_allclose(mol.coords[1], [1.45, 0.0, 0.0])


def test_altloc_all_keeps_every_location():
    mol = read_molecule(io.StringIO(ALTLOCS), format="pdb", altloc="all")
    assert mol.num_atoms == 4


def _pdb_atom(serial, name, resname, x, y, z, element, record="HETATM"):
    position = f"{x:8.3f}{y:8.3f}{z:8.3f}"
    return (
        f"{record:6}{serial:5d} {name:<4} {resname:3} A   1    {position}  1.00  0.00          {element:>2}\n"
    )


def test_small_files_announcing_huge_contents_are_refused_quickly(tmp_path):
    """A MOL2 header announcing a billion atoms, and gzip data inflating a thousandfold, are refused
    before anything of their announced size is allocated."""
    mol2 = tmp_path / "bomb.mol2"
    mol2.write_text(
        "@<TRIPOS>MOLECULE\nx\n 999999999 0 0 0 0\nSMALL\nNO_CHARGES\n\n@<TRIPOS>ATOM\n"
        "      1 C1          0.0000    0.0000    0.0000 C.3     1  UNL1        0.0000\n"
    )
    with pytest.raises(
        InvalidFileError, match="line 3: the header announces 999999999 atoms, the record has 1"
    ):
        read_molecules(mol2)
    bomb = tmp_path / "bomb.pdb.gz"
    bomb.write_bytes(gzip.compress(b" " * (300 << 20), 9))  # 300 MiB of blanks in about 300 kB
    with pytest.raises(InvalidFileError, match="likely decompression bomb"):
        read_molecules(bomb)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (_pdb_atom(1, "X1", "LIG", 0, 0, 0, "Xx"), r"line 1: unknown element 'Xx' \(columns 77-78\)"),
        (_pdb_atom(1, "C1", "LIG", 0, 0, 0, "C").replace("   0.000   0.000", "    1e30   0.000", 1),
         r"line 1: coordinates \(1e\+30, 0.0, 0.0\) beyond ±100000 Å"),
    ],
)  # fmt: skip
def test_pdb_errors_name_the_element_or_coordinate_at_fault(tmp_path, line, reason):
    path = tmp_path / "bad.pdb"
    path.write_text(line)
    with pytest.raises(InvalidFileError, match=reason):
        read_molecules(path)


def test_warnings_number_atoms_as_the_file_does(tmp_path):
    """RDKit counts atoms from 0; a PDB warning names the atom's serial number, an SDF one its 1-based
    position."""
    pentavalent = [_pdb_atom(2419, "C1", "LIG", 0, 0, 0, "C")] + [
        _pdb_atom(2420 + k, f"H{k}", "LIG", *offset, "H")
        for k, offset in enumerate([(1.0, 0, 0), (-1.0, 0, 0), (0, 1.0, 0), (0, -1.0, 0), (0, 0, 1.0)])
    ]
    path = tmp_path / "pentavalent.pdb"
    path.write_text("".join(pentavalent))
    with pytest.warns(StructureWarning, match=r"atom serial 2419 \(C1 LIG A 1\)"):
        read_molecules(path)


def test_a_bad_record_can_be_skipped_with_a_warning_naming_it(tmp_path):
    broken = _ethanol_record("broken", 0.2, "-5.0").replace("    0.0000 C ", "    nan    C ", 1)
    path = tmp_path / "three.sdf"
    path.write_text(_ethanol_record("first", 0.0, "-7.25") + broken + _ethanol_record("third", 0.1, "-6.5"))
    with pytest.raises(InvalidFileError, match="record 2"):
        read_molecules(path)
    with pytest.warns(StructureWarning, match=r"three.sdf, record 2 \(line \d+\): .*; skipped"):
        poses = read_molecules(path, errors="skip")
    assert [p.name for p in poses] == ["first", "third"]
    assert [p.record for p in poses] == [1, 3]
    only_bad = tmp_path / "bad.sdf"
    only_bad.write_text(broken)
    with pytest.warns(StructureWarning), pytest.raises(InvalidFileError, match="no readable molecules"):
        read_molecules(only_bad, errors="skip")


_XYLENE_WITH_RING_TOPOLOGY = """p-xylene
  written with query fields: bond topology 1 (ring) and 2 (chain)

  8  8  0  0  0  0  0  0  0  0999 V2000
    1.2124    0.7000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    0.0000    1.4000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
   -1.2124    0.7000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
   -1.2124   -0.7000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    0.0000   -1.4000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    1.2124   -0.7000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    0.0000    2.9000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    0.0000   -2.9000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
  1  2  4  0  0  1
  2  3  4  0  0  1
  3  4  4  0  0  1
  4  5  4  0  0  1
  5  6  4  0  0  1
  6  1  4  0  0  1
  2  7  1  0  0  2
  5  8  1  0  0  2
M  END
$$$$
"""


def test_sdf_query_fields_of_bonds_do_not_hide_aromaticity(tmp_path):
    """Bond topology (a query feature some tools write) is ignored, as OpenBabel ignores it: the ring of
    aromatic bonds stays aromatic (RDKit alone reads such bonds as queries and leaves the ring aliphatic)."""
    path = tmp_path / "xylene.sdf"
    path.write_text(_XYLENE_WITH_RING_TOPOLOGY)
    mol = read_molecule(path).rdmol
    heavy = [atom for atom in mol.GetAtoms() if atom.GetAtomicNum() > 1]
    assert [atom.GetIsAromatic() for atom in heavy] == [True] * 6 + [False] * 2
    assert not any(bond.HasQuery() for bond in mol.GetBonds())
    assert sum(atom.GetTotalNumHs(includeNeighbors=True) for atom in heavy) == 10  # C8H10


def test_pdb_table_residue_ids_are_ranks_of_keys_even_when_a_residue_is_split():
    from voxbind.io.pdb_table import _residue_ids

    rng = np.random.default_rng(0)
    names = np.array([b"ALA A   1 ", b"ALA A   2 ", b"GLY B   1 ", b"HOH W 101 "])
    for _ in range(200):
        keys = rng.choice(names, size=int(rng.integers(1, 40)))  # runs and repeats in any order
        np.testing.assert_array_equal(_residue_ids(keys), np.unique(keys, return_inverse=True)[1].reshape(-1))
