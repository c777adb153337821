"""The intramolecular term of refinement: a repulsion between atoms more than three bonds apart that keeps
torsions from folding the ligand onto itself."""

from __future__ import annotations

import numpy as np
import torch
from rdkit import Chem

#: Closer than this fraction of the sum of two atoms' van der Waals radii is a clash (for atoms more than
#: three bonds apart, unless the input pose already has them closer).
CLASH_FRACTION = 0.75


def clash_pairs(mol: Chem.Mol, keep: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """``(pairs (P, 2), floor (P,))``: the heavy atoms (indices among ``keep``'s) more than three bonds
    apart, and the distance (Å) below which they clash: ``CLASH_FRACTION`` of the sum of their van der
    Waals radii, or their distance in the input pose if that is already shorter."""
    heavy = np.flatnonzero(keep)
    hops = Chem.GetDistanceMatrix(mol)[np.ix_(heavy, heavy)]
    first, second = np.nonzero(np.triu(hops > 3, k=1))
    table = Chem.GetPeriodicTable()
    vdw = np.array([table.GetRvdw(mol.GetAtomWithIdx(int(i)).GetAtomicNum()) for i in heavy])
    coords = np.asarray(mol.GetConformer().GetPositions())[heavy]
    given = np.linalg.norm(coords[first] - coords[second], axis=1)
    floor = np.minimum(CLASH_FRACTION * (vdw[first] + vdw[second]), given)
    return torch.as_tensor(np.stack([first, second], 1)), torch.as_tensor(floor)


def clash_penalty(coords: torch.Tensor, pairs: torch.Tensor, floor: torch.Tensor) -> torch.Tensor:
    """``Σ max(0, floor − d)²`` (Å²) over ``pairs`` of ``coords (N, 3)``: zero at the input pose, growing as
    a torsion folds two distant parts of the ligand into each other."""
    if pairs.numel() == 0:
        return coords.new_zeros((), dtype=torch.float64)
    d = torch.linalg.vector_norm(coords[pairs[:, 0]] - coords[pairs[:, 1]], dim=1).double()
    return torch.clamp(floor.to(d) - d, min=0).square().sum()
