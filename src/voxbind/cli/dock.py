"""``voxbind dock``: Vina's sampling, then GNINA's CNN."""

from __future__ import annotations

import sys

import click

from .._choices import CNN_SCORING
from ._poses import FILE, model_option


@click.command()
@click.option("-r", "--receptor", type=FILE, required=True, help="Receptor structure (PDB, mmCIF, ...).")
@click.option(
    "-l",
    "--ligand",
    type=FILE,
    multiple=True,
    help="Ligands (SDF, MOL2, ...; every record); repeat for more.",
)
@click.option("--smiles", multiple=True, help="A ligand as SMILES (embedded in 3D); repeat for more.")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="Poses: .sdf, .csv, .jsonl."
)
@click.option(
    "--autobox-ligand", type=FILE, help="Put the box around this file's atoms (e.g. a crystal ligand)."
)
@click.option(
    "--autobox-add", default=4.0, type=click.FloatRange(min=0), help="Å added on each side of that box."
)
@click.option("--center", type=(float, float, float), default=None, metavar="X Y Z", help="Box centre (Å).")
@click.option("--size", type=(float, float, float), default=None, metavar="X Y Z", help="Box size (Å).")
@click.option("--exhaustiveness", default=8, type=click.IntRange(min=1), help="Vina's search effort.")
@click.option("--num-modes", default=9, type=click.IntRange(min=1), help="Poses kept per ligand.")
@click.option("--seed", default=0, help="Seed of Vina's search and of SMILES embedding.")
@click.option(
    "--cpu",
    default=0,
    type=click.IntRange(min=0),
    help="Vina's threads (0: every core; 1 makes a seeded run reproducible).",
)
@click.option(
    "--cnn-scoring",
    type=click.Choice(CNN_SCORING),
    default="rescore",
    help="rescore: the CNN orders Vina's poses (GNINA's default); refinement: each pose is refined on the "
    "CNN first; none: Vina alone.",
)
@model_option()
@click.option("--device", default="cpu", help="Where the CNN runs: cpu, cuda, ...")
@click.option(
    "--jobs", default=1, type=click.IntRange(min=1), help="Ligands docked at once (one process each)."
)
@click.option("--resume", is_flag=True, help="Finish an interrupted run writing the same output.")
def dock(receptor, ligand, smiles, output, autobox_ligand, autobox_add, center, size, exhaustiveness,
         num_modes, seed, cpu, cnn_scoring, model, device, jobs, resume) -> None:  # fmt: skip
    """Dock ligands into RECEPTOR as GNINA does: AutoDock Vina samples poses in the box, GNINA's CNN
    rescores (or refines) them. Writes every ligand's poses, best first, with minimizedAffinity (Vina's
    score), CNNscore, CNNaffinity and CNN_VS. Each ligand's poses are kept as soon as it is docked: an
    interrupted run finishes with --resume. Needs the dock extra: pip install "voxbind[dock]"."""
    from ..jobs import Box
    from ..jobs import dock as run

    if (center is None) != (size is None):
        raise click.UsageError("give both --center and --size, or --autobox-ligand")
    if (center is None) == (autobox_ligand is None):
        raise click.UsageError("give the box: --autobox-ligand FILE, or --center and --size")
    box = Box(center, size) if center is not None else None
    summary = run(
        receptor, output, ligands=ligand, smiles=smiles, box=box, autobox_ligand=autobox_ligand,
        autobox_add=autobox_add, model=model, cnn_scoring=cnn_scoring, exhaustiveness=exhaustiveness,
        num_modes=num_modes, seed=seed, cpu=cpu, device=device, jobs=jobs, resume=resume,
        progress=sys.stderr.isatty(),
    )  # fmt: skip
    if summary.model:
        click.echo(f"model {summary.model}")
    click.echo(
        f"{summary.ligands} ligands: {summary.docked} docked, {summary.skipped} skipped; "
        f"{summary.poses} poses"
        + (f"; {summary.resumed} from the interrupted run" if summary.resumed else "")
        + f" ({summary.seconds:.1f} s); wrote {output}"
    )
