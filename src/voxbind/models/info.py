"""What a loaded model needs from the grids it is given, and where it came from."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

from torch import nn

from ..errors import InvalidArgumentError


@dataclass(frozen=True)
class ModelInfo:
    """A model's name and the grid it takes (GNINA's model metadata).

    Attributes:
        name: how the model was asked for (a published name, a file), as outputs report it.
        resolution, dimension: the grid (Å).
        recmap, ligmap: the receptor and ligand channel maps as GNINA's map text (one channel per line,
            the merged atom types on it), or ``None`` for GNINA's default 14 + 14 channels.
        skip_softmax: GNINA reads CNNscore as the pose output's second column as it is, not its softmax.
        apply_logistic_loss: GNINA's refinement loss is ``−log pose[0, 1]`` rather than a cross-entropy.
        radius_scaling: the factor on atom radii when gridding.
    """

    name: str = ""
    resolution: float = 0.5
    dimension: float = 23.5
    recmap: str | None = None
    ligmap: str | None = None
    skip_softmax: bool = False
    apply_logistic_loss: bool = False
    radius_scaling: float = 1.0

    @property
    def points_per_side(self) -> int:
        """Grid points per side, rounded as GNINA's GridMaker rounds them."""
        return int(self.dimension / self.resolution + 0.5) + 1

    @property
    def grid(self) -> tuple:
        """What the grids of two models must share for them to score the same grids."""
        return (self.resolution, self.dimension, self.recmap, self.ligmap, self.radius_scaling)


def model_info(model: nn.Module) -> ModelInfo:
    """``model``'s :class:`ModelInfo`: the one it was loaded with (``model.model_info``), an ensemble's
    (its members' grid, its members' names joined with ``+``), or GNINA's default grid for any other
    module.

    Raises:
        InvalidArgumentError: an ensemble whose members take different grids.
    """
    info = getattr(model, "model_info", None)
    if isinstance(info, ModelInfo):
        return info
    members = getattr(model, "members", None)
    if isinstance(members, nn.ModuleList) and len(members):
        infos = [model_info(m) for m in members]
        if len({i.grid for i in infos}) > 1:
            grids = "; ".join(f"{i.name or '?'}: {i.resolution} Å, {i.dimension} Å" for i in infos)
            raise InvalidArgumentError(f"the models of an ensemble must take the same grid ({grids})")
        return dataclasses.replace(infos[0], name="+".join(i.name for i in infos))
    return ModelInfo(name=type(model).__name__)


def with_info(model: nn.Module, info: ModelInfo) -> nn.Module:
    """``model`` with ``info`` attached as ``model.model_info``; returns it."""
    model.model_info = info  # type: ignore[assignment]
    return model


def describe_model(model: nn.Module) -> str:
    """A line naming ``model`` for reports: its name, and for an ensemble its members' names (file names
    without their folders)."""
    info = model_info(model)
    members = getattr(model, "members", None)
    if not isinstance(members, nn.ModuleList):
        return info.name
    names = [os.path.basename(model_info(m).name) for m in members]
    return f"{info.name} ({len(names)} models: {', '.join(names)})"
