"""Models by name."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from .. import _choices
from ..errors import InvalidArgumentError
from .default2017 import Default2017
from .default2018 import Default2018
from .dense import Dense

#: Architecture name → constructor ``(num_channels, grid_size) -> nn.Module``.
#: Architecture name → model class (the names are :data:`voxbind._choices.ARCHITECTURES`).
ARCHITECTURES: dict[str, Callable[..., nn.Module]] = dict(
    zip(_choices.ARCHITECTURES, (Default2017, Default2018, Dense), strict=True)
)


def gnina_init(module: nn.Module) -> None:
    """GNINA's initialisation: uniform Xavier weights and zero biases for convolutions and linear layers."""
    for layer in module.modules():
        if isinstance(layer, (nn.Conv3d, nn.Linear)):
            nn.init.xavier_uniform_(layer.weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)


def create_model(name: str, num_channels: int = 28, grid_size: int = 48) -> nn.Module:
    """A model of the named architecture (``default2017``, ``default2018``, ``dense``) with GNINA's
    initialisation (:func:`gnina_init`)."""
    try:
        factory = ARCHITECTURES[name.lower()]
    except KeyError:
        raise InvalidArgumentError(
            f"unknown architecture {name!r}; known: {', '.join(sorted(ARCHITECTURES))}"
        ) from None
    model = factory(num_channels=num_channels, grid_size=grid_size)
    gnina_init(model)
    return model
