"""Readouts: what an assay measures, from a free energy ΔG in kT units (per pose or combined).

A binding free energy ``ΔG = ln K`` (kT units) gives the inhibition constant's ``pKi = −log10 Ki =
−ΔG / ln 10``. An IC50 measured in a competitive assay with substrate at concentration ``[S]`` and
Michaelis constant ``Km`` relates to Ki by Cheng and Prusoff's equation ``IC50 = Ki (1 + [S]/Km)``, so
``pIC50 = −ΔG / ln 10 − log10(1 + [S]/Km)``. An assay without ``[S]`` or ``Km`` (NaN) gets no correction.

Convert after combining: poses are combined as free energies (:mod:`voxbind.combine.combinations`),
never as pIC50 values.
"""

from __future__ import annotations

import torch
from torch import nn

from .._choices import READOUTS, check_choice
from .combinations import dg_to_pk


def pki(dg: torch.Tensor) -> torch.Tensor:
    """``pKi = −ΔG / ln 10`` of ΔG (any shape, kT units)."""
    return dg_to_pk(dg)


def cheng_prusoff_shift(substrate: torch.Tensor, km: torch.Tensor) -> torch.Tensor:
    """``log10(1 + [S]/Km)``: how far pIC50 lies below pKi in a competitive assay; 0 where ``[S]`` or
    ``Km`` is NaN (not given). Both in the same concentration unit (any shape, broadcast)."""
    shift = torch.log10(1 + substrate / km)
    return torch.where(torch.isnan(shift), torch.zeros_like(shift), shift)


def pic50(
    dg: torch.Tensor, substrate: torch.Tensor | None = None, km: torch.Tensor | None = None
) -> torch.Tensor:
    """``pIC50 = −ΔG / ln 10 − log10(1 + [S]/Km)`` (Cheng–Prusoff) of ΔG (kT units). ``substrate`` and
    ``km`` broadcast against ``dg`` (one value per compound for ``(B,)`` or ``(B, 1)`` against per-pose
    ``(B, N)``); without them, or where they are NaN, pIC50 equals pKi."""
    value = dg_to_pk(dg)
    if substrate is None or km is None:
        return value
    return value - cheng_prusoff_shift(substrate.to(value), km.to(value))


class Readout(nn.Module):
    """A readout as a module: ``"pki"`` or ``"pic50"`` (with the assay's ``[S]`` and ``Km``, see
    :func:`pic50`); ``forward(dg, substrate=None, km=None)``."""

    def __init__(self, kind: str = "pki"):
        super().__init__()
        check_choice("readout", kind, READOUTS)
        self.kind = kind

    def forward(
        self, dg: torch.Tensor, substrate: torch.Tensor | None = None, km: torch.Tensor | None = None
    ) -> torch.Tensor:
        if self.kind == "pic50":
            return pic50(dg, substrate, km)
        return pki(dg)

    def extra_repr(self) -> str:
        return self.kind
