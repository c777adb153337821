"""Gridding backends: the pure-PyTorch reference and compiled kernels (numba on CPU).

``backend="auto"`` picks the fastest backend available for the tensors' device and falls back quietly to
the reference; a backend asked for by name that cannot run raises
:class:`~voxbind.errors.BackendUnavailableError`.
"""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache

import torch

from ..._logging import logger
from ...errors import BackendUnavailableError
from .._autograd import KernelCall, kernel_grid
from .._spec import AtomBatch, GridGeometry
from ._reference import reference_grid

BACKENDS = ("auto", "reference", "numba")


class ReferenceBackend:
    """Plain PyTorch operations on any device; autograd supplies derivatives of every order."""

    name = "reference"

    def grid(self, atoms: AtomBatch, geom: GridGeometry, *, set_binary: bool = False, out=None):
        grid = reference_grid(atoms, geom, set_binary=set_binary)
        return grid if out is None else out.copy_(grid)


class KernelBackend:
    """Compiled kernels behind the autograd Functions of :mod:`voxbind.grid._autograd`."""

    def __init__(self, kernels) -> None:
        self.kernels = kernels
        self.name = kernels.name

    def grid(self, atoms: AtomBatch, geom: GridGeometry, *, set_binary: bool = False, out=None):
        call = KernelCall(self.kernels, geom, atoms.per_type, atoms.num_types)
        if set_binary or geom.profile.binary or out is not None:
            return self.kernels.forward(
                atoms.rel, atoms.base, atoms.weights, atoms.radii, atoms.per_type,
                atoms.num_types, geom, set_binary, out,
            )  # fmt: skip
        return kernel_grid(atoms.rel, atoms.weights, atoms.radii, atoms.base, call)


@cache
def _numba_backend() -> KernelBackend | None:
    if importlib.util.find_spec("numba") is None:
        return None
    try:
        module = importlib.import_module("voxbind.grid._backends._numba")
    except ImportError as exc:  # a broken numba install
        logger.warning("numba backend unavailable: %s", exc)
        return None
    return KernelBackend(module.NumbaKernels())


def get_backend(name: str, device: torch.device):
    """The backend called ``name`` for tensors on ``device``."""
    if name not in BACKENDS:
        raise BackendUnavailableError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    if name == "reference":
        return ReferenceBackend()
    if name == "numba":
        if device.type != "cpu":
            raise BackendUnavailableError(
                f"the numba backend runs on CPU tensors only, got tensors on {device}"
            )
        backend = _numba_backend()
        if backend is None:
            raise BackendUnavailableError("the numba backend needs numba: pip install numba")
        return backend
    if device.type == "cpu":
        backend = _numba_backend()
        if backend is not None:
            return backend
    return ReferenceBackend()
