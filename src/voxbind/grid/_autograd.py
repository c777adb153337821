"""autograd Functions around compiled gridding kernels.

``_Grid`` computes the grid; its backward is ``_GridBackward``, itself a Function whose backward (the
double backward) is computed by kernels too, so gradients of gradients are exact. Third derivatives are
not provided: differentiating the double backward raises :class:`NotDifferentiableError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch.autograd import Function

from ..errors import NotDifferentiableError
from ._spec import GridGeometry


@dataclass(frozen=True)
class KernelCall:
    """What a kernel call needs besides tensors."""

    kernels: Any
    geom: GridGeometry
    per_type: bool
    num_types: int


def _sum_radii(partial: torch.Tensor, call: KernelCall) -> torch.Tensor:
    """Per-group radius gradients ``(B, N, G)`` → the layout of the radii (``(B, N)`` or ``(1, T)``)."""
    if call.per_type:
        return partial.sum((0, 1)).reshape(1, -1)
    return partial[..., 0]


class _Grid(Function):
    @staticmethod
    def forward(ctx, rel, weights, radii, base, call: KernelCall):
        ctx.save_for_backward(rel, weights, radii, base)
        ctx.call = call
        return call.kernels.forward(
            rel, base, weights, radii, call.per_type, call.num_types, call.geom, False
        )

    @staticmethod
    def backward(ctx, grad):
        rel, weights, radii, base = ctx.saved_tensors
        need = tuple(ctx.needs_input_grad[:3])
        gc, gw, gr = _GridBackward.apply(rel, weights, radii, base, grad, ctx.call, need)
        return (gc if need[0] else None, gw if need[1] else None, gr if need[2] else None, None, None)


class _GridBackward(Function):
    @staticmethod
    def forward(ctx, rel, weights, radii, base, grad, call: KernelCall, need):
        grad = grad.contiguous()
        ctx.save_for_backward(rel, weights, radii, base, grad)
        ctx.call = call
        gc, gw, gr = call.kernels.backward(
            rel, base, weights, radii, call.per_type, call.geom, grad, bool(need[1])
        )
        return gc, gw, _sum_radii(gr, call)

    @staticmethod
    def backward(ctx, grad_coords, grad_weights, grad_radii):
        rel, weights, radii, base, grad = ctx.saved_tensors
        call = ctx.call
        need_c, need_w, need_r, _, need_grid = ctx.needs_input_grad[:5]
        with torch.no_grad():
            gc, gw, gr, g_grid = call.kernels.double_backward(
                rel, base, weights, radii, call.per_type, call.geom, grad,
                grad_coords.contiguous(), grad_weights.contiguous(), grad_radii.contiguous(),
                need_c or need_r, need_w, need_grid,
            )  # fmt: skip
        results = (
            gc if need_c else None,
            gw if need_w else None,
            _sum_radii(gr, call) if need_r else None,
            g_grid,
        )
        sources = (rel, weights, radii, grad, grad_coords, grad_weights, grad_radii)
        results = tuple(
            None if r is None else refuse_gradient(r, *sources, message=_THIRD_ORDER) for r in results
        )
        return results[0], results[1], results[2], None, results[3], None, None


def kernel_grid(rel, weights, radii, base, call: KernelCall) -> torch.Tensor:
    """Differentiable (twice) grid of the atoms through ``call.kernels``."""
    return _Grid.apply(rel, weights, radii, base, call)


class _PooledGrid(Function):
    """The grid average-pooled over ``pool³`` blocks, made pooled (per-atom radii, Gaussian profiles).

    Its backward to coordinates and radii reads the pooled gradient directly when the kernels can and no
    graph is asked for (the refinement step); otherwise the pooled gradient is spread over the full grid
    by differentiable operations and handed to :class:`_GridBackward`, so that every derivative the full
    grid has, the pooled one has too.
    """

    @staticmethod
    def forward(ctx, rel, weights, radii, base, call: KernelCall, pool: int):
        ctx.save_for_backward(rel, weights, radii, base)
        ctx.call, ctx.pool = call, pool
        return call.kernels.forward_pooled(rel, base, weights, radii, call.num_types, call.geom, pool)

    @staticmethod
    def backward(ctx, grad):
        rel, weights, radii, base = ctx.saved_tensors
        call, pool = ctx.call, ctx.pool
        need = tuple(ctx.needs_input_grad[:3])
        if not need[1] and not torch.is_grad_enabled() and hasattr(call.kernels, "backward_pooled"):
            gc, gr = call.kernels.backward_pooled(
                rel, base, weights, radii, call.geom, grad.contiguous(), pool
            )
            gw, gr = None, _sum_radii(gr, call)
        else:
            gc, gw, gr = _GridBackward.apply(
                rel, weights, radii, base, _unpooled(grad, pool, call), call, need
            )
        return (gc if need[0] else None, gw if need[1] else None, gr if need[2] else None, None, None, None)


def _unpooled(grad: torch.Tensor, pool: int, call: KernelCall) -> torch.Tensor:
    """The gradient of the full grid from that of its ``pool³`` average: each point gets its block's value
    over ``pool³``; points beyond the last whole block get zero (pooling drops them)."""
    spread = grad / pool**3
    for dim in (2, 3, 4):
        spread = spread.repeat_interleave(pool, dim=dim)
    extra = call.geom.n - spread.shape[-1]
    return torch.nn.functional.pad(spread, (0, extra) * 3) if extra else spread


def kernel_pooled_grid(rel, weights, radii, base, call: KernelCall, pool: int) -> torch.Tensor:
    """Differentiable (twice) pooled grid of the atoms through ``call.kernels.forward_pooled``."""
    return _PooledGrid.apply(rel, weights, radii, base, call, pool)


_BINARY = (
    "binary grids are not differentiable: grid with binary=False to get gradients, or detach the "
    "coordinates, types and radii before gridding"
)
_THIRD_ORDER = (
    "grids are differentiable twice; third derivatives (a gradient of a second derivative) are not provided"
)


class _NoGradient(Function):
    """Passes a tensor through and refuses to differentiate it, with a message."""

    @staticmethod
    def forward(ctx, value, message, *inputs):
        ctx.message = message
        return value

    @staticmethod
    def backward(ctx, *grads):
        raise NotDifferentiableError(ctx.message)


def refuse_gradient(value: torch.Tensor, *inputs: torch.Tensor, message: str = _BINARY) -> torch.Tensor:
    """``value``, with any gradient through it to ``inputs`` raising :class:`NotDifferentiableError`."""
    if torch.is_grad_enabled() and any(t.requires_grad for t in inputs):
        return _NoGradient.apply(value.detach(), message, *inputs)
    return value
