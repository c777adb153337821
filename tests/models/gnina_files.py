"""GNINA 1.3's model files in the shared data, and real grids to run them on."""

from __future__ import annotations

import pytest
import torch

from voxbind import GridMaker
from voxbind.atomtypes import default_ligand_typer, default_receptor_typer, read_typed_molecule

from ..conftest import SHARED_COMPLEXES, shared_data

#: GNINA 1.3's default ensemble, then ``fast``.
DEFAULT = ("dense_1.3", "dense_1.3_PT_KD_3", "crossdock_default2018_KD_4")
FAST = "all_default_to_default_1.3_1"


def model_file(name: str):
    path = shared_data() / "gnina-models" / f"{name}.pt"
    if not path.is_file():
        pytest.skip(f"GNINA 1.3 model file {path} not found")
    return path


def real_grids() -> torch.Tensor:
    """Two real 28×48³ grids of 1a30: the crystal ligand, and the ligand shifted by 1.5 Å."""
    root = shared_data()
    receptor_file, ligand_file = (root / p for p in SHARED_COMPLEXES["1a30"])
    receptor = read_typed_molecule(receptor_file, default_receptor_typer())
    ligand = read_typed_molecule(ligand_file, default_ligand_typer())
    center = torch.as_tensor(ligand.coords.mean(0))
    gm = GridMaker()
    out = []
    for shift in (0.0, 1.5):
        parts = [
            gm(center, torch.as_tensor(a.coords) + shift * (a is ligand), torch.as_tensor(a.types),
               torch.as_tensor(a.radii), a.num_channels)
            for a in (receptor, ligand)
        ]  # fmt: skip
        out.append(torch.cat(parts))
    return torch.stack(out)
