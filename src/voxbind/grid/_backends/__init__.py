"""Gridding backends: the pure-PyTorch reference and compiled kernels (numba on CPU, Triton on CUDA).

``backend="auto"`` picks the fastest backend available for the tensors' device (numba for CPU tensors,
Triton for CUDA tensors) and falls back quietly to the reference; a backend asked for by name that cannot
run raises :class:`~voxbind.errors.BackendUnavailableError`. The Triton backend also runs on CPU tensors
when Triton's interpreter is on (``TRITON_INTERPRET=1`` set before Triton is imported), slowly: that is
how it is tested without a GPU.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from functools import cache

import torch

from ..._choices import BACKENDS
from ..._logging import logger
from ...errors import BackendUnavailableError
from .._autograd import KernelCall, kernel_grid
from .._spec import AtomBatch, GridGeometry
from ._reference import reference_grid


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
        if out is not None and out.dtype != atoms.rel.dtype and not self.kernels.rounds_on_store:
            return out.copy_(self.grid(atoms, geom, set_binary=set_binary))  # a half-precision buffer
        if set_binary or geom.profile.binary or out is not None:
            return self.kernels.forward(
                atoms.rel, atoms.base, atoms.weights, atoms.radii, atoms.per_type,
                atoms.num_types, geom, set_binary, out,
            )  # fmt: skip
        return kernel_grid(atoms.rel, atoms.weights, atoms.radii, atoms.base, call)


def _load(package: str, module: str, kernels: str) -> KernelBackend | None:
    """The kernels of ``module`` if ``package`` is installed and imports; a broken install (no usable
    compiler or runtime) logs a warning."""
    if importlib.util.find_spec(package) is None:
        return None
    try:
        loaded = importlib.import_module(f"voxbind.grid._backends.{module}")
    except ImportError as exc:
        logger.warning("%s backend unavailable: %s", package, exc)
        return None
    return KernelBackend(getattr(loaded, kernels)())


@cache
def _numba_backend() -> KernelBackend | None:
    return _load("numba", "_numba", "NumbaKernels")


@cache
def _triton_backend() -> KernelBackend | None:
    return _load("triton", "_triton", "TritonKernels")


def triton_interpreted() -> bool:
    """Whether Triton kernels run under the interpreter (on CPU tensors)."""
    return os.environ.get("TRITON_INTERPRET", "0") not in ("", "0")


def _triton_for(device: torch.device) -> KernelBackend:
    if device.type != "cuda" and not (device.type == "cpu" and triton_interpreted()):
        raise BackendUnavailableError(
            f"the triton backend runs on CUDA tensors (or CPU tensors with TRITON_INTERPRET=1), got "
            f"tensors on {device}"
        )
    backend = _triton_backend()
    if backend is None:
        raise BackendUnavailableError(
            "the triton backend needs triton (it comes with PyTorch's CUDA builds): pip install triton"
        )
    return backend


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
    if name == "triton":
        return _triton_for(device)
    if device.type == "cpu":
        backend = _numba_backend()
        if backend is not None:
            return backend
    if device.type == "cuda":
        backend = _triton_backend()
        if backend is not None:
            return backend
    return ReferenceBackend()
