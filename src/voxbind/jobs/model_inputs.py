"""What a model's grids are made from: its grid and channel maps, as its file or checkpoint says."""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from ..atomtypes import DEFAULT_LIGAND_MAP, DEFAULT_RECEPTOR_MAP, ChannelMap, GninaTyper
from ..errors import InvalidArgumentError
from ..grid import GridMaker
from ..models import ModelInfo, model_info
from ..models._base import input_channels


@dataclass(frozen=True)
class ModelInputs:
    """The grid and the typers whose channels a model takes (receptor channels first).

    Attributes:
        info: the model's :class:`~voxbind.models.ModelInfo` (its name, as outputs report it).
        gridmaker: its grid (resolution, dimension and radius scaling from the model).
        receptor_typer, ligand_typer: GNINA typers with the model's channel maps (GNINA's default 14 + 14
            channels when it names none).
    """

    info: ModelInfo
    gridmaker: GridMaker
    receptor_typer: GninaTyper
    ligand_typer: GninaTyper


def model_inputs(net: nn.Module, gridmaker: GridMaker | None = None) -> ModelInputs:
    """:class:`ModelInputs` of ``net`` (see :func:`~voxbind.models.model_info`), with ``gridmaker`` in
    place of the model's grid when given.

    Raises:
        InvalidFileError: a channel map names an unknown atom type.
        InvalidArgumentError: the maps' channels are not the model's input channels.
    """
    info = model_info(net)
    receptor = _map(info.recmap, DEFAULT_RECEPTOR_MAP, f"{info.name} (recmap)")
    ligand = _map(info.ligmap, DEFAULT_LIGAND_MAP, f"{info.name} (ligmap)")
    channels = input_channels(net.state_dict())
    if channels is not None and channels != len(receptor) + len(ligand):
        raise InvalidArgumentError(
            f"{info.name} takes {channels} channels; its maps give {len(receptor)} receptor and "
            f"{len(ligand)} ligand channels"
        )
    if gridmaker is None:
        gridmaker = GridMaker(info.resolution, info.dimension, radius_scale=info.radius_scaling)
    return ModelInputs(info, gridmaker, GninaTyper(receptor), GninaTyper(ligand))


def _map(text: str | None, default: ChannelMap, source: str) -> ChannelMap:
    return default if text is None else ChannelMap.from_text(text, source=source)


def has_default_maps(info: ModelInfo) -> bool:
    """Whether a model with ``info`` takes GNINA's default 14 + 14 channels (as training data are typed)."""
    return all(
        text is None or ChannelMap.from_text(text, source=info.name) == default
        for text, default in ((info.recmap, DEFAULT_RECEPTOR_MAP), (info.ligmap, DEFAULT_LIGAND_MAP))
    )
