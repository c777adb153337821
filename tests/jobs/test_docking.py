"""Docking: Vina's sampling on voxbind's receptor PDBQT, then GNINA's CNN; failures reported and skipped."""

from __future__ import annotations

import csv
import sys

import numpy as np
import pytest
from rdkit import Chem

from voxbind.atomtypes import GNINA_IDENTITY_MAP, GninaTyper
from voxbind.atomtypes.gnina import GNINA_TYPE_NAMES
from voxbind.errors import DependencyError, InvalidArgumentError, InvalidFileError
from voxbind.io import read_molecule, read_molecules
from voxbind.jobs import Box, dock, example_complex
from voxbind.jobs.docking import vina_and_meeko
from voxbind.jobs.vina_receptor import receptor_pdbqt

RECEPTOR, POSES = example_complex()
PARACETAMOL = "CC(=O)Nc1ccc(O)cc1"


def pdbqt_atoms(text: str) -> tuple[np.ndarray, list[str]]:
    lines = [line for line in text.splitlines() if line.startswith("ATOM")]
    xyz = np.array([[float(line[k : k + 8]) for k in (30, 38, 46)] for line in lines])
    return xyz, [line[77:79].strip() for line in lines]


def test_the_receptor_pdbqt_has_gninas_types_and_a_hydrogen_on_every_donor():
    molecule = read_molecule(RECEPTOR)
    names = [GNINA_TYPE_NAMES[t] for t in GninaTyper(GNINA_IDENTITY_MAP).gnina_types(molecule)]
    xyz, kinds = pdbqt_atoms(receptor_pdbqt(molecule))
    heavy = [n for n in names if n not in ("Hydrogen", "PolarHydrogen")]
    bare = [  # donors as GNINA types them without a polar H in the file (here: neutral Asp/Glu O)
        a for a in molecule.rdmol.GetAtoms()
        if "Donor" in names[a.GetIdx()]
        and not any(names[n.GetIdx()] == "PolarHydrogen" for n in a.GetNeighbors())
    ]  # fmt: skip
    assert len(bare) == 18
    assert kinds.count("HD") == names.count("PolarHydrogen") + len(bare)  # polar H kept, others dropped
    assert len(kinds) == len(heavy) + kinds.count("HD")
    assert kinds.count("A") == sum(n.startswith("Aromatic") for n in names)
    assert kinds.count("NA") == sum(n in ("NitrogenXSAcceptor", "NitrogenXSDonorAcceptor") for n in names)
    assert kinds.count("OA") == sum(n.startswith("Oxygen") for n in names)
    np.testing.assert_allclose(xyz[0], molecule.coords[0], atol=1e-3)


def test_donors_without_hydrogens_get_one_where_vina_sees_it_bonded(tmp_path):
    molecule = read_molecule(RECEPTOR, hydrogens="remove")
    names = [GNINA_TYPE_NAMES[t] for t in GninaTyper(GNINA_IDENTITY_MAP).gnina_types(molecule)]
    donors = sum("Donor" in n for n in names)
    assert donors > 100
    xyz, kinds = pdbqt_atoms(receptor_pdbqt(molecule))
    hydrogens = xyz[[k == "HD" for k in kinds]]
    heavy = xyz[[k != "HD" for k in kinds]]
    assert len(hydrogens) == donors
    distances = np.linalg.norm(hydrogens[:, None] - heavy[None], axis=2)
    assert np.allclose(distances.min(1), 1.0, atol=1e-3)  # bonded to its donor (Vina: < 1.19 Å)...
    assert (np.sort(distances, 1)[:, 1] > 1.3).all()  # ... and to no other atom


