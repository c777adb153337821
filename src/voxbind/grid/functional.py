"""``coords_to_grid``: the validated functional entry point of gridding."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from ..errors import GridInputError
from ._autograd import KernelCall, kernel_pooled_grid, refuse_gradient
from ._backends import get_backend
from ._inputs import normalise

if TYPE_CHECKING:
    from .gridmaker import GridMaker

__all__ = ["check_atoms", "coords_to_grid"]


def coords_to_grid(
    gmaker: GridMaker,
    center,
    coords,
    types,
    radii,
    num_types: int | None = None,
    *,
    radii_per_type: bool | None = None,
    out: torch.Tensor | None = None,
    check_values: bool = True,
    pool: int = 1,
) -> torch.Tensor:
    """Grid atoms into per-type density channels with the settings of ``gmaker``.

    Args:
        gmaker: the :class:`~voxbind.GridMaker` whose resolution, size, profile and backend are used.
        center: grid center in Å, ``(3,)``; batched input also takes ``(B, 3)``, one center per example.
        coords: atom coordinates in Å, float32 or float64, ``(N, 3)`` or batched ``(B, N, 3)``.
        types: either integer type indices ``(N,)`` / ``(B, N)`` (negative = ignored atom, e.g. padding;
            ``num_types`` required), or float type weights ``(N, T)`` / ``(B, N, T)`` (an all-zero row
            is an ignored atom). Weights are differentiable.
        radii: atomic radii in Å (scaled by ``gmaker.radius_scale``), per atom ``(N,)`` / ``(B, N)`` or
            per type ``(T,)``. Differentiable.
        num_types: number of channels ``T``; required with index types.
        radii_per_type: whether ``radii`` are per type; inferred from the shape unless both readings fit
            (an unbatched call with as many atoms as types), in which case it is required.
        out: a tensor of the result's shape and device to write into (reusing one buffer across
            batches avoids the cost of fresh memory); only when no gradient is recorded. Its dtype is
            that of ``coords``, or float16 / bfloat16: densities are then summed in the coordinates'
            precision and rounded when stored, as PyTorch converts them (float64 through float32):
            half the memory, and the dtype a model under autocast takes.
        check_values: check that coordinates, radii and the center are finite, radii non-negative and
            type indices in range. On a GPU the answer costs one host synchronisation per call, which
            stalls the queue; ``False`` skips the checks there, for input already checked on the host
            (batches from :class:`~voxbind.data.GridCollate` are). Unchecked bad values then give wrong
            densities but never touch memory outside the output: an atom with an out-of-range type or a
            non-finite coordinate or radius contributes nothing. On the CPU the checks always run.
        pool: average the grid over ``pool³`` blocks of points, as ``torch.nn.AvgPool3d(pool)`` would
            (``n // pool`` points per side): the input of a model that begins with that pooling (GNINA's
            Default2018, ``pool=2``). The numba backend makes it directly, without the full grid, when no
            gradient is recorded (radii per atom, Gaussian profiles); otherwise the full grid is pooled.

    Returns:
        ``(T, n, n, n)`` or ``(B, T, n, n, n)`` densities in the dtype of ``coords``, laid out as
        (channel, x, y, z) (``n // pool`` per side with ``pool``). Differentiable twice with respect to
        coords, type weights, radii and center unless the grid is binary.

    Raises:
        GridInputError: malformed shapes, dtypes, non-finite values, type indices out of range,
            negative radii, or ambiguous radii; an ``out`` of the wrong shape, dtype or device, or
            ``out`` while gradients are recorded.
        BackendUnavailableError: ``gmaker.backend`` names a backend that cannot run here.
    """
    atoms, batched = normalise(
        center, coords, types, radii, num_types, radii_per_type, gmaker.radius_scale, check_values
    )
    backend = get_backend(gmaker.backend, atoms.rel.device)
    geom = gmaker.geometry
    if pool != 1:
        grid = _pooled(backend, atoms, geom, pool, out, batched)
        return grid if batched or out is not None else grid.squeeze(0)
    if out is not None:
        _check_out(out, atoms, geom, batched)
        with torch.no_grad():
            backend.grid(
                atoms,
                geom,
                set_binary=atoms.index_types and geom.profile.binary,
                out=out.view(-1, *out.shape[-4:]),
            )
        return out
    if geom.profile.binary:
        with torch.no_grad():
            grid = backend.grid(atoms, geom, set_binary=atoms.index_types)
        grid = refuse_gradient(grid, atoms.rel, atoms.weights, atoms.radii)
    else:
        grid = backend.grid(atoms, geom)
    return grid if batched else grid.squeeze(0)


def _pooled(backend, atoms, geom, pool: int, out, batched: bool) -> torch.Tensor:
    """The grid of ``atoms`` average-pooled over ``pool³`` blocks (see :func:`coords_to_grid`)."""
    if not isinstance(pool, int) or not 1 <= pool <= geom.n:
        raise GridInputError(f"pool must be an integer from 1 to {geom.n} (points per side), not {pool!r}")
    m = geom.n // pool
    shape = (atoms.rel.shape[0] if batched else 1, atoms.num_types, m, m, m)
    if out is not None and (
        tuple(out.view(-1, *out.shape[-4:]).shape) != shape or out.dtype != atoms.rel.dtype
    ):
        raise GridInputError(
            f"out must be a {shape[int(not batched) :]} tensor of {atoms.rel.dtype}, "
            f"got {tuple(out.shape)} {out.dtype}"
        )
    kernels = getattr(backend, "kernels", None)
    recorded = torch.is_grad_enabled() and any(
        t.requires_grad for t in (atoms.rel, atoms.weights, atoms.radii)
    )
    if (
        kernels is not None
        and hasattr(kernels, "forward_pooled")
        and not (atoms.per_type or geom.profile.binary)
    ):
        if recorded and out is None:
            call = KernelCall(kernels, geom, atoms.per_type, atoms.num_types)
            return kernel_pooled_grid(atoms.rel, atoms.weights, atoms.radii, atoms.base, call, pool)
        if not recorded:
            target = None if out is None else out.view(shape)
            return kernels.forward_pooled(
                atoms.rel, atoms.base, atoms.weights, atoms.radii, atoms.num_types, geom, pool, target
            )
    grid = backend.grid(atoms, geom, set_binary=atoms.index_types and geom.profile.binary)
    pooled = torch.nn.functional.avg_pool3d(grid, pool)
    return pooled if out is None else out.view(shape).copy_(pooled)


def check_atoms(center, coords, types, radii, num_types: int | None = None, *, radii_per_type=None) -> None:
    """Check atoms as :func:`coords_to_grid` would, without gridding them.

    Takes the same arguments in the same forms. Run it on the host (CPU tensors, where it waits for
    nothing) on input that is later gridded on a GPU with ``check_values=False``.

    Raises:
        GridInputError: whatever :func:`coords_to_grid` would raise for these atoms.
    """
    normalise(center, coords, types, radii, num_types, radii_per_type, 1.0)


_HALF = (torch.float16, torch.bfloat16)


def _check_out(out: torch.Tensor, atoms, geom, batched: bool) -> None:
    shape: tuple[int, ...] = (atoms.num_types,) + (geom.n,) * 3
    if batched:
        shape = (atoms.rel.shape[0], *shape)
    dtype_ok = out.dtype == atoms.rel.dtype or out.dtype in _HALF
    if tuple(out.shape) != shape or not dtype_ok or out.device != atoms.rel.device:
        raise GridInputError(
            f"out must be a {tuple(shape)} tensor of {atoms.rel.dtype}, float16 or bfloat16 on "
            f"{atoms.rel.device}, got {tuple(out.shape)} {out.dtype} on {out.device}"
        )
    if not out.is_contiguous():
        raise GridInputError("out must be contiguous")
    if torch.is_grad_enabled() and any(
        t.requires_grad for t in (atoms.rel, atoms.weights, atoms.radii) if t is not None
    ):
        raise GridInputError("out= writes a grid without gradient; call it under torch.no_grad()")
