"""Ring membership from bonds (``_cycles.atoms_in_rings``) against RDKit's ring perception."""

from __future__ import annotations

import numpy as np
import pytest
from rdkit import Chem

from voxbind.atomtypes._cycles import atoms_in_rings


def _rdkit_rings(n: int, pairs: list[tuple[int, int]]) -> np.ndarray:
    mol = Chem.RWMol()
    for _ in range(n):
        mol.AddAtom(Chem.Atom(6))
    for a, b in pairs:
        mol.AddBond(a, b, Chem.BondType.SINGLE)
    mol = mol.GetMol()
    mol.UpdatePropertyCache(strict=False)
    Chem.FastFindRings(mol)
    return np.array([mol.GetRingInfo().NumAtomRings(a) > 0 for a in range(n)], dtype=bool)


@pytest.mark.parametrize(
    "smiles",
    ["CCCC", "C1CCCCC1CC", "c1ccccc1-c1ccccc1CCC1CC1", "C1CC2CCC1CC2.CCO.C1CC1", "C12C3C4C1C5C2C3C45"],
)
def test_molecules(smiles):
    mol = Chem.MolFromSmiles(smiles)
    pairs = np.array([(b.GetBeginAtomIdx(), b.GetEndAtomIdx()) for b in mol.GetBonds()]).reshape(-1, 2)
    expected = [atom.IsInRing() for atom in mol.GetAtoms()]
    np.testing.assert_array_equal(atoms_in_rings(mol.GetNumAtoms(), pairs[:, 0], pairs[:, 1]), expected)


def test_random_graphs():
    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(1, 16))
        drawn = rng.integers(0, n, size=(int(rng.integers(0, 24)), 2))
        pairs = sorted({(int(min(a, b)), int(max(a, b))) for a, b in drawn if a != b})
        first = np.array([p[0] for p in pairs], dtype=np.int64)
        second = np.array([p[1] for p in pairs], dtype=np.int64)
        np.testing.assert_array_equal(atoms_in_rings(n, first, second), _rdkit_rings(n, pairs), str(pairs))


def test_a_long_chain_closed_far_away():
    """A 10,000-atom chain with one bond from atom 0 to atom 5,000: atoms 0-5,000 lie on the ring."""
    n = 10_000
    first = np.append(np.arange(n - 1), 0)
    second = np.append(np.arange(1, n), 5_000)
    expected = np.arange(n) <= 5_000
    np.testing.assert_array_equal(atoms_in_rings(n, first, second), expected)


def test_metal_contacts_close_rings_as_openbabel_bonds_them():
    """A zinc 2.1 Å from the two ends of a chain N-C-C-N (bonded to neither in the given bonds) closes
    a ring through it; a carbon at that distance does not."""
    from voxbind.atomtypes._cycles import rings_with_metal_contacts

    coords = np.array(
        [[0.0, 0.0, 0.0], [1.45, 0.0, 0.0], [2.0, 1.35, 0.0], [1.0, 2.3, 0.0], [0.1, 2.05, 0.0]]
    )
    first, second = np.array([0, 1, 2]), np.array([1, 2, 3])  # atom 4 is not bonded
    zinc = rings_with_metal_contacts(coords, np.array([7, 6, 6, 7, 30]), first, second)
    np.testing.assert_array_equal(zinc, [True] * 5)
    carbon = rings_with_metal_contacts(coords, np.array([7, 6, 6, 7, 6]), first, second)
    assert not carbon.any()
