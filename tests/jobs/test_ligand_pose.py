"""A ligand pose from position, orientation and torsions: exact derivatives, bonds and angles kept."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from rdkit import Chem
from rdkit.Chem import AllChem, rdMolTransforms

from voxbind.errors import InvalidArgumentError
from voxbind.jobs.ligand_pose import LigandPose, rotation_matrix


def _embedded(smiles: str, hydrogens: bool = True) -> Chem.Mol:
    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    AllChem.EmbedMolecule(mol, randomSeed=7)
    return mol if hydrogens else Chem.RemoveHs(mol)


# An imatinib-like ligand: eight rotatable bonds, rings, an amide (its C–N does not turn).
FLEXIBLE = "Cc1ccc(NC(=O)c2ccc(CN3CCN(C)CC3)cc2)cc1Nc1nccc(-c2cccnc2)n1"


def _variables(pose: LigandPose, seed: int, scale: float = 1.0):
    g = torch.Generator().manual_seed(seed)
    t = torch.randn(3, generator=g, dtype=torch.float64) * scale
    w = torch.randn(3, generator=g, dtype=torch.float64) * scale
    q = torch.randn(pose.num_torsions, generator=g, dtype=torch.float64) * scale
    return t, w, q


@pytest.mark.parametrize(
    ("smiles", "count"),
    [
        ("CCCC", 1),
        ("CC", 0),
        ("c1ccccc1", 0),
        ("CC(=O)N(C)C", 0),
        ("CC(=O)NCC", 1),
        ("CC#CCC", 0),
        (FLEXIBLE, 7),
    ],
)
def test_rotatable_bonds_are_single_acyclic_between_inner_heavy_atoms(smiles, count):
    assert LigandPose(_embedded(smiles)).num_torsions == count
    assert LigandPose(_embedded(smiles, hydrogens=False)).num_torsions == count


def test_zero_variables_give_the_input_and_a_half_turn_flips_the_dihedral():
    mol = _embedded("CCCC", hydrogens=False)
    pose = LigandPose(mol)
    zero = torch.zeros(3, dtype=torch.float64)
    same = pose.coordinates(zero, zero, torch.zeros(1, dtype=torch.float64))
    assert torch.allclose(same, torch.as_tensor(pose.coords), atol=1e-12)
    turned = pose.coordinates(zero, zero, torch.tensor([math.pi], dtype=torch.float64)).numpy()
    before = rdMolTransforms.GetDihedralRad(mol.GetConformer(), 0, 1, 2, 3)
    conformer = Chem.Conformer(mol.GetConformer())
    for k, xyz in enumerate(turned):
        conformer.SetAtomPosition(k, xyz.tolist())
    after = rdMolTransforms.GetDihedralRad(conformer, 0, 1, 2, 3)
    assert math.remainder(after - before - math.pi, 2 * math.pi) == pytest.approx(0, abs=1e-9)


def test_bond_lengths_and_angles_stay_as_given():
    mol = _embedded(FLEXIBLE)
    pose = LigandPose(mol)
    x = pose.coordinates(*_variables(pose, seed=3, scale=2.0)).numpy()
    x0 = pose.coords
    for bond in mol.GetBonds():
        i, j = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        assert np.linalg.norm(x[i] - x[j]) == pytest.approx(np.linalg.norm(x0[i] - x0[j]), abs=1e-9)
    for atom in mol.GetAtoms():
        around = [n.GetIdx() for n in atom.GetNeighbors()]
        c = atom.GetIdx()
        for a in around:
            for b in around:
                if a < b:
                    assert _angle(x, a, c, b) == pytest.approx(_angle(x0, a, c, b), abs=1e-9)
    assert np.abs(x - x0).max() > 1.0  # the pose did move


def _angle(x, a, c, b) -> float:
    u, v = x[a] - x[c], x[b] - x[c]
    return math.acos(np.clip(u @ v / np.linalg.norm(u) / np.linalg.norm(v), -1, 1))


def test_derivatives_match_finite_differences():
    pose = LigandPose(_embedded(FLEXIBLE))
    variables = [v.requires_grad_() for v in _variables(pose, seed=1, scale=0.5)]
    assert torch.autograd.gradcheck(pose.coordinates, variables)
    zero = [torch.zeros_like(v).requires_grad_() for v in variables]  # smooth at the input pose too
    assert torch.autograd.gradcheck(pose.coordinates, zero)
    # the torsions' gradient comes as torques; a differentiable backward goes through autograd
    assert torch.autograd.gradgradcheck(pose.coordinates, variables)


def test_compiled_and_pytorch_kinematics_agree():
    """float64 CPU tensors take the compiled path; float32 ones the PyTorch one."""
    pose = LigandPose(_embedded(FLEXIBLE))
    variables = [v.requires_grad_() for v in _variables(pose, seed=4, scale=0.7)]
    upstream = torch.randn(
        len(pose.coords), 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64
    )
    compiled = pose.coordinates(*variables)
    grads = torch.autograd.grad(compiled, variables, upstream)
    single = [v.detach().float().requires_grad_() for v in variables]
    plain = pose.coordinates(*single)
    plain_grads = torch.autograd.grad(plain, single, upstream.float())
    torch.testing.assert_close(compiled.float(), plain, atol=1e-4, rtol=1e-5)
    for got, want in zip(grads, plain_grads, strict=True):
        torch.testing.assert_close(got.float(), want, atol=1e-3, rtol=1e-4)


def test_rotation_vectors_give_rotations():
    w = torch.tensor([0.3, -1.2, 0.4], dtype=torch.float64)
    r = rotation_matrix(w)
    assert torch.allclose(r @ r.T, torch.eye(3, dtype=torch.float64), atol=1e-12)
    assert torch.linalg.det(r).item() == pytest.approx(1.0)
    assert torch.allclose(r @ w, w)  # the axis stays
    assert math.acos((torch.trace(r).item() - 1) / 2) == pytest.approx(torch.linalg.vector_norm(w).item())


def test_bad_input_is_refused():
    with pytest.raises(InvalidArgumentError, match="conformer"):
        LigandPose(Chem.MolFromSmiles("CCO"))
    pose = LigandPose(_embedded("CCCC"))
    zero = torch.zeros(3, dtype=torch.float64)
    with pytest.raises(InvalidArgumentError, match="expected 1 torsions"):
        pose.coordinates(zero, zero, torch.zeros(2, dtype=torch.float64))
