"""GNINA's Dense architecture (densely connected 3D convolutions, global max pooling)."""

from __future__ import annotations

import torch
from torch import nn

from ..errors import InvalidArgumentError
from ._base import Prediction, check_grid, heads, pose_output
from .conv import Conv3d


class DenseBlock(nn.Module):
    """``convs`` × [BatchNorm3d → Conv3d(→ growth, 3) → ReLU], each taking all earlier outputs (concatenated
    on channels) as input; returns the input and every output concatenated.

    Layer names follow GNINA: ``data_enc_level{level}_batchnorm_conv{k}``, ``data_enc_level{level}_conv{k}``.
    """

    def __init__(self, in_channels: int, level: int, growth: int = 16, convs: int = 4):
        super().__init__()
        self.names = []
        channels = in_channels
        for k in range(convs):
            norm, conv = f"data_enc_level{level}_batchnorm_conv{k}", f"data_enc_level{level}_conv{k}"
            setattr(self, norm, nn.BatchNorm3d(channels))
            setattr(self, conv, Conv3d(channels, growth, 3, padding=1))
            self.names.append((norm, conv))
            channels += growth
        self.out_channels = channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs = [x]
        for norm, conv in self.names:
            outputs.append(torch.relu(getattr(self, conv)(getattr(self, norm)(x))))
            x = torch.cat(outputs, dim=1)
        return x


class Dense(nn.Module):
    """Dense on ``(B, C, n, n, n)`` grids.

    MaxPool2 → Conv3d(C→32, 3) → ReLU → [dense block → Conv3d 1×1 → ReLU → MaxPool2] × (blocks − 1) →
    dense block → global max pool → linear pose (2) and affinity (1) heads. With 3 blocks of 4 convolutions
    growing by 16 channels: 224 features. Layer names are GNINA's.

    Args:
        num_channels: input channels ``C``.
        grid_size: points per side ``n``; divisible by ``2 ** blocks``.
        blocks, convs, growth: dense blocks, convolutions per block, channels each convolution adds.
    """

    def __init__(
        self, num_channels: int = 28, grid_size: int = 48, blocks: int = 3, convs: int = 4, growth: int = 16
    ):
        super().__init__()
        if grid_size % 2**blocks:
            raise InvalidArgumentError(f"grid_size must be a multiple of {2**blocks}, not {grid_size}")
        self.num_channels, self.grid_size, self.blocks = num_channels, grid_size, blocks
        self.data_enc_init_pool = nn.MaxPool3d(2)
        self.data_enc_init_conv = Conv3d(num_channels, 32, 3, padding=1)
        channels = 32
        for level in range(blocks):
            block = DenseBlock(channels, level, growth, convs)
            setattr(self, f"dense_block_{level}", block)
            channels = block.out_channels
            if level < blocks - 1:
                setattr(self, f"data_enc_level{level}_bottleneck", Conv3d(channels, channels, 1))
                setattr(self, f"data_enc_level{level + 1}_pool", nn.MaxPool3d(2))
        self.num_features = channels
        heads(self, channels, "pose_output", "affinity_output")

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, F)`` globally max-pooled features before the heads."""
        check_grid(x, self.num_channels, self.grid_size, type(self).__name__)
        x = torch.relu(self.data_enc_init_conv(self.data_enc_init_pool(x)))
        for level in range(self.blocks):
            x = getattr(self, f"dense_block_{level}")(x)
            if level < self.blocks - 1:
                x = torch.relu(getattr(self, f"data_enc_level{level}_bottleneck")(x))
                x = getattr(self, f"data_enc_level{level + 1}_pool")(x)
        return torch.amax(x, dim=(2, 3, 4))

    def forward(self, x: torch.Tensor) -> Prediction:
        f = self.features(x)
        return Prediction(pose_output(self, self.pose_output(f)), self.affinity_output(f).squeeze(1))  # type: ignore[operator]
