"""Streaming records: a ligand's consecutive poses are parsed once, into the molecule a full parse gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rdkit import Chem
from rdkit.Chem import AllChem

from voxbind.io import InvalidFileError, UnreadableRecord, iter_records
from voxbind.io._sdf import sdf_record, sdf_records
from voxbind.jobs import example_complex


def parsed_alone(path):
    """Every record of an SDF, each parsed on its own (no reuse)."""
    lines = path.read_text().splitlines()
    return [sdf_record(k, numbered, str(path)) for k, numbered in enumerate(sdf_records(lines), 1)]


def assert_same_molecule(a, b):
    props = {"includePrivate": True, "includeComputed": False}
    assert a.rdmol.GetPropsAsDict(**props) == b.rdmol.GetPropsAsDict(**props)
    assert Chem.MolToSmiles(a.rdmol) == Chem.MolToSmiles(b.rdmol)
    assert [x.GetChiralTag() for x in a.rdmol.GetAtoms()] == [x.GetChiralTag() for x in b.rdmol.GetAtoms()]
    assert [x.GetBondDir() for x in a.rdmol.GetBonds()] == [x.GetBondDir() for x in b.rdmol.GetBonds()]
    assert [x.GetFormalCharge() for x in a.rdmol.GetAtoms()] == [
        x.GetFormalCharge() for x in b.rdmol.GetAtoms()
    ]
    np.testing.assert_array_equal(a.coords, b.coords)
    assert (a.name, a.properties, a.text, a.record) == (b.name, b.properties, b.text, b.record)


def test_a_ligands_poses_are_the_molecules_a_full_parse_gives():
    _, poses = example_complex()
    poses = Path(poses)  # 9 Vina poses: wedges differ between them, RDKit drops them in 3D
    streamed = [read() for _, read in iter_records(poses)]
    alone = parsed_alone(poses)
    assert len({m.topology for m in streamed}) == 1
    for a, b in zip(alone, streamed, strict=True):
        assert_same_molecule(a, b)


def _conformers_sdf(path, smiles, count, seed=0, *, flat=False):
    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    AllChem.EmbedMultipleConfs(mol, count, randomSeed=seed)
    with Chem.SDWriter(str(path)) as writer:
        for conf in mol.GetConformers():
            if flat:
                conf.Set3D(False)
            mol.SetProp("_Name", f"{smiles} conformer {conf.GetId()}  ")  # each pose its own title
            writer.write(mol, confId=conf.GetId())


def test_changing_ligands_mirror_images_and_bad_records_are_parsed_in_full(tmp_path):
    path = tmp_path / "mixed.sdf"
    _conformers_sdf(tmp_path / "a.sdf", "C[C@H](N)C(=O)O", 2)
    _conformers_sdf(tmp_path / "b.sdf", "C[C@@H](N)C(=O)O", 2)  # the mirror image: same connection table
    _conformers_sdf(tmp_path / "c.sdf", "c1ccccc1O", 2)
    text = (tmp_path / "a.sdf").read_text() + (tmp_path / "b.sdf").read_text()
    blocks = (tmp_path / "c.sdf").read_text().split("$$$$\n")
    bad = blocks[0].splitlines()
    bad[5] = bad[5][:10] + "   nan    " + bad[5][20:]  # an unreadable coordinate
    text += "\n".join(bad) + "\n$$$$\n" + blocks[1] + "$$$$\n"
    path.write_text(text)
    streamed = [read() for _, read in iter_records(path)]
    assert isinstance(streamed[4], UnreadableRecord)
    good = [k for k in range(6) if k != 4]
    lines = path.read_text().splitlines()
    for k, numbered in enumerate(sdf_records(lines), 1):
        if k - 1 in good:
            assert_same_molecule(sdf_record(k, numbered, str(path)), streamed[k - 1])
        else:
            with pytest.raises(InvalidFileError, match="record 5"):
                sdf_record(k, numbered, str(path))
    tags = [[a.GetChiralTag() for a in streamed[k].rdmol.GetAtoms()][1] for k in (0, 2)]
    assert tags[0] != tags[1]  # the mirror image's chirality comes from its own coordinates


def test_2d_records_are_parsed_in_full(tmp_path):
    path = tmp_path / "flat.sdf"
    _conformers_sdf(path, "C[C@H](N)C(=O)O", 3, flat=True)
    for a, b in zip(parsed_alone(path), [read() for _, read in iter_records(path)], strict=True):
        assert_same_molecule(a, b)
