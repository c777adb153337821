"""The example complex of ``voxbind score --example``: the Vina docking shipped with prolif's data."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click


def example_complex() -> tuple[Path, Path]:
    """``(receptor PDB, SDF with 9 docked poses)`` from the installed prolif package (not imported)."""
    spec = importlib.util.find_spec("prolif")
    if spec is None or not spec.submodule_search_locations:
        raise click.ClickException("the example complex comes with prolif: pip install --no-deps prolif")
    folder = Path(next(iter(spec.submodule_search_locations))) / "data" / "vina"
    receptor, ligand = folder / "rec.pdb", folder / "vina_output.sdf"
    if not (receptor.is_file() and ligand.is_file()):
        raise click.ClickException(f"prolif's example files are missing from {folder}")
    return receptor, ligand
