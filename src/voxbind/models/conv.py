"""A 3D convolution that stays fast on the CPU for a single example.

PyTorch routes a float32 CPU ``conv3d`` with batch size 1 and small spatial planes (under 20,480
values in ``N·C·D·H``, which covers every layer of GNINA's models on 48³ grids) to its im2col kernel
instead of oneDNN. A whole Default2018 pass is then about 5× slower forward and 4× slower forward +
backward than with oneDNN (``benchmarks/bench_conv.py``). Scoring one pose, and the multi-pose
``"recompute"``/``"split"`` strategies, which run one pose at a time, hit exactly that case.

:class:`Conv3d` is ``torch.nn.Conv3d`` (same parameters and state-dict names) that sends that case to
oneDNN directly. Its backward pass is written as two more convolutions through the same autograd
Function, so it is itself differentiable to any order:

* input gradient: ``conv(grad_out, flip(W)ᵀ, padding = k − 1 − p)``;
* weight gradient: ``conv(xᵀ, grad_outᵀ, padding = p)ᵀ``, where ``ᵀ`` swaps the batch and channel
  axes, so the sum over the batch becomes the sum over the input channels of that convolution;
* bias gradient: ``grad_out`` summed over batch and space.

Any other case (another device or dtype, strides, dilation, groups, non-zero padding modes, batch > 1)
goes to ``torch.nn.functional.conv3d`` unchanged.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional

__all__ = ["Conv3d", "conv3d"]


def _raw_conv(x: torch.Tensor, weight: torch.Tensor, padding: tuple[int, int, int]) -> torch.Tensor:
    """Stride-1 convolution without bias: oneDNN for float32 CPU, ``F.conv3d`` otherwise."""
    if x.dtype == torch.float32 and x.device.type == "cpu" and torch.backends.mkldnn.is_available():
        return torch.ops.aten.mkldnn_convolution(
            x.contiguous(), weight.contiguous(), None, list(padding), [1, 1, 1], [1, 1, 1], 1
        )
    return functional.conv3d(x, weight, None, 1, padding)


class _Conv(torch.autograd.Function):
    """Stride-1, ungrouped 3D convolution whose backward is two more ``_Conv`` applications."""

    @staticmethod
    def forward(ctx, x, weight, padding):
        ctx.save_for_backward(x, weight)
        ctx.padding = padding
        return _raw_conv(x, weight, padding)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        padding = ctx.padding
        grad_x = grad_w = None
        if ctx.needs_input_grad[0]:
            back = tuple(k - 1 - p for k, p in zip(weight.shape[2:], padding, strict=True))
            flipped = weight.flip(2, 3, 4).transpose(0, 1)
            grad_x = _Conv.apply(grad, flipped, back)
        if ctx.needs_input_grad[1]:
            grad_w = _Conv.apply(x.transpose(0, 1), grad.transpose(0, 1), padding).transpose(0, 1)
        return grad_x, grad_w, None


def conv3d(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, padding: tuple[int, int, int]
) -> torch.Tensor:
    """Stride-1, ungrouped 3D convolution, differentiable to any order.

    Args:
        x: ``(N, C_in, D, H, W)`` input.
        weight: ``(C_out, C_in, kD, kH, kW)`` kernel; each padding must be at most kernel size − 1.
        bias: ``(C_out,)`` or ``None``.
        padding: zero padding on each side of each spatial axis.

    Returns:
        ``(N, C_out, D + 2pD − kD + 1, …)``, equal to ``F.conv3d(x, weight, bias, 1, padding)``.
    """
    out = _Conv.apply(x, weight, tuple(padding))
    if bias is not None:
        out = out + bias.view(1, -1, 1, 1, 1)
    return out


class Conv3d(nn.Conv3d):
    """``torch.nn.Conv3d`` that uses oneDNN on the CPU for a single float32 example (see module docs).

    Shapes and parameters are those of ``torch.nn.Conv3d``; outputs agree with it to float32 rounding.
    """

    def _conv_forward(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None):
        if self._single_cpu_example(x, weight):
            return conv3d(x, weight, bias, self.padding)  # type: ignore[arg-type]  # a tuple of 3 here
        return super()._conv_forward(x, weight, bias)

    def _single_cpu_example(self, x: torch.Tensor, weight: torch.Tensor) -> bool:
        return (
            x.dim() == 5
            and x.shape[0] == 1
            and x.device.type == "cpu"
            and x.dtype == torch.float32
            and weight.dtype == torch.float32
            and self.groups == 1
            and self.padding_mode == "zeros"
            and isinstance(self.padding, tuple)
            and all(s == 1 for s in self.stride)
            and all(d == 1 for d in self.dilation)
            and all(0 <= p <= k - 1 for p, k in zip(self.padding, self.kernel_size, strict=True))
            and torch.backends.mkldnn.is_available()
        )
