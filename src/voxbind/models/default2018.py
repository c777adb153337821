"""GNINA's Default2018 architecture (the default model of GNINA 1.0)."""

from __future__ import annotations

import torch
from torch import nn

from ..errors import InvalidArgumentError
from ._base import Prediction, check_grid, heads, pose_output
from .conv import Conv3d


class Default2018(nn.Module):
    """Default2018 on ``(B, C, n, n, n)`` grids.

    AvgPool2 → Conv3d(C→32, 3) → ReLU → Conv3d(32→32, 1) → ReLU → AvgPool2 → Conv3d(32→64, 3) → ReLU →
    Conv3d(64→64, 1) → ReLU → AvgPool2 → Conv3d(64→128, 3) → ReLU → flatten → linear pose (2) and affinity (1)
    heads. With 28 channels at 48³: 389,059 parameters. Layer names are GNINA's.

    Args:
        num_channels: input channels ``C`` (28 for GNINA's default typing).
        grid_size: points per side ``n`` (48 for 0.5 Å over 23.5 Å); a multiple of 8.

    ``forward(x, pooled=True)`` takes the grids already average-pooled by :attr:`input_pool` (``(B, C,
    n/2, n/2, n/2)``, as ``GridMaker(..., pool=2)`` makes them without the full grid) and skips the first
    layer.
    """

    #: The first layer average-pools the input grid by this factor.
    input_pool = 2

    def __init__(self, num_channels: int = 28, grid_size: int = 48):
        super().__init__()
        if grid_size % 8:
            raise InvalidArgumentError(f"grid_size must be a multiple of 8, not {grid_size}")
        self.num_channels, self.grid_size = num_channels, grid_size
        self.unit1_pool = nn.AvgPool3d(2)
        self.unit1_conv = Conv3d(num_channels, 32, 3, padding=1)
        self.unit2_conv = Conv3d(32, 32, 1)
        self.unit3_pool = nn.AvgPool3d(2)
        self.unit3_conv = Conv3d(32, 64, 3, padding=1)
        self.unit4_conv = Conv3d(64, 64, 1)
        self.unit5_pool = nn.AvgPool3d(2)
        self.unit5_conv = Conv3d(64, 128, 3, padding=1)
        self.num_features = 128 * (grid_size // 8) ** 3
        heads(self, self.num_features, "pose_output", "affinity_output")

    def features(self, x: torch.Tensor, pooled: bool = False) -> torch.Tensor:
        """``(B, F)`` flattened features before the heads (``pooled``: ``x`` is already pooled)."""
        size = self.grid_size // self.input_pool if pooled else self.grid_size
        check_grid(x, self.num_channels, size, type(self).__name__)
        return self._features_after(self.unit1_conv(x if pooled else self.unit1_pool(x)))

    def _features_after(self, h: torch.Tensor) -> torch.Tensor:
        x = torch.relu(h)
        x = torch.relu(self.unit2_conv(x))
        x = torch.relu(self.unit3_conv(self.unit3_pool(x)))
        x = torch.relu(self.unit4_conv(x))
        x = torch.relu(self.unit5_conv(self.unit5_pool(x)))
        return x.flatten(1)

    def forward(self, x: torch.Tensor, pooled: bool = False) -> Prediction:
        return self._predict(self.features(x, pooled))

    @property
    def input_conv(self) -> nn.Conv3d:
        """The convolution that first sees the pooled input. Its output is linear in the input channels,
        so the share of a fixed part of them (a receptor's, while a ligand moves) can be computed once:
        :meth:`forward_from_input_conv` takes the sum."""
        return self.unit1_conv

    def forward_from_input_conv(self, h: torch.Tensor) -> Prediction:
        """The prediction from the output ``h (B, 32, n/2, n/2, n/2)`` of :attr:`input_conv` (before its
        ReLU)."""
        return self._predict(self._features_after(h))

    def _predict(self, f: torch.Tensor) -> Prediction:
        return Prediction(pose_output(self, self.pose_output(f)), self.affinity_output(f).squeeze(1))  # type: ignore[operator]
