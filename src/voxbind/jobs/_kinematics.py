"""numba versions of :func:`~voxbind.jobs.ligand_pose.turned` and of its torque backward, for float64 CPU
arrays: a ligand has tens of atoms and a few torsions, too little work for one PyTorch call per operation.

The rotatable bonds come as arrays: ``fixed (T,)`` and ``moving (T,)`` atom indices, and the atoms each
bond turns as ``side_atoms[side_start[k]:side_start[k + 1]]``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np


@nb.njit(cache=True)
def turn_all(start, angles, fixed, moving, side_start, side_atoms):
    """``start (N, 3)`` with bond ``k`` turned by ``angles[k]`` (rad), bonds in order (Rodrigues' formula)."""
    x = start.copy()
    for k in range(len(fixed)):
        a = x[fixed[k]].copy()
        u = x[moving[k]] - a
        u /= math.sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2])
        c = math.cos(angles[k])
        s = math.sin(angles[k])
        for j in range(side_start[k], side_start[k + 1]):
            i = side_atoms[j]
            p0 = x[i, 0] - a[0]
            p1 = x[i, 1] - a[1]
            p2 = x[i, 2] - a[2]
            along = (p0 * u[0] + p1 * u[1] + p2 * u[2]) * (1.0 - c)
            x[i, 0] = a[0] + p0 * c + (u[1] * p2 - u[2] * p1) * s + along * u[0]
            x[i, 1] = a[1] + p1 * c + (u[2] * p0 - u[0] * p2) * s + along * u[1]
            x[i, 2] = a[2] + p2 * c + (u[0] * p1 - u[1] * p0) * s + along * u[2]
    return x


@nb.njit(cache=True)
def torques(x, grad, fixed, moving, side_start, side_atoms):
    """``∂L/∂θ_k = u_k · Σ_side (x_i − x_fixed) × ∂L/∂x_i`` in the turned conformer ``x (N, 3)``."""
    out = np.empty(len(fixed))
    for k in range(len(fixed)):
        a = x[fixed[k]]
        u = x[moving[k]] - a
        u /= math.sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2])
        t0 = 0.0
        t1 = 0.0
        t2 = 0.0
        for j in range(side_start[k], side_start[k + 1]):
            i = side_atoms[j]
            p0 = x[i, 0] - a[0]
            p1 = x[i, 1] - a[1]
            p2 = x[i, 2] - a[2]
            g = grad[i]
            t0 += p1 * g[2] - p2 * g[1]
            t1 += p2 * g[0] - p0 * g[2]
            t2 += p0 * g[1] - p1 * g[0]
        out[k] = u[0] * t0 + u[1] * t1 + u[2] * t2
    return out
