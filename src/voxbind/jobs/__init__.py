"""The jobs users run, above the data pipeline and the models: scoring poses with GNINA's CNNs (streamed,
at screening scale), refining poses on them, gridding a complex into DX maps, converting structures to
GNINA's formats, docking (Vina's sampling and the CNN), exporting models to GNINA's format, and the built-in
demonstration."""

from .conversion import convert_to_gninatypes
from .demo import DemoReport, run_demo
from .dock_run import DockSummary, dock
from .docking import Box, DockedPose, Docker, ligand_from_smiles
from .example import example_complex
from .export import export_model
from .gridding import GridReport, grid_to_dx
from .ligand_pose import LigandPose
from .minimizing import MinimizeSummary, minimize
from .pose_stream import Pose, iter_poses, read_pairs_file
from .refinement import PoseRefiner, Refinement
from .rescoring import RescoreSummary, rescore
from .scoring import PoseScore, PoseScorer, combine_affinities, combined_affinity, iter_scores, score_poses
from .vina_score import VinaScore, VinaScorer

__all__ = [
    "Box",
    "DemoReport",
    "DockSummary",
    "DockedPose",
    "Docker",
    "GridReport",
    "LigandPose",
    "MinimizeSummary",
    "Pose",
    "PoseRefiner",
    "PoseScore",
    "PoseScorer",
    "Refinement",
    "RescoreSummary",
    "VinaScore",
    "VinaScorer",
    "combine_affinities",
    "combined_affinity",
    "convert_to_gninatypes",
    "dock",
    "example_complex",
    "export_model",
    "grid_to_dx",
    "iter_poses",
    "iter_scores",
    "ligand_from_smiles",
    "minimize",
    "read_pairs_file",
    "rescore",
    "run_demo",
    "score_poses",
]
