"""``voxbind minimize``: refining docked poses on GNINA's CNN with its atom gradients."""

from __future__ import annotations

import sys

import click

from ._poses import model_option, pose_jobs, pose_options


@click.command()
@pose_options("refine")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Refined poses (.sdf, .sdf.gz), or a table of the results (.csv, .jsonl).",
)
@model_option()
@click.option(
    "--steps",
    default=50,
    type=click.IntRange(min=1),
    help="Most steps per pose (each one forward and backward of the model; L-BFGS).",
)
@click.option("--batch-size", default=8, type=click.IntRange(min=1), help="Poses refined together.")
@click.option("--tolerance", default=1e-4, type=click.FloatRange(min=0), help="Stop below this gradient.")
@click.option("--pose-weight", default=1.0, type=click.FloatRange(min=0), help="Weight of −log CNNscore.")
@click.option(
    "--affinity-weight", default=0.0, type=click.FloatRange(min=0), help="Weight of −CNNaffinity (pK)."
)
@click.option(
    "--clash-weight",
    default=1.0,
    type=click.FloatRange(min=0),
    help="Weight of the intramolecular repulsion (per Å²).",
)
@click.option("--device", default="cpu", help="Where to grid and run the model: cpu, cuda, ...")
def minimize(receptor, ligand, pairs, example, output, resume, model, steps, batch_size, tolerance,
             pose_weight, affinity_weight, clash_weight, device, threads) -> None:  # fmt: skip
    """Refine each pose on GNINA's CNN: position, orientation and rotatable-bond torsions move downhill on
    −log CNNscore (GNINA's refinement loss) by its exact gradient, the receptor fixed; bond lengths and
    angles stay as given. Writes the refined poses with CNNscore and CNNaffinity before and after,
    minimizedRMSD, the objective and the steps taken.

    Results are written as they are produced (an interrupted run finishes with --resume), and under
    'torchrun --nproc_per_node=N -m voxbind minimize ...' each process refines its share.
    """
    from ..jobs.minimizing import minimize as run

    jobs = pose_jobs(receptor, ligand, pairs, example)
    weights = {"pose_weight": pose_weight, "affinity_weight": affinity_weight, "clash_weight": clash_weight}
    options = {"steps": steps, "tolerance": tolerance, "device": device, **weights}
    summary = run(
        jobs, output, model, batch_size=batch_size, resume=resume, threads=threads,
        progress=sys.stderr.isatty(), **options,
    )  # fmt: skip
    if summary is None:  # not the first of several processes: that one reports
        return
    if summary.model:
        click.echo(f"model {summary.model}")
    click.echo(
        f"{summary.poses} poses: {summary.refined} refined, {summary.skipped} skipped"
        + (f"; {summary.resumed} from the interrupted run" if summary.resumed else "")
        + f" ({summary.seconds:.1f} s); wrote {output}"
    )
