"""Typers and channel maps on molecules with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from rdkit import Chem
from rdkit.Chem import AllChem

from voxbind.atomtypes import (
    DEFAULT_LIGAND_MAP,
    DEFAULT_RECEPTOR_MAP,
    GNINA_TYPE_NAMES,
    CallbackTyper,
    ChannelMap,
    ElementTyper,
    FeatureTyper,
    GninaTyper,
    OneHotTyper,
    TypingWarning,
    combine,
)
from voxbind.errors import InvalidFileError, StructureWarning
from voxbind.io import Molecule, read_molecule

from ..conftest import shared_data

ALI_H, ALI_P = "AliphaticCarbonXSHydrophobe", "AliphaticCarbonXSNonHydrophobe"
ARO_H, ARO_P = "AromaticCarbonXSHydrophobe", "AromaticCarbonXSNonHydrophobe"


def molecule(smiles: str) -> Molecule:
    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    AllChem.EmbedMolecule(mol, randomSeed=1)
    return Molecule(Chem.RemoveHs(mol), smiles, smiles)


def names(smiles: str) -> list[str]:
    m = molecule(smiles)
    return [GNINA_TYPE_NAMES[t] for t in GninaTyper().gnina_types(m)]


@pytest.mark.parametrize(
    ("smiles", "expected"),
    [
        ("CCO", ["AliphaticCarbonXSHydrophobe", "AliphaticCarbonXSNonHydrophobe", "OxygenXSDonorAcceptor"]),
        ("COC", ["AliphaticCarbonXSNonHydrophobe", "OxygenXSAcceptor", "AliphaticCarbonXSNonHydrophobe"]),
        ("CN", ["AliphaticCarbonXSNonHydrophobe", "NitrogenXSDonorAcceptor"]),  # amine: sp3, 3 neighbours
        ("C[NH3+]", ["AliphaticCarbonXSNonHydrophobe", "NitrogenXSDonor"]),  # sp3 with 4: no lone pair
        ("CC(N)=O", [ALI_H, ALI_P, "NitrogenXSDonor", "OxygenXSAcceptor"]),
        ("c1ccncc1", [ARO_H, ARO_H, ARO_P, "NitrogenXSAcceptor", ARO_P, ARO_H]),
        ("CS", ["AliphaticCarbonXSNonHydrophobe", "Sulfur"]),
        ("C[S-]", ["AliphaticCarbonXSNonHydrophobe", "SulfurAcceptor"]),
        ("C[Se]C", ["AliphaticCarbonXSNonHydrophobe", "Sulfur", "AliphaticCarbonXSNonHydrophobe"]),
        ("CF", ["AliphaticCarbonXSNonHydrophobe", "Fluorine"]),
        ("CB(C)C", [ALI_P, "Boron", ALI_P, ALI_P]),
        ("C[N+](=O)[O-]", [ALI_P, "Nitrogen", "OxygenXSAcceptor", "OxygenXSAcceptor"]),  # sp2, 3 neighbours
    ],
)  # fmt: skip
def test_gnina_rules(smiles, expected):
    assert names(smiles) == expected


def test_hydrogens_polar_and_not():
    m = Molecule(Chem.AddHs(Chem.MolFromSmiles("CO")), "methanol", "methanol")
    got = [GNINA_TYPE_NAMES[t] for t in GninaTyper().gnina_types(m)]
    assert got[:2] == ["AliphaticCarbonXSNonHydrophobe", "OxygenXSDonorAcceptor"]
    assert sorted(got[2:]) == ["Hydrogen"] * 3 + ["PolarHydrogen"]


def test_unknown_element_is_generic_metal_with_a_warning():
    m = molecule("C[Si](C)(C)C")
    with pytest.warns(TypingWarning, match="unknown element"):
        types = GninaTyper().gnina_types(m)
    assert GNINA_TYPE_NAMES[types[1]] == "GenericMetal"


def test_default_maps_merge_like_gnina():
    assert len(DEFAULT_RECEPTOR_MAP) == len(DEFAULT_LIGAND_MAP) == 14
    np.testing.assert_allclose(
        DEFAULT_RECEPTOR_MAP.radii(),
        [1.9, 1.9, 1.9, 1.9, 1.875, 1.8, 1.8, 1.7, 1.7, 2.0, 2.1, 1.2, 1.2, 1.344],
        atol=1e-6,
    )
    np.testing.assert_allclose(
        DEFAULT_LIGAND_MAP.radii(),
        [1.9, 1.9, 1.9, 1.9, 2.1, 1.8, 1.5, 1.8, 1.8, 1.7, 1.7, 2.0, 2.1, 1.303],
        atol=1e-3,
    )
    assert DEFAULT_RECEPTOR_MAP.table[:2].tolist() == [-1, -1]  # hydrogens in no channel


def test_default_typers_drop_hydrogens_and_stack_receptor_then_ligand():
    m = Molecule(Chem.AddHs(Chem.MolFromSmiles("CO")), "methanol", "methanol")
    m.rdmol.AddConformer(Chem.Conformer(m.num_atoms), assignId=True)
    rec = GninaTyper(DEFAULT_RECEPTOR_MAP)(m)
    lig = GninaTyper(DEFAULT_LIGAND_MAP)(m)
    assert rec.num_atoms == 2
    assert rec.coords.dtype == np.float32
    both = combine(rec, lig)
    assert both.num_channels == 28
    assert both.types.tolist() == [1, 8, 14 + 1, 14 + 10]


def test_file_map_reads_gnina_map_files():
    cmap = ChannelMap.from_file(shared_data() / "gnina-testdata/recmap")
    assert len(cmap) > 0
    typer = GninaTyper(cmap)
    assert typer.channel_names == cmap.names


def test_map_text_round_trips_and_reads_gninas_default_text():
    for cmap in (DEFAULT_RECEPTOR_MAP, DEFAULT_LIGAND_MAP):
        assert ChannelMap.from_text(cmap.to_text()) == cmap
    # GNINA's torch_model.cpp default ligand map, trailing spaces and all
    lines = [
        "AliphaticCarbonXSHydrophobe ", "AliphaticCarbonXSNonHydrophobe ", "AromaticCarbonXSHydrophobe ",
        "AromaticCarbonXSNonHydrophobe", "Bromine Iodine", "Chlorine", "Fluorine",
        "Nitrogen NitrogenXSAcceptor ", "NitrogenXSDonor NitrogenXSDonorAcceptor", "Oxygen OxygenXSAcceptor ",
        "OxygenXSDonorAcceptor OxygenXSDonor", "Sulfur SulfurAcceptor", "Phosphorus",
        "GenericMetal Boron Manganese Magnesium Zinc Calcium Iron",
    ]  # fmt: skip
    text = "\n".join(lines) + "\n"
    assert ChannelMap.from_text(text) == DEFAULT_LIGAND_MAP
    with pytest.raises(InvalidFileError, match=r"model.pt, line 2.*Bogus"):
        ChannelMap.from_text("Zinc\nBogus", source="model.pt")


def test_file_map_errors_name_the_line(tmp_path):
    path = tmp_path / "map"
    path.write_text("AliphaticCarbonXSHydrophobe\n\nNitrogen Bogus\n")
    with pytest.raises(InvalidFileError, match=r"line 3.*Bogus"):
        ChannelMap.from_file(path)


def test_element_callback_and_vector_typers():
    m = molecule("CCO")
    element = ElementTyper()(m)
    assert [element.channel_names[t] for t in element.types] == ["C", "C", "O"]
    callback = CallbackTyper(lambda a: (0 if a.GetSymbol() == "C" else -1, 2.0), ["carbon"])(m)
    assert callback.num_atoms == 2
    np.testing.assert_array_equal(callback.radii, [2.0, 2.0])
    onehot = OneHotTyper(GninaTyper(DEFAULT_LIGAND_MAP))(m)
    assert onehot.types.shape == (3, 14)
    np.testing.assert_array_equal(onehot.types.sum(axis=1), 1.0)
    assert onehot.types[2, DEFAULT_LIGAND_MAP.names.index("OxygenXSDonorAcceptor_OxygenXSDonor")] == 1.0
    features = FeatureTyper(lambda a: [a.GetAtomicNum() / 10, a.GetDegree()], ["z", "degree"])(m)
    np.testing.assert_allclose(features.types, [[0.6, 1], [0.6, 2], [0.8, 1]], rtol=1e-6)


def test_pdbqt_types_follow_autodock_types(tmp_path):
    from voxbind.io import read_molecule

    from ..io.test_structures import PDBQT_TWO_MODELS

    path = tmp_path / "a.pdbqt"
    path.write_text(PDBQT_TWO_MODELS.split("ENDMDL")[0] + "ENDMDL\n")
    got = [GNINA_TYPE_NAMES[t] for t in GninaTyper().gnina_types(read_molecule(path))]
    assert got == ["AliphaticCarbonXSNonHydrophobe", "OxygenXSDonorAcceptor", "PolarHydrogen"]


def test_unknown_element_warnings_name_the_atom_as_the_pdb_numbers_it(tmp_path):
    from voxbind.atomtypes import read_typed_molecule

    path = tmp_path / "si.pdb"
    path.write_text(
        "ATOM     76  CA  GLY A   1       0.000   0.000   0.000  1.00  0.00           C\n"
        "HETATM   77 SI1  SIL A   2       9.000   9.000   9.000  1.00  0.00          SI\n"
    )
    with pytest.warns(TypingWarning, match=r"first: atom serial 77 \(SI1 SIL A 2\), 'Si'"):
        read_typed_molecule(path, GninaTyper())


_NITROMETHANE_WITH_N_PLUS_2 = """nitromethane
  a nitro group as a molfile with shifted columns reads: two double bonds, charge code 2 (+2) on N

  4  3  0  0  0  0  0  0  0  0999 V2000
    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    1.4900    0.0000    0.0000 N   0  2  0  0  0  0  0  0  0  0  0  0
    2.0900    1.0600    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0
    2.0900   -1.0600    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0
  1  2  1  0
  2  3  2  0
  2  4  2  0
