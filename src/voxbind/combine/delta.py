"""The delta strategy: a pose's binding free energy as the complex's energy less its parts',
``ΔG = G(complex) − G(receptor) − G(ligand)``, with one network for all three or one each (the delta
model of mtenn / asapdiscovery).

The three inputs come from one grid of the typed complex: the receptor's channels come first and the
ligand's after them, as in GNINA's layout. The receptor alone is that grid with the ligand's channels
zeroed, and the ligand alone is the grid with the receptor's channels zeroed. A
:class:`DeltaModel` is a per-pose model like any other (``(P, C, n, n, n)`` → ``(P,)``), so it goes into
:class:`~voxbind.combine.MultiPoseModel` with every combination and memory strategy, and gradients reach
all three networks.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ..errors import InvalidArgumentError


class DeltaModel(nn.Module):
    """``ΔG = G_c(x) − G_r(x_receptor) − G_l(x_ligand)`` per pose.

    Args:
        complex_model: ``G_c``, a network of a ``(P, C, n, n, n)`` grid.
        receptor_channels: how many of the ``C`` channels are the receptor's (the first ones).
        receptor_model, ligand_model: ``G_r`` and ``G_l``; ``None`` uses ``complex_model`` (one shared
            network, mtenn's default).
        output: picks an energy ``(P,)`` (kT units) from a network's output (e.g. ``pose_dg`` for
            GNINA's models: ``−ln 10 × affinity``); ``None``: the output is that tensor.
    """

    def __init__(
        self,
        complex_model: nn.Module,
        receptor_channels: int,
        receptor_model: nn.Module | None = None,
        ligand_model: nn.Module | None = None,
        output: Callable | None = None,
    ):
        super().__init__()
        if receptor_channels < 1:
            raise InvalidArgumentError(f"receptor_channels must be >= 1, not {receptor_channels}")
        self.complex_model = complex_model
        self.receptor_model = receptor_model  # registered only when given: no duplicate parameters
        self.ligand_model = ligand_model
        self.receptor_channels = receptor_channels
        self.output = output

    def energy(self, model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        out = model(x)
        if self.output is not None:
            out = self.output(out)
        if not isinstance(out, torch.Tensor):
            raise InvalidArgumentError("the network must return a tensor of energies (or pass output=)")
        return out.reshape(x.shape[0])

    def parts(self, grids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(G_c, G_r, G_l)``, each ``(P,)``, of ``(P, C, n, n, n)`` complex grids."""
        c = self.receptor_channels
        if grids.dim() < 2 or grids.shape[1] <= c:
            raise InvalidArgumentError(
                f"the grids need more than the receptor's {c} channels, not shape {tuple(grids.shape)}"
            )
        channel = torch.arange(grids.shape[1], device=grids.device).view(1, -1, *([1] * (grids.dim() - 2)))
        receptor = torch.where(channel < c, grids, torch.zeros_like(grids))
        ligand = torch.where(channel >= c, grids, torch.zeros_like(grids))
        complex_energy = self.energy(self.complex_model, grids)
        receptor_energy = self.energy(self.receptor_model or self.complex_model, receptor)
        ligand_energy = self.energy(self.ligand_model or self.complex_model, ligand)
        return complex_energy, receptor_energy, ligand_energy

    def forward(self, grids: torch.Tensor) -> torch.Tensor:
        complex_energy, receptor_energy, ligand_energy = self.parts(grids)
        return complex_energy - receptor_energy - ligand_energy