@pytest.fixture(scope="module")
def docked(tmp_path_factory):
    try:
        vina_and_meeko()
    except DependencyError:
        pytest.skip("the dock extra (vina, meeko) is not installed")
    folder = tmp_path_factory.mktemp("dock")
    runs = []
    for k, jobs in enumerate((1, 1, 2)):  # twice alike, then two processes
        out = folder / f"run{k}.sdf"
        summary = dock(
            RECEPTOR, out, smiles=[PARACETAMOL, "[Pt]", "not a SMILES", "c1ccccc1O"], autobox_ligand=POSES,
            exhaustiveness=2, num_modes=3, seed=7, cpu=1, jobs=jobs,
        )  # fmt: skip
        runs.append((summary, read_molecules(out)))
    return runs


def test_a_small_ligand_docks_end_to_end_the_same_twice_and_bad_ones_are_skipped(docked):
    (summary, everything), (_, again), _ = docked
    assert (summary.ligands, summary.docked, summary.skipped, summary.poses) == (4, 2, 2, 6)
    assert summary.model == "crossdock_default2018"
    assert [p.name for p in everything] == [PARACETAMOL] * 3 + ["c1ccccc1O"] * 3  # in input order
    poses = everything[:3]
    assert [p.properties["pose"] for p in poses] == ["1", "2", "3"]
    scores = [float(p.properties["CNNscore"]) for p in poses]
    assert scores == sorted(scores, reverse=True)  # GNINA's order: by CNNscore
    for pose, twin in zip(poses, again[:3], strict=True):
        np.testing.assert_array_equal(pose.coords, twin.coords)  # a fixed seed gives the same poses
        assert pose.properties == twin.properties
        assert float(pose.properties["minimizedAffinity"]) < -3  # kcal/mol: a bound pose
        cnn_vs = float(pose.properties["CNNscore"]) * float(pose.properties["CNNaffinity"])
        assert float(pose.properties["CNN_VS"]) == pytest.approx(cnn_vs, abs=1e-5)
        assert Chem.MolToSmiles(Chem.RemoveHs(pose.rdmol)) == Chem.CanonSmiles(PARACETAMOL)
    box = Box.around(read_molecules(POSES))
    for pose in poses:
        assert (np.abs(pose.coords - np.array(box.center)) <= np.array(box.size) / 2 + 1.5).all()


def test_two_processes_dock_what_one_does_in_input_order(docked):
    (summary, one), _, (parallel_summary, two) = docked
    assert (parallel_summary.ligands, parallel_summary.docked, parallel_summary.poses) == (4, 2, 6)
    assert parallel_summary.model == summary.model
    assert [p.name for p in two] == [p.name for p in one]
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a.coords, b.coords)  # the same Vina poses
        assert a.properties.keys() == b.properties.keys()
        for key, value in a.properties.items():  # the CNN on one thread sums in another order
            assert float(value) == pytest.approx(float(b.properties[key]), abs=2e-6), key


def test_loading_the_extra_leaves_readers_errors_clear(tmp_path):
    try:
        vina_and_meeko()  # meeko's import sends RDKit's log to Python's logging; voxbind restores it
    except DependencyError:
        pytest.skip("the dock extra (vina, meeko) is not installed")
    path = tmp_path / "bad.pdb"  # a byte that is not UTF-8 in an atom serial: RDKit quotes it in a warning
    path.write_bytes(
        b"ATOM      1  N   GLY A   1      -0.966   0.493   1.500  1.00  0.00           N\n"
        b"ATOM     \x802  CA  GLY A   1       0.257   0.418   0.692  1.00  0.00           C\n"
    )
    with pytest.raises(InvalidFileError, match=r"bad\.pdb, model 1"):
        read_molecule(path)


def test_without_vina_the_error_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "vina", None)  # as if it were not installed
    with pytest.raises(DependencyError, match=r"voxbind\[dock\]"):
        dock(RECEPTOR, tmp_path / "out.sdf", smiles=[PARACETAMOL], autobox_ligand=POSES)


