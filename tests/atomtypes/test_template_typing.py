"""The residue-template path of ``read_typed_molecules`` against typing the RDKit molecule."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest

from voxbind.atomtypes import GninaTyper, read_typed_molecule, read_typed_molecules
from voxbind.atomtypes._residues import TEMPLATES
from voxbind.io import StructureText, read_molecules
from voxbind.io.pdb_table import read_pdb_table

from ..conftest import (
    EXTRA_COMPLEXES,
    POSEBUSTERS_COMPLEXES,
    SHARED_COMPLEXES,
    posebusters_complexes,
    shared_data,
)

IDENTITY = GninaTyper()  # all 28 types, hydrogens included


def _through_rdkit(source, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [IDENTITY(m) for m in read_molecules(source, **options)]


def _fast(source, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_typed_molecules(source, IDENTITY, **options)


def _assert_same(fast, slow):
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a.types, b.types)
        np.testing.assert_array_equal(a.coords, b.coords)
        np.testing.assert_array_equal(a.radii, b.radii)
        assert a.channel_names == b.channel_names


def _receptors():
    out = []
    for name, (rec, _) in {**SHARED_COMPLEXES, **EXTRA_COMPLEXES}.items():
        out.append(pytest.param("shared", rec, id=name))
    for name, (rec, _) in POSEBUSTERS_COMPLEXES.items():
        out.append(pytest.param("posebusters", rec, id=name))
    return out


def _root(kind):
    return shared_data() if kind == "shared" else posebusters_complexes()


@pytest.mark.parametrize(("kind", "relative"), _receptors())
def test_real_receptors_match_rdkit_typing(kind, relative):
    path = _root(kind) / relative
    _assert_same(_fast(path), _through_rdkit(path))


def test_templates_cover_the_standard_amino_acids():
    assert len(TEMPLATES.names) == 20
    # every residue's template bonds: heavy atoms - 1 + rings; TRP has 2 rings, OXT adds one bond
    trp = TEMPLATES.names.index("TRP")
    assert TEMPLATES.bond_count[trp] == 16  # 15 atoms with OXT, two rings: 15 - 1 + 2 bonds
    ala = TEMPLATES.names.index("ALA")
    assert TEMPLATES.bond_count[ala] == 5  # N-CA CA-C C=O C-OXT CA-CB


def _variant(text: str, seed: int) -> str:
    """A damaged copy of a PDB file: atoms removed, charges, clashes, renamed residues, alternate
    locations, HETATM records — the oddities the template path must hand to RDKit or reproduce."""
    rng = np.random.default_rng(seed)
    lines = text.splitlines()
    atoms = [k for k, line in enumerate(lines) if line.startswith(("ATOM  ", "HETATM"))]
    out = list(lines)
    for k in rng.choice(atoms, size=12, replace=False):
        line = out[k].ljust(80)
        action = rng.integers(6)
        if action == 0:
            out[k] = ""
        elif action == 1:
            out[k] = line[:78] + ("1+" if rng.random() < 0.5 else "1-")
        elif action == 2:  # a clash: move this atom onto a neighbour's position
            other = out[atoms[max(0, atoms.index(k) - 3)]].ljust(80)
            out[k] = line[:30] + other[30:54] + line[54:]
        elif action == 3:
            out[k] = line[:17] + rng.choice(["HID", "UNK", "MSE", "HIS", "LYS"]) + line[20:]
        elif action == 4:
            out[k] = line[:16] + "AB"[int(rng.integers(2))] + line[17:]
        else:
            out[k] = "HETATM" + line[6:]
    return "\n".join(line for line in out if line) + "\n"


@pytest.mark.parametrize("seed", range(12))
def test_damaged_receptors_match_rdkit_typing(seed):
    path = posebusters_complexes() / POSEBUSTERS_COMPLEXES["1s3v"][0]
    text = _variant(path.read_text(), seed)
    fast = _fast(io.StringIO(text), format="pdb")
    _assert_same(fast, _through_rdkit(io.StringIO(text), format="pdb"))


@pytest.mark.parametrize("seed", range(6))
def test_damaged_receptors_with_hydrogens_match_rdkit_typing(seed):
    path = shared_data() / SHARED_COMPLEXES["187l"][0]
    text = _variant(path.read_text(), seed)
    _assert_same(_fast(io.StringIO(text), format="pdb"), _through_rdkit(io.StringIO(text), format="pdb"))


@pytest.mark.parametrize(
    "options", [{"waters": False}, {"metals": False}, {"altloc": "all"}, {"hydrogens": "remove"}]
)
def test_reading_options_match(options):
    path = posebusters_complexes() / POSEBUSTERS_COMPLEXES["1uou"][0]
    _assert_same(_fast(path, **options), _through_rdkit(path, **options))


def test_files_the_template_path_leaves_to_rdkit():
    block = (
        "ATOM      1  N   GLY A   1       0.000   0.000   0.000  1.00  0.00           N\n"
        "ATOM      2  CA  GLY A   1       1.450   0.000   0.000  1.00  0.00           C\n"
    )

    def table(text):
        return read_pdb_table(StructureText("block.pdb", "pdb", text))

    assert table(block) is not None
    assert table("MODEL        1\n" + block + "ENDMDL\n") is None
    assert table(block + "CONECT    1    2\n") is None
    assert table(block.replace("ATOM  ", "atom  ", 1)) is None
    assert table(block.replace("           N\n", "            \n")) is None  # no element
    assert table(block.replace("   0.000   0.000  1.00", "   0.0x0   0.000  1.00", 1)) is None
    typed = read_typed_molecule(io.StringIO(block), IDENTITY, format="pdb")
    # N-terminal N of a lone glycine: sp3 NH2, donor and acceptor; CA bonded to N
    assert [IDENTITY.channel_names[t] for t in typed.types] == [
        "NitrogenXSDonorAcceptor",
        "AliphaticCarbonXSNonHydrophobe",
    ]


def _rec_path():
    return shared_data() / "gnina-testdata" / "REC.pdb"


def test_rings_closed_by_disulfides_match_rdkit_typing():
    path = _rec_path()
    fast = _fast(path)
    _assert_same(fast, _through_rdkit(path))
    # a residue inside a ring renamed: the ring now runs through template residues and a residue that
    # RDKit types in a small block of its own
    lines = path.read_text().splitlines(keepends=True)
    text = "".join(line[:17] + "UNK" + line[20:] if line[17:26] == "ALA A  24" else line for line in lines)
    _assert_same(_fast(io.StringIO(text), format="pdb"), _through_rdkit(io.StringIO(text), format="pdb"))


def test_backbone_nitrogens_on_disulfide_rings_have_no_hydrogen():
    """REC.pdb's disulfides 22-66, 56-99 and 158-206 close rings over residues 23-99 and 159-206: there
    libmolgrid types every backbone nitrogen but proline's an acceptor without hydrogen."""
    path = _rec_path()
    (typed,) = _fast(path)
    rows = [line for line in path.read_text().splitlines() if line.startswith("ATOM")]
    assert len(rows) == len(typed.types)  # no hydrogens in the file: one typed atom per record
    names = typed.channel_names
    checked = 0
    for line, t in zip(rows, typed.types.tolist(), strict=True):
        if line[12:16] != " N  " or line[17:20] == "PRO":
            continue
        checked += 1
        number = int(line[22:26])
        on_ring = 23 <= number <= 99 or 159 <= number <= 206
        expected = "NitrogenXSAcceptor" if on_ring else ("NitrogenXSDonor", "NitrogenXSDonorAcceptor")
        assert names[t] in expected, (number, names[t])
    assert checked == 210  # 218 residues, 8 of them prolines
