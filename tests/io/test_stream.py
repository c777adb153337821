"""Streaming records: a ligand's consecutive poses are parsed once, into the molecule a full parse gives."""

from __future__ import annotations

import gzip
import io
import random
from pathlib import Path

import numpy as np
import pytest
from rdkit import Chem
from rdkit.Chem import AllChem

from voxbind.io import InvalidFileError, UnreadableRecord, iter_molecules, iter_records
from voxbind.io._sdf import sdf_record, sdf_records, sdf_records_read
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


def test_records_split_from_chunks_of_text_equal_those_split_line_by_line():
    """The streamed SDF splitter reads chunks of text; whatever the chunk size, its records and their first
    line numbers are those of the line-by-line splitter, on texts with terminators at and away from line
    starts, terminator lines with text after them, blank tails and no final line end."""
    rng = random.Random(0)
    pieces = ["a", "", "  ", "$$$$", "$$$$ x", "x$$$$", " $$$$", "M  END", "> <t>", "1.0", "$$$"]
    for _ in range(500):
        lines = [rng.choice(pieces) for _ in range(rng.randint(0, 30))]
        text = "\n".join(lines) + rng.choice(["", "\n", "\n\n"])
        want = list(sdf_records(line.rstrip("\n") for line in io.StringIO(text)))
        for size in (1, 3, 7, 1 << 18):
            assert list(sdf_records_read(io.StringIO(text).read, size)) == want


def test_a_truncated_gzip_stream_stops_with_the_file_named_after_its_whole_records(tmp_path):
    _, ligand = example_complex()
    whole = gzip.compress(Path(ligand).read_bytes() * 40)
    cut = tmp_path / "poses.sdf.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    read: list = []
    with pytest.raises(InvalidFileError, match=r"poses\.sdf\.gz.*corrupt gzip data"):
        read.extend(iter_molecules(cut))
    assert len(read) > 5
    assert all(not isinstance(m, UnreadableRecord) for m in read[:-1])


def test_a_record_longer_than_a_chunk_is_read_in_doubling_chunks():
    """A record far longer than the chunk size (here 5 MB against 1 KB) is read in a number of calls that
    grows with the logarithm of its length, so it is neither rescanned nor copied once per chunk."""
    text = "x\n" * 2_500_000 + "$$$$\nlast\n$$$$\n"
    stream = io.StringIO(text)
    sizes: list[int] = []

    def read(size: int) -> str:
        sizes.append(size)
        return stream.read(size)

    records = list(sdf_records_read(read, 1024))
    assert [(start, len(lines)) for start, lines in records] == [(1, 2_500_000), (2_500_002, 1)]
    assert len(sizes) < 20


def test_bad_atom_lines_are_named_in_the_error(tmp_path):
    """An unknown element, unreadable or NaN coordinates in a record parsed in full say which atom (a reused
    topology's NaN coordinates are refused by ``check_atoms``, naming the atom too)."""
    _, ligand = example_complex()
    records = Path(ligand).read_text().split("$$$$\n")
    lines = records[1].split("\n")
    unknown = [*lines[:4], lines[4][:31] + "Qq " + lines[4][34:], *lines[5:]]
    letters = [*lines[:4], "    abcdef" + lines[4][10:], *lines[5:]]
    nan = [*lines[:4], "       nan" + lines[4][10:], *lines[5:]]
    path = tmp_path / "bad.sdf"
    path.write_text("$$$$\n".join(["\n".join(unknown), "\n".join(letters), "\n".join(nan), ""]))
    got = list(iter_molecules(path))
    assert [type(m) for m in got] == [UnreadableRecord] * 3
    assert "record 1" in str(got[0].error)
    assert "atom 1: unknown element 'Qq'" in got[0].reason
    assert "atom 1: coordinates ['abcdef'" in got[1].reason
    assert "atom 1: coordinates ['nan'" in got[2].reason
