"""Host side of the numba backend: tensors in, kernels called on zero-copy NumPy views, tensors out."""

from __future__ import annotations

import os

import numba
import numpy as np
import torch

from ..._threads import start_numba_threads
from .._spec import GridGeometry
from . import _numba_coords as coords_kernels
from . import _numba_kernels as kernels
from . import _numba_pooled as pooled_kernels

_THREADED_PID: list[int] = []


def _single_threaded() -> bool:
    """Whether this process must not start numba's threads: a ``DataLoader`` worker, or a process forked
    after its parent ran threaded kernels (the OpenMP runtime does not survive a fork)."""
    pid = os.getpid()
    if not _THREADED_PID:
        _THREADED_PID.append(pid)
    return pid != _THREADED_PID[0] or torch.utils.data.get_worker_info() is not None


def _kernel(name: str, module=kernels):
    """The threaded kernel, or its single-threaded twin where :func:`_single_threaded`."""
    if _single_threaded():
        return getattr(module, name + "_single_threaded")
    start_numba_threads()  # keeping PyTorch's thread count
    return getattr(module, name)


def _threads() -> int:
    """The threads a kernel call runs on. Where :func:`_single_threaded`, 1 without asking numba: asking
    starts its thread pool, whose OpenMP start sets the process's OpenMP thread count, which PyTorch
    shares: a ``DataLoader`` worker would then run PyTorch's operations on several threads, and one forked
    after its parent ran PyTorch's threads hangs in the OpenMP runtime."""
    if _single_threaded():
        return 1
    start_numba_threads()
    return numba.get_num_threads()


def _array(t: torch.Tensor) -> np.ndarray:
    return t.detach().contiguous().numpy()


