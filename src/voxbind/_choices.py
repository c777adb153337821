"""Named choices of options, each list defined once.

The modules that own a choice validate against these tuples, and the training configuration and the
command line offer them. Nothing here imports PyTorch or RDKit, so the command line can build its
options (and answer ``--help``) quickly.
"""

from __future__ import annotations

from .errors import InvalidArgumentError

#: Gridding backends (:class:`voxbind.GridMaker`'s ``backend=``).
BACKENDS = ("auto", "reference", "numba", "triton")
#: Combinations of per-pose free energies (:func:`voxbind.combine.combination`).
COMBINATIONS = ("mean", "max", "boltzmann")
#: Multi-pose memory strategies (:class:`voxbind.combine.MultiPoseModel`).
STRATEGIES = ("full", "split", "recompute", "auto")
#: Assay readouts of a free energy (:class:`voxbind.combine.Readout`).
READOUTS = ("pki", "pic50")
#: Qualifiers of a measured value: exact, or censored below or above.
QUALIFIERS = ("=", "<", ">")
#: Ways to split compounds into training, validation and test sets.
SPLITS = ("random", "scaffold", "temporal", "given")
#: Multi-pose model strategies: the complex's energy, or complex − receptor − ligand.
ENERGY_MODELS = ("complex", "delta", "delta_separate")
#: Model architectures (:func:`voxbind.models.create_model`).
ARCHITECTURES = ("default2017", "default2018", "dense")
#: What GNINA's CNN does with docked poses (``voxbind dock --cnn-scoring``).
CNN_SCORING = ("rescore", "refinement", "none")
#: Training samplers.
SAMPLERS = ("shuffle", "balanced", "receptor", "balanced_receptor")
#: Training optimisers.
OPTIMIZERS = ("sgd", "adam")
#: Affinity losses (:class:`voxbind.train.GninaLoss`).
AFFINITY_LOSSES = ("l2", "huber")
#: Epoch rules of the stratified samplers.
EPOCHS = ("at_most_once", "at_least_once")
#: What the readers do with hydrogens.
HYDROGENS = ("keep", "remove", "add")
#: What the readers do with a malformed record of a multi-record file.
RECORD_ERRORS = ("raise", "skip")
#: Which alternate locations the readers keep.
ALTLOCS = ("first", "all")


def check_choice(name: str, value: object, allowed: tuple) -> None:
    """Raise :class:`~voxbind.errors.InvalidArgumentError` unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise InvalidArgumentError(f"{name} must be one of {', '.join(map(repr, allowed))}, not {value!r}")
