"""The files of the GNINA typing corpus, as ``source:relative/path`` names.

``shared`` is the shared data folder (``../shared/data``); any other source is an installed package,
its files relative to the package's folder. Imports nothing, so the oracle environment
(``make_typing_corpus.py``) and the tests read the same list.
"""

STRUCTS = "shared:gnina-testdata/structs"
#: The complexes of the shared gnina test data with structure files, and their ligand's format.
LIGAND_FORMAT = {"187l": "sdf", "1a30": "sdf", "1ado": "sdf", "1aj7": "sdf", "1apv": "mol2", "1b3g": "sdf"}
_GNINA = [
    f"{STRUCTS}/{pdb}/{pdb}_{part}"
    for pdb, ligand in LIGAND_FORMAT.items()
    for part in ("rec.pdb", f"ligand.{ligand}", "ligand_uff.sdf")
]
_EXTRA = [
    "shared:gnina-testdata/REC.pdb",
    "shared:gnina-testdata/LIG.mol",
    *(
        f"shared:gnina-extra/{name}"
        for name in (
            "10gs_rec.pdb",
            "10gs_lig.sdf",
            "184l_rec.pdb",
            "184l_lig.sdf",
            "3rod_rec.pdb",
            "3rod_lig.pdb",
        )
    ),
]
_POSEBUSTERS = [
    f"posebusters:datasets/pdb/{pdb}/{pdb}_{part}"
    for pdb in ("1ia1", "1of6", "1s3v", "1uou")
    for part in ("protein_one_lig_removed.pdb", "ligand.sdf", "ligands.sdf")
]
_PROLIF = [
    "prolif:data/vina/rec.pdb",
    "prolif:data/vina/lig.pdb",
    "prolif:data/vina/vina_output.sdf",
    "prolif:data/vina/vina_output.mol2",
    *(f"prolif:data/vina/vina_output_ligand_{k}.pdbqt" for k in range(1, 10)),
    "prolif:data/implicitHbond/receptor.pdb",
    "prolif:data/implicitHbond/receptor_hsd.pdb",
    "prolif:data/implicitHbond/receptor_ph7_amber.pdb",
    "prolif:data/implicitHbond/1.D.sdf",
    "prolif:data/implicitHbond/1.D_protonated.sdf",
    "prolif:data/top.pdb",
    "prolif:data/ligand.mol2",
]
DOCKSTRING_TARGETS = [
    "ABL1",
    "ACHE",
    "ADAM17",
    "ADORA2A",
    "ADRB1",
    "ADRB2",
    "AKT1",
    "AKT2",
    "AR",
    "BACE1",
    "CA2",
    "CASP3",
    "CDK2",
    "CSF1R",
    "CYP2C9",
    "CYP3A4",
    "DHFR",
    "DPP4",
    "DRD2",
    "DRD3",
    "EGFR",
    "ESR1",
    "ESR2",
    "F10",
    "F2",
    "FGFR1",
    "GBA",
    "HMGCR",
    "HSD11B1",
    "HSP90AA1",
    "IGF1R",
    "JAK2",
    "KDR",
    "KIT",
    "LCK",
    "MAOB",
    "MAP2K1",
    "MAPK14",
    "MAPK1",
    "MAPKAPK2",
    "MET",
    "MMP13",
    "NOS1",
    "NR3C1",
    "PARP1",
    "PDE5A",
    "PGR",
    "PLK1",
    "PPARA",
    "PPARD",
    "PPARG",
    "PTGS2",
    "PTK2",
    "PTPN1",
    "REN",
    "ROCK1",
    "SRC",
    "THRB",
]
_DOCKSTRING = [f"dockstring:resources/targets/{target}_target.pdbqt" for target in DOCKSTRING_TARGETS]

#: MDAnalysisTests' complexes and ligands (``19hc`` and ``4E43`` are left out: they have alternate
#: locations, which OpenBabel keeps all of and voxbind, by default, only the first of).
_MDANALYSIS = [
    f"MDAnalysisTests:data/{name}"
    for name in (
        "1a28.pdb.gz",
        "1hvr.pdb",
        "mol2/Ligand.mol2",
        "mol2/Molecule.mol2",
        "mol2/zinc_856218.mol2",
        "molecule.sdf",
        "pdbqt_inputpdbqt.pdbqt",
    )
]

#: mmCIF files, each measured against libmolgrid's types of the PDB file of the same entry: OpenBabel's
#: mmCIF reader connects the atoms but adds no hydrogens and perceives no aromaticity (about 21 % of the
#: heavy atoms of these entries are typed otherwise than from their PDB files), so voxbind reads an
#: mmCIF file as the PDB file it stands for.
SAME_ENTRY = {
    f"MDAnalysisTests:data/mmcif/{entry}.cif.gz": f"MDAnalysisTests:data/mmcif/{entry}.pdb.gz"
    for entry in ("1BD2", "3KPR", "3PWP")
}

FILES = [
    *_GNINA,
    *_EXTRA,
    *_POSEBUSTERS,
    *_PROLIF,
    *_DOCKSTRING,
    *_MDANALYSIS,
    *SAME_ENTRY.values(),
    *SAME_ENTRY,
]

#: Receptor–ligand pairs of the corpus, for the score comparison (``make_corpus_scores.py``): each
#: ligand file's first pose in its receptor.
COMPLEXES = [
    *(
        (f"{STRUCTS}/{pdb}/{pdb}_rec.pdb", f"{STRUCTS}/{pdb}/{pdb}_{ligand}")
        for pdb, ext in LIGAND_FORMAT.items()
        for ligand in (f"ligand.{ext}", "ligand_uff.sdf")
    ),
    ("shared:gnina-extra/10gs_rec.pdb", "shared:gnina-extra/10gs_lig.sdf"),
    ("shared:gnina-extra/184l_rec.pdb", "shared:gnina-extra/184l_lig.sdf"),
    ("shared:gnina-extra/3rod_rec.pdb", "shared:gnina-extra/3rod_lig.pdb"),
    *(
        (f"posebusters:datasets/pdb/{pdb}/{pdb}_protein_one_lig_removed.pdb",
         f"posebusters:datasets/pdb/{pdb}/{pdb}_ligand.sdf")
        for pdb in ("1ia1", "1of6", "1s3v", "1uou")
    ),
    *(
        ("prolif:data/vina/rec.pdb", f"prolif:data/vina/{ligand}")
        for ligand in ("lig.pdb", "vina_output.sdf", "vina_output.mol2", "vina_output_ligand_1.pdbqt")
    ),
    *(
        (f"prolif:data/implicitHbond/{receptor}", "prolif:data/implicitHbond/1.D.sdf")
        for receptor in ("receptor.pdb", "receptor_hsd.pdb", "receptor_ph7_amber.pdb")
    ),
]  # fmt: skip
