"""Multi-pose combination: one affinity from many poses of a compound (mean, smooth max, Boltzmann),
trained without holding every pose's computation graph."""

from .combinations import Boltzmann, Combination, Mean, SmoothMax, combination, dg_to_pk, pk_to_dg
from .delta import DeltaModel
from .multipose import STRATEGIES, MultiPoseModel, MultiPoseOutput
from .readouts import Readout, cheng_prusoff_shift, pic50, pki

__all__ = [
    "STRATEGIES",
    "Boltzmann",
    "Combination",
    "DeltaModel",
    "Mean",
    "MultiPoseModel",
    "MultiPoseOutput",
    "Readout",
    "SmoothMax",
    "cheng_prusoff_shift",
    "combination",
    "dg_to_pk",
    "pic50",
    "pk_to_dg",
    "pki",
]
