"""GNINA 1.3's model files: traced TorchScript modules with a ``metadata`` extra file.

GNINA 1.3 ships its CNNs as ``torch.jit.trace`` output taking a ``(1, 28, 48, 48, 48)`` grid and returning
``(pose, affinity)``, with JSON metadata: the grid's ``resolution`` and ``dimension`` (Å), the receptor and
ligand channel maps (``recmap``, ``ligmap``: GNINA's map text), and optionally ``skip_softmax``,
``apply_logistic_loss`` and ``radius_scaling``. GNINA's CNNscore is ``softmax(pose)[0, 1]`` (``pose[0, 1]``
with ``skip_softmax``); the published models end their pose head in a ``log_softmax`` (a module named
``softmax``), so the score is the softmax of the head's logits.

:func:`read_torchscript_model` loads such a file. Where its parameters are those of one of voxbind's
architectures (Default2018, Dense), they are loaded into that class, which then runs with voxbind's layers on
any device and can be trained; its outputs equal the file's module (tested to 1e-5). Any other graph is
wrapped as it is (:class:`ScriptedModel`). Loading runs nothing from the file beyond TorchScript's own
deserialisation; the metadata is parsed as JSON.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import torch
from torch import nn

from ..errors import InvalidArgumentError, WeightsError
from ._base import Prediction
from .default2018 import Default2018
from .dense import Dense
from .gnina_weights import check_state_dict
from .info import ModelInfo, with_info


class ScriptedModel(nn.Module):
    """A GNINA TorchScript module whose graph is none of voxbind's architectures, run as it is.

    ``forward(x)`` takes ``(B, C, n, n, n)`` grids and returns a :class:`~voxbind.models.Prediction` whose
    CNNscore is GNINA's.
    """

    def __init__(self, module: torch.jit.ScriptModule, info: ModelInfo):
        super().__init__()
        self.module = module
        self.model_info = info

    def forward(self, x: torch.Tensor) -> Prediction:
        pose, affinity = self.module(x)
        if self.model_info.skip_softmax:  # GNINA reads the score as it is: make softmax(...) give it back
            pose = torch.log(pose.clamp_min(1e-30))
        return Prediction(pose, affinity.reshape(-1))


def read_torchscript_model(path: str | os.PathLike) -> nn.Module:
    """The model in GNINA's TorchScript file ``path``, on the CPU in eval mode, with its metadata as
    ``model.model_info`` (:class:`~voxbind.models.ModelInfo`, named by the file).

    Raises:
        WeightsError: the file cannot be read as TorchScript, or its metadata is not valid JSON.
    """
    path = Path(path)
    extra = {"metadata": ""}
    try:
        with warnings.catch_warnings():  # TorchScript is deprecated upstream; it is GNINA's format
            warnings.simplefilter("ignore", DeprecationWarning)
            module = torch.jit.load(str(path), map_location="cpu", _extra_files=extra)
    except (RuntimeError, ValueError, OSError) as err:
        raise WeightsError(f"{path}: not a TorchScript model ({str(err).splitlines()[0]})") from err
    info = _info(path, extra["metadata"])
    model = _as_architecture(module, info) or ScriptedModel(module, info)
    return with_info(model, info).eval()


def _info(path: Path, text: str | bytes) -> ModelInfo:
    if not text:
        return ModelInfo(str(path))
    try:
        meta = json.loads(text)
    except ValueError as err:
        raise WeightsError(f"{path}: its metadata is not JSON ({err})") from err
    if not isinstance(meta, dict):
        raise WeightsError(f"{path}: its metadata is not a JSON object")
    fields = {
        "resolution": float,
        "dimension": float,
        "recmap": str,
        "ligmap": str,
        "skip_softmax": bool,
        "apply_logistic_loss": bool,
        "radius_scaling": float,
    }
    given = {}
    for key, kind in fields.items():
        if key not in meta:
            continue
        value = meta[key]
        numeric = kind is float and isinstance(value, int | float) and not isinstance(value, bool)
        if not (numeric or (kind is not float and isinstance(value, kind))):
            raise WeightsError(f"{path}: metadata {key} must be a JSON {kind.__name__}, not {value!r}")
        given[key] = kind(value)
    return ModelInfo(str(path), **given)


#: voxbind's architectures, told apart by the names of their first layer's parameters.
_FIRST_LAYERS = {"unit1_conv.weight": Default2018, "data_enc_init_conv.weight": Dense}


def _as_architecture(module: torch.jit.ScriptModule, info: ModelInfo) -> nn.Module | None:
    """``module``'s parameters in the voxbind architecture they fit, or ``None``."""
    state = module.state_dict()
    first = next((key for key in _FIRST_LAYERS if key in state), None)
    # The pose head's last step: in a child named "softmax" (GNINA's files) or in the forward itself
    # (files written by export_torchscript).
    head = getattr(dict(module.named_children()).get("softmax"), "code", "") + module.code
    activation = "log_softmax" if "log_softmax" in head else "softmax" if "softmax" in head else None
    if first is None or activation is None or info.skip_softmax:
        return None
    channels = state[first].shape[1]
    try:
        model = _FIRST_LAYERS[first](num_channels=channels, grid_size=info.points_per_side)
        check_state_dict(model, state, info.name)
    except (InvalidArgumentError, WeightsError):  # another graph under the same names: run it as it is
        return None
    model.load_state_dict(state)
    model.pose_activation = activation  # the traced pose head's last step (GNINA's: log_softmax)
    return model
