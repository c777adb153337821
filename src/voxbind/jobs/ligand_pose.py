"""A ligand's pose as a differentiable function of its degrees of freedom: position, orientation and the
torsions of its rotatable bonds, with bond lengths and angles kept as given.

``coords = R(ω) · (X(θ) − c) + c + t``, where ``X(θ)`` turns each rotatable bond by its torsion ``θ_k`` (the
side away from the root atom moves), ``c`` is the centroid of the input's heavy atoms, ``R(ω)`` the rotation
by the rotation vector ``ω`` (axis × angle, rad) and ``t`` a translation (Å). Every step is a PyTorch
operation, so gradients of anything computed from the coordinates reach ``t``, ``ω`` and ``θ`` by autograd.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from rdkit import Chem

from ..errors import InvalidArgumentError
from ._kinematics import torques, turn_all

#: Bonds that turn: single, not in a ring, not next to a triple bond, between two atoms each bonded to at
#: least one other heavy atom; an amide's C–N does not turn (AutoDock Vina's rule: its partial double bond
#: keeps it planar).
ROTATABLE = Chem.MolFromSmarts("[!$(*#*)]-&!@[!$(*#*)]")
AMIDE = Chem.MolFromSmarts("[NX3]-&!@[CX3]=[O,S]")


@dataclass(frozen=True, eq=False)
class Torsion:
    """One rotatable bond: the axis runs from atom ``fixed`` to atom ``moving``; ``side`` holds the atoms
    that turn with it (``moving``'s side, away from the root)."""

    fixed: int
    moving: int
    side: np.ndarray


class LigandPose:
    """The degrees of freedom of one ligand conformer.

    Args:
        mol: the ligand (RDKit molecule with a conformer; hydrogens, if present, move with their atoms).

    Attributes:
        coords: ``(N, 3)`` float64 input coordinates (Å).
        torsions: the rotatable bonds, ordered so that each one's side is turned before any bond nearer
            the root (the order in which :meth:`coordinates` applies them).
        center: ``(3,)`` centroid of the heavy atoms (Å), the centre of rotation.
        root: the heavy atom nearest the centre, which no torsion moves.
    """

    def __init__(self, mol: Chem.Mol):
        if mol.GetNumConformers() == 0:
            raise InvalidArgumentError("a ligand pose needs 3D coordinates (a conformer)")
        self.coords = np.asarray(mol.GetConformer().GetPositions(), dtype=np.float64).reshape(-1, 3)
        heavy = np.array([a.GetAtomicNum() > 1 for a in mol.GetAtoms()])
        if not heavy.any():
            raise InvalidArgumentError("a ligand pose needs at least one heavy atom")
        self.center = self.coords[heavy].mean(0)
        self.root = int(np.flatnonzero(heavy)[np.argmin(((self.coords[heavy] - self.center) ** 2).sum(1))])
        self.torsions = _torsions(mol, self.root)
        self._bonds = _bond_arrays(self.torsions)

    @property
    def num_torsions(self) -> int:
        return len(self.torsions)

    def coordinates(
        self, translation: torch.Tensor, rotation: torch.Tensor, torsions: torch.Tensor
    ) -> torch.Tensor:
        """``(N, 3)`` coordinates (Å) for a translation ``(3,)`` (Å), a rotation vector ``(3,)`` (rad) and
        torsion changes ``(T,)`` (rad) from the input conformer, in the variables' dtype and device."""
        x = self.conformer(torsions.to(translation))
        center = torch.as_tensor(self.center, dtype=x.dtype, device=x.device)
        return placed(x[None], center[None], translation[None], rotation[None])[0]

    def conformer(self, torsions: torch.Tensor) -> torch.Tensor:
        """``(N, 3)`` input coordinates (Å) with the torsions changed by ``torsions (T,)`` (rad), before
        the rigid motion; in the torsions' dtype and device."""
        if tuple(torsions.shape) != (self.num_torsions,):
            shape = tuple(torsions.shape)
            raise InvalidArgumentError(f"expected {self.num_torsions} torsions, got shape {shape}")
        start = torch.as_tensor(self.coords, dtype=torsions.dtype, device=torsions.device)
        return _Turned.apply(torsions, start, self.torsions, self._bonds) if self.torsions else start


def placed(x: torch.Tensor, center: torch.Tensor, translation: torch.Tensor, rotation: torch.Tensor):
    """``R(ω) (x − c) + c + t`` for a batch: ``x (A, N, 3)``, centres ``c``, translations ``t`` and rotation
    vectors ``ω`` ``(A, 3)`` (Å, Å, rad)."""
    return (x - center[:, None]) @ rotation_matrix(rotation).transpose(1, 2) + (center + translation)[:, None]


def turned(start: torch.Tensor, angles: torch.Tensor, torsions: list[Torsion]) -> torch.Tensor:
    """``start (N, 3)`` with each rotatable bond turned by its angle, in :attr:`LigandPose.torsions`' order
    (every step a PyTorch operation)."""
    x = start
    for k, torsion in enumerate(torsions):
        side = torch.as_tensor(torsion.side, device=x.device)
        moved = _turn(x[side], x[torsion.fixed], x[torsion.moving], angles[k])
        x = x.index_copy(0, side, moved)
    return x


class _Turned(torch.autograd.Function):
    """:func:`turned`, with the gradient of the angles as torques: turning bond ``k`` moves each atom of its
    side by ``u_k × (x_i − x_fixed)`` in the turned conformer (the bonds nearer the root move the axis
    with the side), so ``∂L/∂θ_k = u_k · Σ_side (x_i − x_fixed) × ∂L/∂x_i``: one pass over the bonds
    instead of autograd through every turn. On float64 CPU tensors both passes run compiled
    (:mod:`._kinematics`). A backward that must itself be differentiable (``create_graph``) goes through
    :func:`turned` by autograd."""

    @staticmethod
    def forward(ctx, angles, start, torsions, bonds):
        on_host = angles.device.type == "cpu" and angles.dtype == start.dtype == torch.float64
        if on_host:
            x = torch.from_numpy(turn_all(start.numpy(), angles.detach().numpy(), *bonds))
        else:
            with torch.no_grad():
                x = turned(start, angles, torsions)
        ctx.save_for_backward(angles, start, x)
        ctx.torsions, ctx.bonds, ctx.on_host = torsions, bonds, on_host
        return x

    @staticmethod
    def backward(ctx, grad):
        angles, start, x = ctx.saved_tensors
        if torch.is_grad_enabled():  # a differentiable backward is asked for
            with torch.enable_grad():
                exact = turned(start, angles, ctx.torsions)
                (out,) = torch.autograd.grad(exact, angles, grad, create_graph=True)
            return out, None, None, None
        if ctx.on_host:
            return (
                torch.from_numpy(torques(x.numpy(), grad.contiguous().numpy(), *ctx.bonds)),
                None,
                None,
                None,
            )
        out = torch.empty_like(angles)
        for k, torsion in enumerate(ctx.torsions):
            side = torch.as_tensor(torsion.side, device=x.device)
            axis = x[torsion.moving] - x[torsion.fixed]
            torque = torch.linalg.cross(x[side] - x[torsion.fixed], grad[side]).sum(0)
            out[k] = axis @ torque / torch.linalg.vector_norm(axis)
        return out, None, None, None


def _bond_arrays(torsions: list[Torsion]) -> tuple[np.ndarray, ...]:
    """``(fixed, moving, side_start, side_atoms)`` for :mod:`._kinematics`."""
    sizes = [len(t.side) for t in torsions]
    return (
        np.array([t.fixed for t in torsions], dtype=np.int64),
        np.array([t.moving for t in torsions], dtype=np.int64),
        np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        np.concatenate([t.side for t in torsions]).astype(np.int64) if torsions else np.zeros(0, np.int64),
    )


def rotation_matrix(vector: torch.Tensor) -> torch.Tensor:
    """``(..., 3, 3)`` rotations by the rotation vectors ``vector (..., 3)`` (axis × angle in rad); smooth
    at 0."""
    zero = torch.zeros_like(vector[..., 0])
    x, y, z = vector.unbind(-1)
    skew = torch.stack([zero, -z, y, z, zero, -x, -y, x, zero], dim=-1).unflatten(-1, (3, 3))
    return torch.linalg.matrix_exp(skew)


def _turn(points: torch.Tensor, a: torch.Tensor, b: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """``points`` turned by ``angle`` (rad) about the axis from ``a`` to ``b`` (Rodrigues' formula)."""
    axis = (b - a) / torch.linalg.vector_norm(b - a)
    p = points - a
    cos, sin = torch.cos(angle), torch.sin(angle)
    along = (p @ axis)[:, None] * axis
    return a + p * cos + torch.linalg.cross(axis.expand_as(p), p) * sin + along * (1 - cos)


def _torsions(mol: Chem.Mol, root: int) -> list[Torsion]:
    """The rotatable bonds of ``mol``, each with the atoms on its side away from ``root``, deepest first."""
    heavy_degree = [sum(n.GetAtomicNum() > 1 for n in a.GetNeighbors()) for a in mol.GetAtoms()]
    neighbours = [[n.GetIdx() for n in a.GetNeighbors()] for a in mol.GetAtoms()]
    amides = {frozenset(match[:2]) for match in mol.GetSubstructMatches(AMIDE)}
    found = []
    for i, j in mol.GetSubstructMatches(ROTATABLE):
        if heavy_degree[i] < 2 or heavy_degree[j] < 2 or frozenset((i, j)) in amides:
            continue
        side_j = _reach(neighbours, j, i)
        if root in side_j:  # the root stays: the other side turns
            i, j, side_j = j, i, _reach(neighbours, i, j)
        found.append((len(side_j), Torsion(i, j, np.array(sorted(side_j), dtype=np.int64))))
    found.sort(key=lambda item: item[0])  # a bond's side contains the sides of the bonds beyond it
    return [torsion for _, torsion in found]


def _reach(neighbours: list[list[int]], start: int, blocked: int) -> set[int]:
    """The atoms reachable from ``start`` without crossing the bond to ``blocked``."""
    seen, stack = {start}, [start]
    while stack:
        atom = stack.pop()
        for other in neighbours[atom]:
            if other not in seen and not (atom == start and other == blocked):
                seen.add(other)
                stack.append(other)
    return seen
