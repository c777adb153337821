"""Pose refinement on GNINA's CNN: does it bring perturbed crystal poses back, and what does a step cost?

    .venv/bin/python benchmarks/bench_refine.py [--seeds 3] [--steps 50] [--model crossdock_default2018]

Usefulness: each crystal ligand (the shared data's PDB + SDF complexes, posebusters' examples) is perturbed
(a random translation of up to 2 Å, a rotation of up to 30° about its centre, every rotatable bond turned
by up to 60°; ``--seeds`` draws), refined with :class:`voxbind.jobs.PoseRefiner`, and its heavy-atom RMSD to
the crystal pose (same atom order, no symmetry) is reported before and after, per complex (median over the
seeds) and over everything. Cost: the time of one refinement step (the objective's forward and backward:
ligand grid, CNN, atom and pose-variable gradients) for one pose and for a batch of 8, against one forward +
backward of the CNN alone on a batch of the same size (pooled grids).
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from bench_grid import machine
from rdkit import Chem

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data"

from voxbind.atomtypes import default_receptor_typer, read_typed_molecule  # noqa: E402
from voxbind.io import Molecule, read_molecule  # noqa: E402
from voxbind.jobs import LigandPose, PoseRefiner  # noqa: E402
from voxbind.models import predict  # noqa: E402


def complexes() -> list[tuple[str, Path, Path]]:
    """``(name, receptor, crystal ligand)`` of every complex found here."""
    found = []
    structs = SHARED / "gnina-testdata" / "structs"
    for pdb in ("187l", "1a30", "1ado", "1aj7", "1b3g"):
        found.append((pdb, structs / pdb / f"{pdb}_rec.pdb", structs / pdb / f"{pdb}_ligand.sdf"))
    for pdb in ("10gs", "184l"):
        found.append(
            (pdb, SHARED / "gnina-extra" / f"{pdb}_rec.pdb", SHARED / "gnina-extra" / f"{pdb}_lig.sdf")
        )
    try:
        import posebusters

        root = Path(posebusters.__file__).parent / "datasets" / "pdb"
        for pdb in ("1ia1", "1of6", "1s3v", "1uou"):
            found.append(
                (pdb, root / pdb / f"{pdb}_protein_one_lig_removed.pdb", root / pdb / f"{pdb}_ligand.sdf")
            )
    except ImportError:
        pass
    return [c for c in found if c[1].is_file() and c[2].is_file()]


def perturbation(pose: LigandPose, rng: np.random.Generator):
    """Random pose variables: translation ≤ 2 Å, rotation ≤ 30°, each torsion within ±60°."""
    direction, axis = rng.normal(size=3), rng.normal(size=3)
    t = direction / np.linalg.norm(direction) * rng.uniform(0, 2.0)
    w = axis / np.linalg.norm(axis) * math.radians(rng.uniform(0, 30))
    q = np.radians(rng.uniform(-60, 60, pose.num_torsions))
    return [torch.as_tensor(v, dtype=torch.float64) for v in (t, w, q)]


def moved(molecule: Molecule, coords: np.ndarray) -> Molecule:
    mol = Chem.Mol(molecule.rdmol)
    conformer = mol.GetConformer()
    for k, xyz in enumerate(coords.tolist()):
        conformer.SetAtomPosition(k, xyz)
    return Molecule(mol, molecule.name, molecule.source, molecule.properties)


def rmsd(a: np.ndarray, b: np.ndarray, heavy: np.ndarray) -> float:
    return float(np.sqrt(((a[heavy] - b[heavy]) ** 2).sum(1).mean()))


def usefulness(refiner: PoseRefiner, seeds: int) -> None:
    print(
        "| complex | torsions | RMSD before (Å) | RMSD after (Å) | CNNscore before → after | seeds improved |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    befores, afters = [], []
    for name, receptor_path, ligand_path in complexes():
        receptor = read_typed_molecule(receptor_path, default_receptor_typer())
        crystal = read_molecule(ligand_path)
        pose = LigandPose(crystal.rdmol)
        heavy = crystal.heavy
        rows = []
        for seed in range(seeds):
            start = pose.coordinates(*perturbation(pose, np.random.default_rng([seed, 17]))).numpy()
            result = refiner.refine(receptor, moved(crystal, start))
            after = result.molecule.GetConformer().GetPositions()
            rows.append((rmsd(start, pose.coords, heavy), rmsd(after, pose.coords, heavy), *result.cnn_score))
        before = statistics.median(r[0] for r in rows)
        after = statistics.median(r[1] for r in rows)
        befores += [r[0] for r in rows]
        afters += [r[1] for r in rows]
        scores = f"{statistics.median(r[2] for r in rows):.2f} → {statistics.median(r[3] for r in rows):.2f}"
        better = sum(r[1] < r[0] for r in rows)
        print(f"| {name} | {pose.num_torsions} | {before:.2f} | {after:.2f} | {scores} | {better}/{seeds} |")
    improved = sum(a < b for a, b in zip(afters, befores, strict=True))
    medians = f"{statistics.median(befores):.2f} | {statistics.median(afters):.2f}"
    print(f"| **all ({len(befores)} runs)** | | {medians} | | {improved}/{len(befores)} |")


def step_cost(refiner: PoseRefiner, repeats: int = 10) -> None:
    """Time of one refinement step (objective forward and backward, every pose's variables' gradients)
    for one pose and for a batch of 8 perturbed copies, against one forward + backward of the CNN alone
    (gradient to its input grid) on a batch of the same size."""
    name, receptor_path, ligand_path = complexes()[1]
    receptor = read_typed_molecule(receptor_path, default_receptor_typer())
    crystal = read_molecule(ligand_path)
    pose = LigandPose(crystal.rdmol)
    side = refiner.gridmaker.points_per_side // refiner.pool
    for size in (1, 8):
        starts = [
            moved(crystal, pose.coordinates(*perturbation(pose, np.random.default_rng([k, 5]))).numpy())
            for k in range(size)
        ]
        _, evaluate = refiner.batch_objective([(receptor, m) for m in starts])

        def step(evaluate=evaluate, size=size):
            variables = [
                [torch.zeros(n, dtype=torch.float64, requires_grad=True) for n in (3, 3, pose.num_torsions)]
                for _ in range(size)
            ]
            evaluate(variables)[:, 0].sum().backward()

        grids = torch.rand(size, 28, side, side, side, requires_grad=True)

        def cnn(grids=grids):
            out = predict(refiner.net, grids, refiner.pool > 1)
            (out.pose_logits.sum() + out.affinity.sum()).backward()

        timings = {}
        for label, fn in (("step", step), ("cnn", cnn)) * 2:  # alternated, the last round kept
            fn()
            start = time.perf_counter()
            for _ in range(repeats):
                fn()
            timings[label] = (time.perf_counter() - start) / repeats * 1e3
        ours, cnn_ms = timings["step"], timings["cnn"]
        print(f"{size} pose(s) ({name}, {pose.num_torsions} torsions): refinement step {ours:.1f} ms, "
              f"CNN forward + backward {cnn_ms:.1f} ms, ratio {ours / cnn_ms:.2f}")  # fmt: skip


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--model", default="crossdock_default2018")
    parser.add_argument("--max-move", type=float, default=0.3, help="largest change of a variable per step")
    parser.add_argument("--cost-only", action="store_true", help="time the steps; skip the redocking runs")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    print(f"machine: {machine()}; {args.model}, at most {args.steps} steps, max move {args.max_move}")
    refiner = PoseRefiner(args.model, steps=args.steps, max_move=args.max_move)
    step_cost(refiner)
    if not args.cost_only:
        usefulness(refiner, args.seeds)


if __name__ == "__main__":
    sys.exit(main())