def test_ligands_with_query_fields_and_pdbbind_carboxylates_are_made_plain():
    from voxbind.jobs.docking import plain_ligand

    from ..conftest import SHARED_COMPLEXES, shared_data

    crystal = read_molecule(shared_data() / SHARED_COMPLEXES["1a30"][1])  # hydrogen-count query fields
    assert any(a.HasQuery() for a in crystal.rdmol.GetAtoms())
    plain = plain_ligand(crystal.rdmol)
    assert not any(a.HasQuery() for a in plain.GetAtoms())
    assert not Chem.DetectChemistryProblems(plain)  # its C-(=O)=O groups are now C(=O)O-
    assert [a.GetAtomicNum() for a in plain.GetAtoms()] == [
        a.GetAtomicNum() for a in crystal.rdmol.GetAtoms()
    ]
    np.testing.assert_array_equal(plain.GetConformer().GetPositions(), crystal.coords)
    assert Chem.MolToSmiles(Chem.RemoveHs(plain)).count("[O-]") == 3


@pytest.mark.parametrize(
    ("complex_id", "smiles"),
    [
        ("1ado", "O=C(CO)COP(=O)([O-])[O-]"),  # P(=O)(=O)=O in the file
        ("1aj7", "O=C([O-])CCCCP(=O)([O-])Oc1ccc([N+](=O)[O-])cc1"),  # N+2(=O)=O and a phosphate
    ],
)
def test_pdbbind_phosphates_and_nitro_groups_are_mended(complex_id, smiles):
    from voxbind.jobs.docking import plain_ligand

    from ..conftest import SHARED_COMPLEXES, shared_data

    plain = plain_ligand(read_molecule(shared_data() / SHARED_COMPLEXES[complex_id][1]).rdmol)
    assert not Chem.DetectChemistryProblems(plain)
    assert Chem.MolToSmiles(Chem.RemoveHs(plain)) == Chem.CanonSmiles(smiles)


def test_an_interrupted_run_resumed_writes_what_an_uninterrupted_one_does(docked, tmp_path, monkeypatch):
    from voxbind.jobs.docking import Docker

    (_summary, whole), _, _ = docked
    original = Docker.dock

    def interrupted(self, ligand, name=""):
        if name == "c1ccccc1O":
            raise KeyboardInterrupt  # the run stops while docking the last ligand
        return original(self, ligand, name)

    out = tmp_path / "resumed.csv"
    options = {"autobox_ligand": POSES, "exhaustiveness": 2, "num_modes": 3, "seed": 7, "cpu": 1}
    ligands = [PARACETAMOL, "[Pt]", "not a SMILES", "c1ccccc1O"]
    monkeypatch.setattr(Docker, "dock", interrupted)
    with pytest.raises(KeyboardInterrupt):
        dock(RECEPTOR, out, smiles=ligands, **options)
    assert not out.exists()
    assert (tmp_path / "resumed.csv.parts").is_dir()
    monkeypatch.setattr(Docker, "dock", original)
    with pytest.raises(InvalidArgumentError, match="--resume"):
        dock(RECEPTOR, out, smiles=ligands, **options)
    import voxbind.jobs.dock_run as dock_run

    embedded = []
    embed = dock_run.ligand_from_smiles
    monkeypatch.setattr(
        dock_run, "ligand_from_smiles", lambda text, seed: embedded.append(text) or embed(text, seed)
    )
    resumed = dock(RECEPTOR, out, smiles=ligands, resume=True, **options)
    assert embedded == ["c1ccccc1O"]  # the finished ligands are not embedded again
    assert (resumed.ligands, resumed.docked, resumed.skipped, resumed.resumed) == (4, 2, 2, 3)
    rows = list(csv.DictReader(out.open()))
    assert [r["name"] for r in rows] == [PARACETAMOL] * 3 + ["[Pt]", "not a SMILES"] + ["c1ccccc1O"] * 3
    assert "cannot parse" in rows[4]["problem"]
    assert rows[4]["pose"] == ""
    docked_rows = [r for r in rows if r["pose"]]
    assert len(docked_rows) == len(whole)
    for row, pose in zip(docked_rows, whole, strict=True):  # the same poses and scores as one whole run
        for key in ("minimizedAffinity", "CNNscore", "CNNaffinity"):
            assert float(row[key]) == pytest.approx(float(pose.properties[key]), abs=1e-5), key