M  END
$$$$
"""


def test_a_nitrogen_with_three_neighbours_and_a_double_bond_has_no_lone_pair(tmp_path):
    """OpenBabel calls it sp2 whatever its charge (RDKit calls this +2 nitrogen sp): ``Nitrogen``."""
    path = tmp_path / "nitro.sdf"
    path.write_text(_NITROMETHANE_WITH_N_PLUS_2)
    with pytest.warns(StructureWarning):
        mol = read_molecule(path)
    types = [GNINA_TYPE_NAMES[t] for t in GninaTyper().gnina_types(mol)[:4]]
    assert types == [ALI_P, "Nitrogen", "OxygenXSAcceptor", "OxygenXSAcceptor"]


_THIOPHENE_WITH_IONS = """\
HETATM    1  C1  UNK A   1       0.673  -0.741   0.091  1.00  0.00           C
HETATM    2  C2  UNK A   1      -0.742  -0.675  -0.064  1.00  0.00           C
HETATM    3  C3  UNK A   1      -1.193   0.624  -0.145  1.00  0.00           C
HETATM    4  S1  UNK A   1       0.086   1.757  -0.034  1.00  0.00           S
HETATM    5  C4  UNK A   1       1.248   0.510   0.123  1.00  0.00           C
HETATM  101 NA    NA A 201      10.000  10.000  10.000  1.00  0.00          NA1+
HETATM  102 NA    NA A 202     -10.000  10.000  10.000  1.00  0.00          NA1+
END
"""


def test_a_ring_sulfur_takes_no_double_bond_whatever_the_files_total_charge():
    """OpenBabel would make a ring sulfur S+ when the molecule's total charge is over +1, but its PDB
    reader never sets that total: libmolgrid types this thiophene beside two Na+ as without them."""
    import io

    with pytest.warns(StructureWarning, match="bond orders perceived from geometry"):
        mol = read_molecule(io.StringIO(_THIOPHENE_WITH_IONS), format="pdb")
    types = [GNINA_TYPE_NAMES[t] for t in GninaTyper().gnina_types(mol) if t > 1]
    assert types == [ARO_H, ARO_H, ARO_P, "Sulfur", ARO_P, "GenericMetal", "GenericMetal"]
    sulfur = mol.rdmol.GetAtomWithIdx(3)
    assert sulfur.GetFormalCharge() == 0
    assert sulfur.GetTotalNumHs() == 0
