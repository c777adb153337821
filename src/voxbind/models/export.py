"""Export to GNINA's model format: a traced TorchScript module with GNINA's ``metadata``.

GNINA (``torch_model.cpp``) loads a model file with ``torch::jit::load``, reads the JSON ``metadata`` extra
file (grid ``resolution`` and ``dimension`` in Å, receptor and ligand channel maps ``recmap`` and
``ligmap``), calls the module on one ``(1, C, n, n, n)`` grid and takes ``softmax(output[0])[0, 1]`` as
CNNscore and ``output[1][0]`` as CNNaffinity. :func:`export_torchscript` writes such a file from any
voxbind model (its pose output a ``log_softmax``, as GNINA's own models end), so a model trained here can
score and dock inside GNINA, and reads back into its voxbind class with
:func:`~voxbind.models.read_model_file`.
"""

from __future__ import annotations

import copy
import json
import os
import warnings
from pathlib import Path

import torch
from torch import nn

from .._atomic import atomic_write
from ..errors import InvalidArgumentError
from ._base import input_channels
from .conv import Conv3d
from .ensemble import Ensemble
from .info import model_info


def export_torchscript(
    model: nn.Module, path: str | os.PathLike, *, recmap: str | None = None, ligmap: str | None = None
) -> Path:
    """Write ``model`` to ``path`` as GNINA's TorchScript model file (see the module's docs).

    Args:
        model: one model (not an ensemble: GNINA loads one model per file) taking ``(B, C, n, n, n)``
            grids; its grid comes from :func:`~voxbind.models.model_info`.
        path: the file to write (written under a temporary name, then renamed).
        recmap, ligmap: GNINA map text of the receptor and ligand channels when the model's info has
            none (GNINA falls back to its default 14 + 14 channels when the metadata lacks them).

    Returns:
        ``path``. The module takes float32 grids on the CPU or, after ``.to("cuda")``, on a GPU.

    Raises:
        InvalidArgumentError: an ensemble, or channel maps that do not add up to the model's channels.
    """
    if isinstance(model, Ensemble):
        raise InvalidArgumentError("GNINA loads one model per file: export each member of the ensemble")
    info = model_info(model)
    recmap, ligmap = info.recmap or recmap, info.ligmap or ligmap
    graph = _traceable(model)
    n = info.points_per_side
    channels = input_channels(graph.state_dict())
    if channels is None:
        raise InvalidArgumentError("the model has no 3D convolution: not a grid model")
    if recmap is not None and ligmap is not None:
        mapped = len(recmap.strip().splitlines()) + len(ligmap.strip().splitlines())
        if mapped != channels:
            raise InvalidArgumentError(f"the channel maps give {mapped} channels; the model takes {channels}")
    example = torch.zeros(1, channels, n, n, n)
    metadata: dict[str, float | str] = {"resolution": info.resolution, "dimension": info.dimension}
    metadata.update({k: v for k, v in (("recmap", recmap), ("ligmap", ligmap)) if v is not None})
    if info.radius_scaling != 1.0:
        metadata["radius_scaling"] = info.radius_scaling
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TorchScript is GNINA's format
        traced = torch.jit.trace(graph, example, check_trace=False)
        with atomic_write(path) as handle:
            torch.jit.save(traced, handle, _extra_files={"metadata": json.dumps(metadata)})
    return Path(path)


def _traceable(model: nn.Module) -> nn.Module:
    """A float32 CPU copy of ``model`` that GNINA can run: plain ``nn.Conv3d`` layers (voxbind's
    :class:`~voxbind.models.Conv3d` calls a CPU-only kernel for single examples), the pose output a
    ``log_softmax``, a plain tuple ``(pose, affinity)`` out."""
    graph = copy.deepcopy(model).float().cpu().eval()
    for layer in graph.modules():
        if isinstance(layer, Conv3d):
            layer.__class__ = nn.Conv3d  # type: ignore[assignment]
    if hasattr(graph, "module"):  # a scripted GNINA graph: its outputs are already GNINA's
        return _Tuple(graph)
    graph.pose_activation = "log_softmax"  # type: ignore[assignment]
    return _Tuple(graph, top_level=True)


class _Tuple(nn.Module):
    """Calls a model and returns its prediction as a plain tuple. Traced with ``top_level``, the model's
    parameters keep their own names (``unit1_conv.weight``, ...) as GNINA's files have them."""

    def __init__(self, net: nn.Module, top_level: bool = False):
        super().__init__()
        if top_level:
            self.__dict__["net"] = net  # not registered: its modules are this module's, unprefixed
            for name, child in net.named_children():
                self.add_module(name, child)
        else:
            self.net = net

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pose, affinity = self.net(x)
        return pose, affinity
