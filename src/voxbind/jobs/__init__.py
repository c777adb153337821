"""The jobs users run, above the data pipeline and the models: scoring poses with GNINA's CNNs, gridding
a complex into DX maps, converting structures to GNINA's formats, and the built-in demonstration."""

from .conversion import convert_to_gninatypes
from .demo import DemoReport, run_demo
from .example import example_complex
from .gridding import GridReport, grid_to_dx
from .scoring import PoseScore, combined_affinity, score_poses

__all__ = [
    "DemoReport",
    "GridReport",
    "PoseScore",
    "combined_affinity",
    "convert_to_gninatypes",
    "example_complex",
    "grid_to_dx",
    "run_demo",
    "score_poses",
]
