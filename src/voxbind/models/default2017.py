"""GNINA's Default2017 architecture (Ragoza et al. 2017)."""

from __future__ import annotations

import torch
from torch import nn

from ..errors import InvalidArgumentError
from ._base import Prediction, check_grid, heads, pose_output
from .conv import Conv3d


class Default2017(nn.Module):
    """Default2017 on ``(B, C, n, n, n)`` grids.

    MaxPool2 → Conv3d(C→32, 3) → ReLU → MaxPool2 → Conv3d(32→64, 3) → ReLU → MaxPool2 → Conv3d(64→128, 3) →
    ReLU → flatten → linear pose (2) and affinity (1) heads. Layer names are GNINA's.

    Args:
        num_channels: input channels ``C`` (GNINA's published model was trained on 35).
        grid_size: points per side ``n``; a multiple of 8.
    """

    def __init__(self, num_channels: int = 35, grid_size: int = 48):
        super().__init__()
        if grid_size % 8:
            raise InvalidArgumentError(f"grid_size must be a multiple of 8, not {grid_size}")
        self.num_channels, self.grid_size = num_channels, grid_size
        self.unit1_pool = nn.MaxPool3d(2)
        self.unit1_conv1 = Conv3d(num_channels, 32, 3, padding=1)
        self.unit2_pool = nn.MaxPool3d(2)
        self.unit2_conv1 = Conv3d(32, 64, 3, padding=1)
        self.unit3_pool = nn.MaxPool3d(2)
        self.unit3_conv1 = Conv3d(64, 128, 3, padding=1)
        self.num_features = 128 * (grid_size // 8) ** 3
        heads(self, self.num_features, "output_fc", "output_fc_aff")

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, F)`` flattened features before the heads."""
        check_grid(x, self.num_channels, self.grid_size, type(self).__name__)
        x = torch.relu(self.unit1_conv1(self.unit1_pool(x)))
        x = torch.relu(self.unit2_conv1(self.unit2_pool(x)))
        x = torch.relu(self.unit3_conv1(self.unit3_pool(x)))
        return x.flatten(1)

    def forward(self, x: torch.Tensor) -> Prediction:
        f = self.features(x)
        return Prediction(pose_output(self, self.output_fc(f)), self.output_fc_aff(f).squeeze(1))  # type: ignore[operator]
