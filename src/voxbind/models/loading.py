"""One notion of "a model": a published name, a GNINA TorchScript file, a voxbind checkpoint, or a folder."""

from __future__ import annotations

import dataclasses
import os
import zipfile
from pathlib import Path

from torch import nn

from ..errors import InvalidArgumentError, WeightsError
from .ensemble import Ensemble
from .gnina13 import GNINA13_SELECTIONS, find_gnina13
from .gnina_weights import GNINA10_DEFAULT, GNINA_ENSEMBLES, GNINA_MODELS, load_gnina_model
from .info import ModelInfo, model_info, with_info
from .saved import read_checkpoint_model
from .torchscript import read_torchscript_model


def load_model(name: str | os.PathLike, *, weights_dir: str | os.PathLike | None = None) -> nn.Module:
    """A model or ensemble, in eval mode on the CPU, from any of:

    - a GNINA 1.0 name from ``gninatorch`` (``"crossdock_default2018"``, ``"dense_3"``, ...; see
      :func:`load_gnina_model`, whose ``weights_dir`` this passes on), ``"<base>_ensemble"`` for a model
      and its four siblings, or ``"default1.0"`` for GNINA 1.0's default ensemble;
    - a GNINA 1.3 name (``"default"``, ``"fast"``, ``"dense_1_3"``, ...) whose file is on the search path
      of :mod:`voxbind.models.gnina13`;
    - a file: GNINA's TorchScript model (its ``metadata`` read) or a ``voxbind train`` checkpoint;
    - a folder: an ensemble of every ``.pt`` file in it.

    Several models come as an :class:`~voxbind.models.Ensemble`. Every model carries its
    :class:`~voxbind.models.ModelInfo` (``model_info(model)``): its name as given here, its grid and its
    channel maps.

    Raises:
        WeightsError: an unknown name, a model whose file is missing, a file that cannot be read, an
            ensemble whose models take different grids.
    """
    text = str(name)
    if text in GNINA_MODELS:
        return with_info(load_gnina_model(text, weights_dir=weights_dir), ModelInfo(text))
    if text in GNINA_ENSEMBLES or text == "default1.0":
        members = GNINA_ENSEMBLES.get(text, GNINA10_DEFAULT)
        models = [with_info(load_gnina_model(m, weights_dir=weights_dir), ModelInfo(m)) for m in members]
        return _combined(text, models)
    path = Path(name)
    files = find_gnina13(text) or (sorted(path.glob("*.pt")) if path.is_dir() else None)
    if files:
        return _combined(text, [read_model_file(f) for f in files])
    if path.is_dir():
        raise WeightsError(f"{path}: no .pt model files in this folder")
    if path.is_file():
        return read_model_file(path)
    known = sorted(GNINA_MODELS) + sorted(GNINA_ENSEMBLES) + ["default1.0", *GNINA13_SELECTIONS]
    raise WeightsError(f"unknown model {text!r}: not a file, nor a published model ({', '.join(known)})")


def read_model_file(path: str | os.PathLike) -> nn.Module:
    """The model in ``path``: a GNINA TorchScript file or a ``voxbind train`` checkpoint.

    Raises:
        WeightsError: neither (or a damaged one).
    """
    kind = _archive_kind(path)
    if kind is None:
        raise WeightsError(
            f"{path}: not a model file (neither GNINA's TorchScript format nor a voxbind checkpoint)"
        )
    return read_torchscript_model(path) if kind == "torchscript" else read_checkpoint_model(path)


def is_checkpoint(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a file saved by ``torch.save`` (a ``voxbind train`` checkpoint), not a
    TorchScript archive (which holds a ``code/`` folder) or anything else."""
    return _archive_kind(path) == "checkpoint"


def _archive_kind(path: str | os.PathLike) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return None
    if any("/code/" in f"/{entry}" for entry in entries):
        return "torchscript"
    return "checkpoint" if any(entry.endswith("data.pkl") for entry in entries) else None


def _combined(name: str, models: list[nn.Module]) -> nn.Module:
    if len(models) == 1:
        return models[0]
    ensemble = Ensemble(models).eval()
    try:
        info = model_info(ensemble)
    except InvalidArgumentError as err:  # members on different grids
        raise WeightsError(f"{name}: {err}") from None
    return with_info(ensemble, dataclasses.replace(info, name=name))
