"""Models by name."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from .default2017 import Default2017
from .default2018 import Default2018
from .dense import Dense

#: Architecture name → constructor ``(num_channels, grid_size) -> nn.Module``.
ARCHITECTURES: dict[str, Callable[..., nn.Module]] = {
    "default2017": Default2017,
    "default2018": Default2018,
    "dense": Dense,
}


def gnina_init(module: nn.Module) -> None:
    """GNINA's initialisation: uniform Xavier weights and zero biases for convolutions and linear layers."""
    for layer in module.modules():
        if isinstance(layer, (nn.Conv3d, nn.Linear)):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)


def create_model(name: str, num_channels: int = 28, grid_size: int = 48) -> nn.Module:
    """A model of the named architecture (``default2017``, ``default2018``, ``dense``) with GNINA's
    initialisation (:func:`gnina_init`)."""
    try:
        factory = ARCHITECTURES[name.lower()]
    except KeyError:
        raise ValueError(
            f"unknown architecture {name!r}; known: {', '.join(sorted(ARCHITECTURES))}"
        ) from None
    model = factory(num_channels=num_channels, grid_size=grid_size)
    gnina_init(model)
    return model
