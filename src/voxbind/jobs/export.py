"""Exporting a model to GNINA's TorchScript format, with its channel maps written out."""

from __future__ import annotations

import os
from pathlib import Path

from ..models import describe_model, export_torchscript, load_model
from .model_inputs import model_inputs


def export_model(model: str | os.PathLike, output: str | os.PathLike) -> str:
    """Write ``model`` (anything :func:`~voxbind.models.load_model` takes but an ensemble) to ``output`` as
    GNINA's TorchScript model file (:func:`~voxbind.models.export_torchscript`), its metadata naming its grid
    and its receptor and ligand channel maps (GNINA's defaults written out where the model names none).

    Returns:
        A line describing what was written (model, grid, channels).

    Raises:
        WeightsError: the model cannot be loaded.
        InvalidArgumentError: an ensemble (GNINA loads one model per file).
    """
    net = load_model(model)
    inputs = model_inputs(net)
    export_torchscript(
        net,
        output,
        recmap=inputs.receptor_typer.channel_map.to_text(),
        ligmap=inputs.ligand_typer.channel_map.to_text(),
    )
    info, gm = inputs.info, inputs.gridmaker
    channels = len(inputs.receptor_typer.channel_names) + len(inputs.ligand_typer.channel_names)
    size = Path(output).stat().st_size / 1e6
    return (
        f"{describe_model(net)}, {channels} channels on a {gm.points_per_side}³ grid at {info.resolution} Å "
        f"({size:.1f} MB)"
    )
