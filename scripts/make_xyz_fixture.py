"""Regenerate ``tests/fixtures/xyz_typing.npz``: libmolgrid's GNINA types of small molecules read from
XYZ files, with and without their hydrogens (OpenBabel perceives every bond order of an XYZ file).

Runs from voxbind's environment (RDKit embeds the molecules) and calls the oracle environment for the
typing (``molgrid`` 0.5.5; voxbind never imports it):

    .venv/bin/python scripts/make_xyz_fixture.py ORACLE_PYTHON tests/fixtures/xyz_typing.npz
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from rdkit import Chem
from rdkit.Chem import AllChem

SMILES = [
    "Nc1ncnc2[nH]cnc12",  # adenine
    "Cn1cnc2ccccc21",  # 1-methylbenzimidazole
    "c1ccc2[nH]ccc2c1",  # indole
    "Cn1cncc1",  # 1-methylimidazole
    "c1ccncc1",  # pyridine
    "c1ccsc1",  # thiophene
    "c1ccccc1-c1ccccc1",  # biphenyl
    "O=C(N)c1ccccc1",  # benzamide
    "CCN(C)C(=O)c1ccc(O)cc1",  # tertiary amide, phenol
    "CC(=O)Nc1ccc(O)cc1",  # paracetamol
    "O=C1CCCCN1",  # lactam
    "CC(=O)O",  # acetic acid
    "C[N+](=O)[O-]",  # nitromethane
    "NC(=N)N",  # guanidine
    "CS(=O)(=O)N",  # sulfonamide
]

ORACLE = r"""
import json, os, sys, tempfile, molgrid, numpy as np
molgrid.set_gpu_enabled(False)
out = {}
for path in json.loads(sys.argv[1]):
    with tempfile.NamedTemporaryFile("w", suffix=".types", delete=False) as handle:
        handle.write(path + "\n")
    provider = molgrid.ExampleProvider(molgrid.GninaIndexTyper(), data_root="/",
                                       iteration_scheme=molgrid.IterationScheme.SmallEpoch)
    provider.populate(handle.name)
    os.unlink(handle.name)
    (atoms,) = provider.next().coord_sets
    types = atoms.type_index.tonumpy().astype(int)
    heavy = types > 1
    out[path] = [atoms.coords.tonumpy()[heavy].tolist(), types[heavy].tolist()]
print(json.dumps(out))
"""


def xyz(mol: Chem.Mol, title: str) -> str:
    conformer = mol.GetConformer()
    lines = [str(mol.GetNumAtoms()), title]
    for atom in mol.GetAtoms():
        p = conformer.GetAtomPosition(atom.GetIdx())
        lines.append(f"{atom.GetSymbol()} {p.x:.4f} {p.y:.4f} {p.z:.4f}")
    return "\n".join(lines) + "\n"


def main(oracle_python: str, out: str) -> None:
    arrays = {}
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for k, smiles in enumerate(SMILES):
            mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
            AllChem.EmbedMolecule(mol, randomSeed=1)
            AllChem.MMFFOptimizeMolecule(mol)
            for variant, m in (("h", mol), ("noh", Chem.RemoveHs(mol))):
                path = os.path.join(folder, f"{k}_{variant}.xyz")
                with open(path, "w") as handle:
                    handle.write(xyz(m, smiles))
                paths.append(path)
                arrays[f"{k}_{variant}/xyz"] = np.array(xyz(m, smiles))
        typed = json.loads(
            subprocess.check_output([oracle_python, "-c", ORACLE, json.dumps(paths)], text=True)
        )
        for path in paths:
            name = os.path.basename(path)[: -len(".xyz")]
            coords, types = typed[path]
            arrays[f"{name}/coords"] = np.array(coords, dtype=np.float32)
            arrays[f"{name}/types"] = np.array(types, dtype=np.int8)
    arrays["smiles"] = np.array(SMILES)
    np.savez_compressed(out, **arrays)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
