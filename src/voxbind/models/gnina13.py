"""GNINA 1.3's models by name: its TorchScript files, found on a search path.

GNINA 1.3 builds its model files (``dense_1.3.pt``, ``crossdock_default2018_KD_4.pt``, ...) into its binary
and names them with dots as underscores (``dense_1_3``). voxbind does not ship them; it finds them in the
folders of ``$VOXBIND_GNINA_MODELS`` (separated like ``PATH``), then in ``~/.cache/voxbind/gnina-models``.
Copy GNINA's ``gninasrc/lib/models/*.pt`` there to use them by name:

- ``"default"``: GNINA 1.3's default ensemble, ``dense_1_3``, ``dense_1_3_PT_KD_3`` and
  ``crossdock_default2018_KD_4``;
- ``"fast"``: ``all_default_to_default_1_3_1``;
- any one model by its GNINA name, and ``"<prefix>_ensemble"``: every file whose name starts with the prefix.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import WeightsError

#: GNINA 1.3's named selections (``cnn_torch_scorer.cpp``).
GNINA13_SELECTIONS: dict[str, tuple[str, ...]] = {
    "default": ("dense_1_3", "dense_1_3_PT_KD_3", "crossdock_default2018_KD_4"),
    "fast": ("all_default_to_default_1_3_1",),
}

#: The environment variable naming the folders that hold GNINA 1.3's model files.
MODELS_VARIABLE = "VOXBIND_GNINA_MODELS"


def gnina13_folders() -> list[Path]:
    """Where GNINA 1.3's model files are looked for, in order."""
    given = [Path(p) for p in os.environ.get(MODELS_VARIABLE, "").split(os.pathsep) if p]
    return [*given, Path.home() / ".cache" / "voxbind" / "gnina-models"]


def gnina13_files() -> dict[str, Path]:
    """GNINA name (the file's stem, dots as underscores) → file, for every ``.pt`` file on the search
    path (the first folder holding a name wins)."""
    found: dict[str, Path] = {}
    for folder in gnina13_folders():
        if folder.is_dir():
            for path in sorted(folder.glob("*.pt")):
                found.setdefault(path.stem.replace(".", "_"), path)
    return found


def find_gnina13(name: str) -> list[Path] | None:
    """The files of the GNINA 1.3 models that ``name`` selects, or ``None`` when it is not a GNINA 1.3
    name here.

    Raises:
        WeightsError: ``name`` is one of GNINA's selections and a model's file is not on the search path.
    """
    files = gnina13_files()
    if name in files:
        return [files[name]]
    if name in GNINA13_SELECTIONS:
        wanted = GNINA13_SELECTIONS[name]
        missing = [n for n in wanted if n not in files]
        if missing:
            folders = ", ".join(str(f) for f in gnina13_folders())
            raise WeightsError(
                f"GNINA 1.3 model file(s) for {', '.join(missing)} not found in {folders}: copy GNINA's "
                f"gninasrc/lib/models/*.pt there, or name their folder in ${MODELS_VARIABLE}"
            )
        return [files[n] for n in wanted]
    if name.endswith("_ensemble"):
        prefix = name.removesuffix("_ensemble")
        return [files[n] for n in sorted(files) if n.startswith(prefix)] or None
    return None
