"""The pose input shared by ``voxbind score`` and ``voxbind minimize``, and the model option of every
command that takes a model."""

from __future__ import annotations

import click

#: An input file that must exist.
FILE = click.Path(exists=True, dir_okay=False)


def pose_options(verb: str):
    """The options naming a job's poses (``-r``, ``-l``, ``--pairs``, ``--example``), and ``--resume`` and
    ``--threads`` of its streamed runs; ``verb`` says what the job does to the poses ("score")."""
    options = [
        click.option(
            "-r",
            "--receptor",
            type=FILE,
            help="Receptor structure (PDB, mmCIF, ...).  [required unless --pairs]",
        ),
        click.option(
            "-l",
            "--ligand",
            type=FILE,
            multiple=True,
            help=f"Poses to {verb}: SDF, Vina's PDBQT, MOL2 (.gz too); repeat for several files.",
        ),
        click.option("--pairs", type=FILE, help="A list file of 'receptor poses' lines, for many receptors."),
        click.option(
            "--example", is_flag=True, help=f"{verb.capitalize()} the 9 Vina poses shipped with prolif."
        ),
        click.option("--resume", is_flag=True, help="Finish an interrupted run writing the same output."),
        click.option(
            "--threads", type=click.IntRange(min=1), help="CPU threads per process.  [default: shared cores]"
        ),
    ]

    def decorate(command):
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


#: What ``--model`` (and ``train --init-from``) takes, everywhere.
MODEL_HELP = (
    "A published GNINA model (crossdock_default2018, dense, ...) or ensemble (dense_ensemble, default1.0; "
    "GNINA 1.3's default, fast, dense_1_3, ... with their files in $VOXBIND_GNINA_MODELS), a GNINA "
    "TorchScript file, a 'voxbind train' checkpoint, or a folder of model files."
)


def model_option(default: str = "crossdock_default2018"):
    """``--model`` (see :data:`MODEL_HELP`)."""
    return click.option("--model", default=default, help=MODEL_HELP)


def pose_jobs(receptor, ligand, pairs, example) -> list[tuple]:
    """``[(receptor, pose file), ...]`` from ``-r``/``-l``, ``--pairs`` or ``--example``.

    Raises:
        click.UsageError: none of them, or ``--pairs`` with ``-r``/``-l``.
    """
    from ..jobs import example_complex
    from ..jobs.pose_stream import read_pairs_file

    if example:
        receptor, poses = example_complex()
        ligand = (poses,)
    if pairs:
        if receptor or ligand:
            raise click.UsageError("give --pairs, or -r RECEPTOR with -l POSES, not both")
        return read_pairs_file(pairs)
    if receptor and ligand:
        return [(receptor, path) for path in ligand]
    raise click.UsageError("give -r RECEPTOR and -l LIGAND, --pairs FILE, or --example")
