"""Vina's score of a pose as it stands, as GNINA computes it: hand-computed terms, GNINA's torsion count, the
``vina`` package's energies, and ``voxbind score --vina``."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest
from rdkit import Chem

from voxbind.atomtypes.gnina import GNINA_INDEX
from voxbind.io import read_molecule, read_molecules
from voxbind.jobs import example_complex, iter_scores, rescore
from voxbind.jobs.vina_score import TORSION_WEIGHT, WEIGHTS, VinaAtoms, VinaScorer, vina_score, vina_torsions

from .screening import small_scorer

needs_example = pytest.mark.skipif(
    importlib.util.find_spec("prolif") is None, reason="prolif (the example complex) not installed"
)


def atoms(*pairs) -> VinaAtoms:
    """``(type name, (x, y, z))`` pairs as Vina atoms (hydrogens left out as Vina leaves them)."""
    types = np.array([GNINA_INDEX[name] for name, _ in pairs])
    return VinaAtoms.heavy(np.array([xyz for _, xyz in pairs], dtype=float), types)


def test_each_term_equals_its_hand_computed_value():
    ligand = atoms(("NitrogenXSDonor", (0, 0, 0)), ("Hydrogen", (0.5, 0, 0)))
    receptor = atoms(("OxygenXSAcceptor", (3.0, 0, 0)), ("PolarHydrogen", (2.5, 0, 0)))
    score = vina_score(receptor, ligand, torsions=2)
    d = 3.0 - 1.8 - 1.7  # surface distance: -0.5 Å; hydrogens do not count
    expected = [math.exp(-((d / 0.5) ** 2)), math.exp(-(((d - 3) / 2) ** 2)), d * d, 0.0, -d / 0.7]
    np.testing.assert_allclose(score.terms, expected, rtol=1e-12)
    assert score.inter == pytest.approx(float(np.dot(WEIGHTS, expected)), rel=1e-12)
    assert score.affinity == pytest.approx(score.inter / (1 + 2 * TORSION_WEIGHT), rel=1e-12)


def test_hydrophobic_pairs_and_the_8_angstrom_cutoff():
    carbon = atoms(("AliphaticCarbonXSHydrophobe", (0, 0, 0)))
    near = vina_score(atoms(("AromaticCarbonXSHydrophobe", (4.5, 0, 0))), carbon, 0)
    assert near.terms[3] == pytest.approx(0.8)  # d = 0.7 Å: 1 → 0 over 0.5 → 1.5 Å
    assert near.terms[4] == 0  # no donor, no acceptor
    polar = vina_score(atoms(("AromaticCarbonXSNonHydrophobe", (4.5, 0, 0))), carbon, 0)
    assert polar.terms[3] == 0
    inside = vina_score(atoms(("AliphaticCarbonXSHydrophobe", (7.99, 0, 0))), carbon, 0)
    assert inside.terms[1] == pytest.approx(math.exp(-(((7.99 - 3.8 - 3) / 2) ** 2)))
    outside = vina_score(atoms(("AliphaticCarbonXSHydrophobe", (8.0, 0, 0))), carbon, 0)
    assert outside.inter == 0


@pytest.mark.parametrize(
    ("smiles", "count"),
    [
        ("CCCC", 1),  # the methyl rotors do not count
        ("CCO", 0),  # nor a hydroxyl's
        ("CC(=O)Nc1ccccc1", 1),  # the amide C-N does not rotate; N-aryl does
        ("CC(=O)N(C)C", 0),
        ("CC(=O)OCC", 2),  # ester C-O and O-C
        ("c1ccccc1-c1ccccc1", 1),
        ("C1CCCCC1", 0),
    ],
)
def test_the_torsions_are_counted_as_gnina_counts_them(smiles, count):
    assert vina_torsions(Chem.AddHs(Chem.MolFromSmiles(smiles))) == count
    assert vina_torsions(Chem.MolFromSmiles(smiles)) == count


@needs_example
def test_the_energies_equal_the_vina_packages_to_its_grid_maps_precision(tmp_path):
    vina = pytest.importorskip("vina", reason="the dock extra (vina, meeko) is not installed")
    pytest.importorskip("meeko", reason="the dock extra (vina, meeko) is not installed")
    from voxbind.jobs.docking import Docker

    receptor, poses = example_complex()
    docker = Docker(receptor, _box(poses), cnn_scoring="none", cpu=1)
    engine = vina.Vina(sf_name="vina", cpu=1, verbosity=0)
    engine.set_receptor(str(docker.receptor_file))
    engine.compute_vina_maps(center=list(docker.box.center), box_size=list(docker.box.size))
    scorer = VinaScorer(receptor)
    for pose in read_molecules(poses):
        engine.set_ligand_from_string(docker._ligand_pdbqt(pose.rdmol, "pose"))
        total, inter = engine.score()[:2]
        ours = scorer(pose)
        assert ours.inter == pytest.approx(inter, abs=0.03)  # kcal/mol; Vina interpolates its maps
        assert ours.torsions == 4  # Vina 1.2 adds half a torsion for the hydroxyl's rotor: 4.5
        assert inter / total == pytest.approx(1 + 4.5 * TORSION_WEIGHT, abs=1e-3)


def _box(poses):
    from voxbind.jobs import Box

    return Box.around(read_molecules(poses))


@needs_example
def test_score_vina_writes_minimized_affinity_beside_the_cnns_tags(tmp_path):
    receptor, ligand = example_complex()
    records = ligand.read_text().split("$$$$\n")[:3]
    poses = tmp_path / "poses.sdf"
    tagged = [f"{r.rstrip()}\n>  <minimizedAffinity>\n-99\n\n$$$$\n" for r in records]  # a stale value
    poses.write_text(tagged[0] + "not a record\n\n\n  x\nM  END\n$$$$\n" + "".join(tagged[1:]))
    sdf, csv = tmp_path / "out.sdf", tmp_path / "out.csv"
    summary = rescore([(receptor, poses)], [sdf, csv], small_scorer(), vina=True)
    assert (summary.poses, summary.scored, summary.unreadable) == (4, 3, 1)
    expected = [VinaScorer(receptor)(p).affinity for p in read_molecules(ligand)[:3]]
    written = read_molecules(sdf)
    assert [float(m.properties["minimizedAffinity"]) for m in written] == pytest.approx(expected, abs=1e-6)
    assert all(list(m.properties)[:2] == ["minimizedAffinity", "CNNscore"] for m in written)  # GNINA's order
    rows = csv.read_text().splitlines()
    assert rows[0].split(",")[5:7] == ["minimizedAffinity", "CNNscore"]
    assert rows[2].split(",")[5] == ""  # the unreadable record has no score
    scores = list(iter_scores([(receptor, poses)], small_scorer(), vina=True))
    assert [s.vina for s in scores if s.molecule is not None] == pytest.approx(expected, abs=1e-9)
    assert math.isnan(scores[1].vina)
    assert scores[0].as_gnina()["minimizedAffinity"] == pytest.approx(expected[0])


@needs_example
def test_a_receptor_read_once_scores_a_ligands_poses_as_one_by_one():
    receptor, ligand = example_complex()
    scorer = VinaScorer(read_molecule(receptor))
    poses = read_molecules(ligand)
    together = [scorer(p).affinity for p in poses]  # consecutive poses share their typing
    alone = [VinaScorer(receptor)(p).affinity for p in poses]
    assert together == alone


@needs_example
def test_a_pdbqt_pose_without_bond_orders_scores_as_its_sdf_twin():
    """Vina's PDBQT poses carry no bond orders: the amide carbonyls are found from GNINA's types (a lone
    oxygen that donates nothing), so the torsions and the score equal those of the same pose in SDF."""
    from pathlib import Path

    receptor, ligand = example_complex()
    scorer = VinaScorer(receptor)
    for k, pose in enumerate(read_molecules(ligand)[:3], 1):
        pdbqt = read_molecules(Path(ligand).parent / f"vina_output_ligand_{k}.pdbqt")[0]
        twin, mine = scorer(pdbqt), scorer(pose)
        assert twin.torsions == mine.torsions == 4
        assert twin.affinity == pytest.approx(mine.affinity, abs=1e-3)
