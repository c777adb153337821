"""Combining per-pose free energies ΔG_n (kT units; more negative = tighter) into one ΔG per compound.

Every combination takes ``(B, N)`` per-pose values with a ``(B, N)`` mask of real poses (padded poses are
ignored) and returns ``(B,)``. All are written in the stable ``exp(x − Q)`` form, finite for |ΔG| in the
hundreds of thousands, and exact for a single pose. Each also gives its derivatives ``∂ΔG/∂ΔG_n``
(:meth:`Combination.weights`), which the memory-saving strategies of
:class:`~voxbind.combine.MultiPoseModel` use.

Sign convention: the smooth max is a smooth *minimum* of ΔG — the best (most negative) pose dominates:
``ΔG = −(1/t) ln Σ exp(−t ΔG_n)``. It lies below the true minimum by at most ``ln(N)/t`` (equal poses
give exactly ``min − ln(N)/t``); with ``t = 1`` it is the free energy of the ensemble of poses, not the
Boltzmann-weighted mean, which is :class:`Boltzmann`.
"""

from __future__ import annotations

import math

import torch

from .._choices import COMBINATIONS, check_choice
from ..errors import InvalidArgumentError

_NEG = -math.inf


def _masked(values: torch.Tensor, mask: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    if values.ndim != 2:
        raise InvalidArgumentError(f"per-pose values must be (B, N), got {tuple(values.shape)}")
    if mask is None:
        mask = torch.ones_like(values, dtype=torch.bool)
    if mask.shape != values.shape:
        raise InvalidArgumentError(f"mask {tuple(mask.shape)} does not match values {tuple(values.shape)}")
    if not bool(mask.any(dim=1).all()):
        raise InvalidArgumentError("every compound needs at least one pose")
    return values, mask.to(torch.bool)


class Combination:
    """Base class: ``combination(values, mask) -> (B,)`` and its per-pose derivatives."""

    name = ""

    def __call__(self, values: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        values, mask = _masked(values, mask)
        return self.combine(values, mask)

    def combine(self, values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def weights(self, values: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """``(B, N)`` derivatives ``∂ΔG/∂ΔG_n`` (zero for padded poses)."""
        values, mask = _masked(values, mask)
        return self.derivative(values, mask)

    def derivative(self, values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Mean(Combination):
    """``ΔG = (1/N) Σ ΔG_n`` over the real poses."""

    name = "mean"

    def combine(self, values, mask):
        return torch.where(mask, values, 0.0).sum(1) / mask.sum(1)

    def derivative(self, values, mask):
        return mask.to(values.dtype) / mask.sum(1, keepdim=True)


class SmoothMax(Combination):
    """``ΔG = −(1/t) ln Σ exp(−t ΔG_n)``: a smooth minimum of ΔG with temperature ``t`` (see the module).

    Args:
        temperature: ``t > 0``; larger is closer to the hard minimum.
    """

    name = "max"

    def __init__(self, temperature: float = 1.0):
        if not temperature > 0:
            raise InvalidArgumentError(f"temperature must be > 0, not {temperature}")
        self.temperature = float(temperature)

    def _scaled(self, values, mask):
        return torch.where(mask, -self.temperature * values, _NEG)

    def combine(self, values, mask):
        return -torch.logsumexp(self._scaled(values, mask), dim=1) / self.temperature

    def derivative(self, values, mask):
        return torch.softmax(self._scaled(values, mask), dim=1)

    def __repr__(self) -> str:
        return f"SmoothMax(temperature={self.temperature})"


class Boltzmann(Combination):
    """``ΔG = Σ w_n ΔG_n`` with ``w_n = exp(−ΔG_n − Q)``, ``Q = ln Σ exp(−ΔG_i)``: the Boltzmann-weighted
    mean; ``∂ΔG/∂ΔG_n = w_n (1 − ΔG_n + ΔG)``."""

    name = "boltzmann"

    def _w(self, values, mask):
        return torch.softmax(torch.where(mask, -values, _NEG), dim=1)

    def combine(self, values, mask):
        return (self._w(values, mask) * torch.where(mask, values, 0.0)).sum(1)

    def derivative(self, values, mask):
        w = self._w(values, mask)
        combined = (w * torch.where(mask, values, 0.0)).sum(1, keepdim=True)
        return torch.where(mask, w * (1 - values + combined), 0.0)


def combination(name: str, temperature: float = 1.0) -> Combination:
    """``"mean"``, ``"max"`` (smooth, with ``temperature``) or ``"boltzmann"``."""
    check_choice("combination", name, COMBINATIONS)
    if name == "mean":
        return Mean()
    if name == "max":
        return SmoothMax(temperature)
    return Boltzmann()


LN10 = math.log(10.0)


def pk_to_dg(pk: torch.Tensor) -> torch.Tensor:
    """ΔG in kT units of an affinity in pK (``K = 10^-pK``, ``ΔG = kT ln K = −pK ln 10``)."""
    return -LN10 * pk


def dg_to_pk(dg: torch.Tensor) -> torch.Tensor:
    """The affinity in pK of ΔG in kT units (inverse of :func:`pk_to_dg`)."""
    return -dg / LN10
