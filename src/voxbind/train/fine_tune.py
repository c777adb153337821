"""Fine-tuning: a training run that starts from a trained model (``init_from``)."""

from __future__ import annotations

from ..errors import ConfigError
from ..jobs.model_inputs import has_default_maps
from ..models import ARCHITECTURES, Ensemble, load_model, model_info
from .config import TrainConfig


def starting_weights(config: TrainConfig) -> tuple[dict, TrainConfig]:
    """The weights (a state dict) of the model ``config.init_from`` names (see
    :func:`~voxbind.models.load_model`: a published name, a GNINA TorchScript file or a voxbind
    checkpoint), and ``config`` with that model's architecture and grid in place of its own.

    Raises:
        ConfigError: an ensemble, a graph that is none of voxbind's architectures, or channel maps other
            than GNINA's defaults (the training data are typed with those).
        WeightsError: the model cannot be loaded.
    """
    model = load_model(config.init_from)
    if isinstance(model, Ensemble):
        raise ConfigError(f"init_from {config.init_from!r} is an ensemble: fine-tune one of its models")
    architecture = next((name for name, kind in ARCHITECTURES.items() if type(model) is kind), None)
    if architecture is None:
        raise ConfigError(
            f"init_from {config.init_from!r}: its graph is none of voxbind's architectures "
            f"({', '.join(ARCHITECTURES)}), so it can score but not be trained here"
        )
    info = model_info(model)
    if not has_default_maps(info):
        raise ConfigError(
            f"init_from {config.init_from!r} takes other channels than GNINA's default ones, which "
            "training types its examples with"
        )
    return model.state_dict(), config.replace(
        model=architecture, resolution=info.resolution, dimension=info.dimension
    )