def _chunk(batch: int, n: int) -> int:
    """x-slabs per scatter task: about four tasks per thread, whole examples when the batch allows."""
    tasks_per_example = -(-4 * _threads() // max(batch, 1))
    return max(1, -(-n // tasks_per_example))


def _geometry_args(geom: GridGeometry):
    profile = geom.profile
    return geom.lower, geom.resolution, profile.kernel_constants(), profile.cutoff


class NumbaKernels:
    """Forward, backward and double-backward kernels on CPU tensors."""

    name = "numba"
    rounds_on_store = False  # out= in another dtype is filled through a temporary

    def forward(self, rel, base, weights, radii, per_type, num_types, geom, set_binary, out=None):
        B, _N, _ = rel.shape
        if out is None:
            out = torch.empty((B, num_types) + (geom.n,) * 3, dtype=rel.dtype)
        w = _array(weights)
        lower, res, consts, cutoff = _geometry_args(geom)
        _kernel("scatter")(
            _array(rel), _array(base), w, _array(radii), per_type, lower, res, consts, cutoff,
            geom.profile.binary, set_binary,
            np.zeros((1, 1, 3), w.dtype), np.zeros_like(w), np.zeros((1, 1), w.dtype), 0,
            _chunk(B, geom.n), out.numpy(),
        )  # fmt: skip
        return out

    def forward_pooled(self, rel, base, weights, radii, num_types, geom, pool, out=None):
        """The grid average-pooled over ``pool³`` blocks, ``(B, T, n // pool, ...)``, made directly
        (per-atom radii, Gaussian profiles; no gradient)."""
        B = rel.shape[0]
        m = geom.n // pool
        if out is None:
            out = torch.empty((B, num_types, m, m, m), dtype=rel.dtype)
        lower, res, consts, cutoff = _geometry_args(geom)
        _kernel("scatter_pooled", pooled_kernels)(
            _array(rel), _array(base), _array(weights), _array(radii), lower, res, consts, cutoff, pool,
            _chunk(B, m), out.numpy(),
        )  # fmt: skip
        return out

    def backward(self, rel, base, weights, radii, per_type, geom, grad, need_weights):
        """``(∂L/∂rel (B, N, 3), ∂L/∂weights (B, N, K), ∂L/∂radii per group (B, N, G))``."""
        B, N, K = weights.shape
        groups = K if per_type else 1
        out_coords = torch.zeros((B, N, 3), dtype=rel.dtype)
        out_weights = torch.zeros((B, N, K), dtype=rel.dtype)
        out_radii = torch.zeros((B, N, groups), dtype=rel.dtype)
        if not need_weights:  # the row-wise kernel for coordinates and radii
            self._gather_coords(rel, base, weights, radii, per_type, geom, grad, 1, out_coords, out_radii)
            return out_coords, out_weights, out_radii
        w = _array(weights)
        lower, res, consts, cutoff = _geometry_args(geom)
        _kernel("gather")(
            _array(rel), _array(base), w, _array(radii), per_type, lower, res, consts, cutoff,
            _array(grad), need_weights,
            np.zeros((1, 1, 3), w.dtype), np.zeros_like(w), np.zeros((1, 1), w.dtype), 1,
            out_coords.numpy(), out_weights.numpy(), out_radii.numpy(),
        )  # fmt: skip
        return out_coords, out_weights, out_radii

    def backward_pooled(self, rel, base, weights, radii, geom, grad, pool):
        """``(∂L/∂rel (B, N, 3), ∂L/∂radii (B, N, 1))`` from the gradient ``grad (B, T, m, m, m)`` of the
        grid average-pooled over ``pool³`` blocks (per-atom radii)."""
        B, N, _ = weights.shape
        out_coords = torch.zeros((B, N, 3), dtype=rel.dtype)
        out_radii = torch.zeros((B, N, 1), dtype=rel.dtype)
        self._gather_coords(rel, base, weights, radii, False, geom, grad, pool, out_coords, out_radii)
        return out_coords, out_radii

    @staticmethod
    def _gather_coords(rel, base, weights, radii, per_type, geom, grad, pool, out_coords, out_radii):
        B, N, _ = weights.shape
        lower, res, consts, cutoff = _geometry_args(geom)
        atoms_per_task = max(1, -(-B * N // (16 * _threads())))
        _kernel("gather_coords", coords_kernels)(
            _array(rel), _array(base), _array(weights), _array(radii), per_type, lower, res, consts,
            cutoff, _array(grad), pool, atoms_per_task, out_coords.numpy(), out_radii.numpy(),
        )  # fmt: skip

    def double_backward(
        self, rel, base, weights, radii, per_type, geom, grad, grad_coords, grad_weights,
        grad_radii, need_atoms, need_weights, need_grid,
    ):  # fmt: skip
        """Gradients of ``L2 = a·gc + b·gw + e·gr`` (``a, b, e`` = ``grad_coords, grad_weights,
        grad_radii``) with respect to ``rel``, ``weights``, radii per group and the grid gradient."""
        B, N, K = weights.shape
        groups = K if per_type else 1
        args = (_array(rel), _array(base), _array(weights), _array(radii), per_type)
        lower, res, consts, cutoff = _geometry_args(geom)
        a, bw, e = _array(grad_coords), _array(grad_weights), _array(grad_radii)
        out_grid = out_coords = out_weights = out_radii = None
        if need_grid:
            out_grid = torch.empty_like(grad)
            _kernel("scatter")(
                *args,
                lower,
                res,
                consts,
                cutoff,
                False,
                False,
                a,
                bw,
                e,
                1,
                _chunk(B, geom.n),
                out_grid.numpy(),
            )
        if need_atoms or need_weights:
            out_coords = torch.zeros((B, N, 3), dtype=rel.dtype)
            out_weights = torch.zeros((B, N, K), dtype=rel.dtype)
            out_radii = torch.zeros((B, N, groups), dtype=rel.dtype)
            _kernel("gather")(
                *args, lower, res, consts, cutoff, _array(grad), need_weights, a, bw, e, 2,
                out_coords.numpy(), out_weights.numpy(), out_radii.numpy(),
            )  # fmt: skip
        return out_coords, out_weights, out_radii, out_grid
