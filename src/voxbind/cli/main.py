"""The ``voxbind`` command."""

from __future__ import annotations

import logging

import click

from .. import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="voxbind")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """voxbind: differentiable molecular grids for protein–ligand deep learning."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@cli.command()
@click.option("--resolution", default=0.5, show_default=True, help="Grid spacing (Å).")
@click.option("--dimension", default=23.5, show_default=True, help="Cube side (Å).")
@click.option(
    "--backend",
    type=click.Choice(["auto", "numba", "reference"]),
    default="auto",
    show_default=True,
)
def demo(resolution: float, dimension: float, backend: str) -> None:
    """Grid a built-in molecule (4-hydroxybenzoic acid) and report what was done."""
    from ._demo import run_demo

    report = run_demo(resolution, dimension, backend)
    click.echo(f"molecule       4-hydroxybenzoic acid, {report.atoms} heavy atoms")
    click.echo(f"channels       {', '.join(report.channels)}")
    click.echo(
        f"grid           {' x '.join(map(str, report.shape))} at {resolution} Å, centred on the molecule"
    )
    click.echo(f"backend        {report.backend}")
    click.echo(f"forward        {report.forward_ms:.2f} ms")
    click.echo(f"backward       {report.backward_ms:.2f} ms  (d/dcoords of sum(grid²))")
    for name, total in report.channel_sums.items():
        click.echo(f"density sum    {name}: {total:.3f}")
    click.echo(f"peak density   {report.peak:.4f}")
    click.echo(f"|gradient|     {report.gradient_norm:.4f}")


def main() -> None:
    cli()
