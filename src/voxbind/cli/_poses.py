"""The pose input shared by ``voxbind score`` and ``voxbind minimize``."""

from __future__ import annotations

import click

#: An input file that must exist.
FILE = click.Path(exists=True, dir_okay=False)


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
