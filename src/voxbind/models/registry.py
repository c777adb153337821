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


def create_model(name: str, num_channels: int = 28, grid_size: int = 48) -> nn.Module:
    """A freshly initialised model of the named architecture (``default2017``, ``default2018``, ``dense``)."""
    try:
        factory = ARCHITECTURES[name.lower()]
    except KeyError:
        raise ValueError(
            f"unknown architecture {name!r}; known: {', '.join(sorted(ARCHITECTURES))}"
        ) from None
    return factory(num_channels=num_channels, grid_size=grid_size)
