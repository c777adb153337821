"""GNINA's published weights, loaded from an installed copy of the ``gninatorch`` package.

The PyPI package ``gninatorch`` ships GNINA's trained models as PyTorch state dicts in
``gninatorch/weights/``. voxbind reads those files without importing ``gninatorch`` (importing it would
import ``molgrid``). Install them with::

    pip install --no-deps gninatorch

Layer names in those files are GNINA's, which are also the attribute names of voxbind's models; a file
whose names or shapes do not fit the architecture is refused.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import torch
from torch import nn

from ..errors import WeightsError
from .registry import create_model

#: GNINA model name → (architecture, input channels).
GNINA_MODELS: dict[str, tuple[str, int]] = {
    "default2017": ("default2017", 35),
    **{
        f"{kind}_default2018{suffix}": ("default2018", 28)
        for kind in ("redock", "general", "crossdock")
        for suffix in ("", "_1", "_2", "_3", "_4")
    },
    **{f"dense{suffix}": ("dense", 28) for suffix in ("", "_1", "_2", "_3", "_4")},
}


def gninatorch_weights_dir() -> Path:
    """The ``weights`` folder of the installed ``gninatorch`` package (found without importing it)."""
    spec = importlib.util.find_spec("gninatorch")
    if spec is None or not spec.submodule_search_locations:
        raise WeightsError(
            "GNINA's weights come with the gninatorch package: pip install --no-deps gninatorch"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "weights"
    if not folder.is_dir():
        raise WeightsError(f"the gninatorch package at {folder.parent} has no weights folder")
    return folder


def check_state_dict(model: nn.Module, state: dict, source: str) -> None:
    """Refuse a state dict whose names or shapes do not fit ``model`` (``num_batches_tracked`` aside)."""
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    given = {k: tuple(v.shape) for k, v in state.items() if isinstance(v, torch.Tensor)}
    missing = sorted(set(expected) - set(given))
    unexpected = sorted(set(given) - set(expected))
    shapes = sorted(k for k in set(expected) & set(given) if expected[k] != given[k])
    problems = []
    if missing:
        problems.append(f"missing {missing[:3]}{' ...' if len(missing) > 3 else ''}")
    if unexpected:
        problems.append(f"unexpected {unexpected[:3]}{' ...' if len(unexpected) > 3 else ''}")
    if shapes:
        k = shapes[0]
        problems.append(f"{len(shapes)} shape mismatch(es), e.g. {k}: file {given[k]}, model {expected[k]}")
    if problems:
        raise WeightsError(f"{source} does not fit {type(model).__name__}: " + "; ".join(problems))


#: Ensembles: a published model and its four retrained siblings (``_1`` … ``_4``), as GNINA ships them.
GNINA_ENSEMBLES: dict[str, tuple[str, ...]] = {
    f"{base}_ensemble": (base, *(f"{base}_{k}" for k in range(1, 5)))
    for base in ("redock_default2018", "general_default2018", "crossdock_default2018", "dense")
}


#: GNINA 1.3's ``default1.0``: the GNINA 1.0 default ensemble.
GNINA10_DEFAULT = (
    "dense",
    "general_default2018_3",
    "dense_3",
    "crossdock_default2018",
    "redock_default2018_2",
)


def load_gnina_model(name: str, *, weights_dir: str | os.PathLike | None = None) -> nn.Module:
    """GNINA's trained model ``name`` (e.g. ``"crossdock_default2018"``, ``"dense_3"``) in eval mode.

    Raises:
        WeightsError: unknown name, gninatorch not installed, or a weights file that does not fit.
    """
    if name not in GNINA_MODELS:
        known = ", ".join(sorted(GNINA_MODELS) + sorted(GNINA_ENSEMBLES))
        raise WeightsError(f"unknown GNINA model {name!r}; known: {known}")
    architecture, channels = GNINA_MODELS[name]
    folder = Path(weights_dir) if weights_dir is not None else gninatorch_weights_dir()
    path = folder / f"{name}.pt"
    if not path.is_file():
        raise WeightsError(f"{path}: no such weights file")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types for corrupt or foreign files
        raise WeightsError(f"{path}: not a PyTorch state dict ({err})") from err
    model = create_model(architecture, num_channels=channels)
    check_state_dict(model, state, str(path))
    model.load_state_dict(state)
    return model.eval()
