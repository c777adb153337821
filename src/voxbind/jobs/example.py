"""The example complex of ``voxbind score --example``: the Vina docking shipped with prolif's data."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ..errors import DependencyError, InvalidFileError


def example_complex() -> tuple[Path, Path]:
    """``(receptor PDB, SDF with 9 docked poses)`` from the installed prolif package (not imported).

    Raises:
        DependencyError: prolif is not installed.
        InvalidFileError: its example files are missing.
    """
    spec = importlib.util.find_spec("prolif")
    if spec is None or not spec.submodule_search_locations:
        raise DependencyError("the example complex comes with prolif: pip install --no-deps prolif")
    folder = Path(next(iter(spec.submodule_search_locations))) / "data" / "vina"
    receptor, ligand = folder / "rec.pdb", folder / "vina_output.sdf"
    for path in (receptor, ligand):
        if not path.is_file():
            raise InvalidFileError(path, "", "prolif's example file is missing")
    return receptor, ligand
