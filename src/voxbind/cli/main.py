"""The ``voxbind`` command."""

from __future__ import annotations

import logging
import warnings

import click

from .. import __version__
from ..errors import VoxbindError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="voxbind")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """voxbind: differentiable molecular grids for protein–ligand deep learning."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.captureWarnings(True)  # reading warnings as log lines, not Python warning dumps
    warnings.formatwarning = lambda message, category, *_, **__: f"{category.__name__}: {message}"


@cli.command()
@click.option("--resolution", default=0.5, show_default=True, help="Grid spacing (Å).")
@click.option("--dimension", default=23.5, show_default=True, help="Cube side (Å).")
@click.option(
    "--backend",
    type=click.Choice(["auto", "numba", "triton", "reference"]),
    default="auto",
    show_default=True,
)
@click.option("--device", default="cpu", show_default=True, help="Where to grid: cpu, cuda, cuda:1, ...")
def demo(resolution: float, dimension: float, backend: str, device: str) -> None:
    """Grid a built-in molecule (4-hydroxybenzoic acid) and report what was done."""
    from ._demo import run_demo

    report = run_demo(resolution, dimension, backend, device)
    click.echo(f"molecule       4-hydroxybenzoic acid, {report.atoms} heavy atoms")
    click.echo(f"channels       {', '.join(report.channels)}")
    click.echo(
        f"grid           {' x '.join(map(str, report.shape))} at {resolution} Å, centred on the molecule"
    )
    click.echo(f"backend        {report.backend} on {report.device}")
    click.echo(f"forward        {report.forward_ms:.2f} ms")
    click.echo(f"backward       {report.backward_ms:.2f} ms  (d/dcoords of sum(grid²))")
    for name, total in report.channel_sums.items():
        click.echo(f"density sum    {name}: {total:.3f}")
    click.echo(f"peak density   {report.peak:.4f}")
    click.echo(f"|gradient|     {report.gradient_norm:.4f}")


@cli.command()
@click.argument("receptor", type=click.Path(exists=True, dir_okay=False))
@click.argument("ligand", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", "prefix", required=True, help="Prefix of the .dx files written.")
@click.option("--pose", default=1, show_default=True, help="Ligand pose (1-based) to center on and grid.")
@click.option("--resolution", default=0.5, show_default=True, help="Grid spacing (Å).")
@click.option("--dimension", default=23.5, show_default=True, help="Cube side (Å).")
@click.option(
    "--receptor-map", type=click.Path(exists=True, dir_okay=False), help="GNINA map file for the receptor."
)
@click.option(
    "--ligand-map", type=click.Path(exists=True, dir_okay=False), help="GNINA map file for the ligand."
)
def grid(receptor, ligand, prefix, pose, resolution, dimension, receptor_map, ligand_map) -> None:
    """Grid RECEPTOR + LIGAND (GNINA typing, 14 + 14 channels) centered on the ligand.

    Writes one DX file per channel: PREFIX_rec_<channel>.dx and PREFIX_lig_<channel>.dx.
    """
    import torch

    from ..atomtypes import DEFAULT_LIGAND_MAP, DEFAULT_RECEPTOR_MAP, ChannelMap, combine
    from ..grid import GridMaker
    from ..io import write_dx_channels
    from ._structures import load_typed

    rec_map = ChannelMap.from_file(receptor_map) if receptor_map else DEFAULT_RECEPTOR_MAP
    lig_map = ChannelMap.from_file(ligand_map) if ligand_map else DEFAULT_LIGAND_MAP
    rec, _ = load_typed(receptor, rec_map)
    lig, count = load_typed(ligand, lig_map, pose - 1)
    if lig.num_atoms == 0:
        raise click.ClickException(f"{ligand}: no typed ligand atoms to center on")
    both = combine(rec, lig)
    center = lig.centroid()
    gmaker = GridMaker(resolution, dimension)
    coords, types, radii = both.tensors()
    values = gmaker(torch.as_tensor(center, dtype=torch.float32), coords, types, radii, both.num_channels)
    names = [f"rec_{n}" for n in rec.channel_names] + [f"lig_{n}" for n in lig.channel_names]
    paths = write_dx_channels(prefix, values.numpy(), center, resolution, names)
    click.echo(
        f"{rec.num_atoms} receptor + {lig.num_atoms} ligand atoms (pose {pose} of {count}); "
        f"grid {' x '.join(map(str, values.shape))} centered on "
        f"({center[0]:.3f}, {center[1]:.3f}, {center[2]:.3f}); wrote {len(paths)} files {prefix}_*.dx"
    )


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False),
    help="Where to write (default: next to each input).",
)
def convert(inputs, output_dir) -> None:
    """Convert structure files to .gninatypes (GNINA's 28 types, hydrogens included): one file per pose,
    named STEM_K.gninatypes with K counting from 0, as GNINA's gninatyper does."""
    from pathlib import Path

    from ..atomtypes import GninaTyper, read_typed_molecules
    from ..io import write_gninatypes
    from ..io._source import SUFFIXES

    typer = GninaTyper()
    for path in inputs:
        source = Path(path)
        stem = source.name[:-3] if source.name.lower().endswith(".gz") else source.name
        stem = Path(stem).stem if Path(stem).suffix.lower() in SUFFIXES else stem
        folder = Path(output_dir) if output_dir else source.parent
        folder.mkdir(parents=True, exist_ok=True)
        typed = read_typed_molecules(source, typer)
        for k, atoms in enumerate(typed):
            write_gninatypes(folder / f"{stem}_{k}.gninatypes", atoms)
        click.echo(f"{path}: {len(typed)} pose(s) -> {folder / stem}_*.gninatypes")


@cli.command()
@click.argument("types_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o", "--output-dir", type=click.Path(file_okay=False), required=True, help="Folder to write to."
)
@click.option(
    "--data-root", type=click.Path(file_okay=False), help="Folder the molecule names are relative to."
)
@click.option("--num-labels", type=int, help="Label columns (default: the leading numeric columns).")
@click.option("--group", is_flag=True, help="The first column is a group id.")
def cache(types_file, output_dir, data_root, num_labels, group) -> None:
    """Build rec.molcache2 and lig.molcache2 for the molecules of TYPES_FILE (GNINA's format: use them
    with ComplexDataset(..., molcaches=[...]) or with GNINA/libmolgrid)."""
    from ._cache import build_caches

    counts = build_caches(types_file, output_dir, data_root=data_root, num_labels=num_labels, group=group)
    for name, count in counts.items():
        click.echo(f"{output_dir}/{name}: {count} molecules")


@cli.command()
@click.option("-r", "--receptor", type=click.Path(exists=True, dir_okay=False))
@click.option("-l", "--ligand", type=click.Path(exists=True, dir_okay=False), help="Poses.")
@click.option(
    "--example",
    is_flag=True,
    help="Score the 9 Vina poses shipped with the prolif package (pip install prolif).",
)
@click.option(
    "--model",
    default="crossdock_default2018",
    show_default=True,
    help="A published GNINA model (dense, general_default2018_3, ...) or ensemble (dense_ensemble, ...).",
)
@click.option("--rotations", default=0, show_default=True, help="Average over K random rotations.")
@click.option("--seed", default=0, show_default=True, help="Seed of the rotations.")
@click.option("--json", "as_json", is_flag=True, help="One JSON record per pose (GNINA's keys).")
@click.option(
    "--combine",
    "combine_name",
    type=click.Choice(["mean", "max", "boltzmann"]),
    help="Also report one affinity over all poses (combined as free energies, ΔG = −ln(10)·pK kT).",
)
@click.option("--temperature", default=1.0, show_default=True, help="Temperature of the smooth max.")
def score(receptor, ligand, example, model, rotations, seed, as_json, combine_name, temperature) -> None:
    """Score every pose of LIGAND in RECEPTOR with GNINA's CNN: CNNscore (probability of a good pose),
    CNNaffinity (pK) and, for ensembles, CNNvariance."""
    import json

    from ..models import score_poses

    if example:
        from ._example import example_complex

        receptor, ligand = example_complex()
        if not as_json:
            click.echo(f"receptor {receptor}\nposes    {ligand}")
    elif not (receptor and ligand):
        raise click.UsageError("give -r RECEPTOR and -l LIGAND, or --example")

    results = score_poses(receptor, ligand, model, rotations=rotations, seed=seed)
    combined = None
    if combine_name:
        import torch

        from ..combine import combination, dg_to_pk, pk_to_dg

        affinities = torch.tensor([[r.cnn_affinity for r in results]], dtype=torch.float64)
        combined = float(dg_to_pk(combination(combine_name, temperature)(pk_to_dg(affinities)))[0])
    if as_json:
        for result in results:
            click.echo(json.dumps(result.as_gnina()))
        if combined is not None:
            click.echo(json.dumps({"combined": combine_name, "poses": len(results), "CNNaffinity": combined}))
        return
    variance = results[0].cnn_variance is not None
    click.echo(
        f"{'pose':>4}  {'CNNscore':>8}  {'CNNaffinity':>11}"
        + ("  CNNvariance" if variance else "")
        + "  name"
    )
    for r in results:
        extra = f"  {r.cnn_variance:11.4f}" if variance else ""
        click.echo(f"{r.pose:>4}  {r.cnn_score:8.4f}  {r.cnn_affinity:11.4f}{extra}  {r.name}")
    if combined is not None:
        click.echo(f"combined ({combine_name} of {len(results)} poses): CNNaffinity {combined:.4f}")


@cli.command()
@click.argument("train_types", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--test", "test_types", type=click.Path(exists=True, dir_okay=False), help="Held-out .types file."
)
@click.option(
    "--config", "config_file", type=click.Path(exists=True, dir_okay=False), help="TOML or YAML options."
)
@click.option("--model", help="Architecture: default2018, default2017 or dense.")
@click.option(
    "--data-root", type=click.Path(file_okay=False), help="Folder the molecule names are relative to."
)
@click.option("--steps", type=int, help="Training iterations.")
@click.option("--batch-size", type=int, help="Global batch size.")
@click.option("--lr", type=float, help="Learning rate.")
@click.option("--optimizer", type=click.Choice(["sgd", "adam"]))
@click.option("--seed", type=int)
@click.option("--device", help="cpu, cuda, cuda:1, ...")
@click.option("-o", "--output", help="Folder for checkpoints, logs and plots.")
@click.option("--resume", type=click.Path(exists=True, dir_okay=False), help="Continue from this checkpoint.")
@click.option(
    "--combine",
    type=click.Choice(["mean", "max", "boltzmann"]),
    help="Train one affinity per group of poses (the .types files have a group column).",
)
@click.option("--temperature", type=float, help="Temperature of the smooth max.")
@click.option("--max-poses", type=int, help="Poses per group (padded or cut).")
@click.option(
    "--pose-files",
    is_flag=True,
    default=None,
    help="With --combine: no group column; each line's last file (e.g. an SDF) holds the compound's poses.",
)
@click.option(
    "--strategy",
    type=click.Choice(["full", "split", "recompute", "auto"]),
    help="Multi-pose memory strategy.",
)
def train(train_types, test_types, config_file, resume, **overrides) -> None:
    """Train a GNINA-style model on TRAIN_TYPES. Options come from --config and are overridden by the
    command line; run under `torchrun --nproc_per_node=N -m voxbind train ...` for several processes."""
    from ..train import MultiPoseTrainer, TrainConfig, Trainer
    from ._distributed import distributed

    config = TrainConfig.from_file(config_file) if config_file else TrainConfig()
    config = config.replace(train=train_types, test=test_types, **overrides)
    with distributed(config.device):
        trainer = (MultiPoseTrainer if config.combine else Trainer)(config)
        if resume:
            trainer.resume(resume)
        trainer.run()
        if trainer.rank == 0:
            click.echo(f"trained to step {trainer.step}; checkpoint and logs in {config.output}")


@cli.command("evaluate")
@click.argument("checkpoint", type=click.Path(exists=True, dir_okay=False))
@click.argument("types_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--data-root", type=click.Path(file_okay=False), help="Folder the molecule names are relative to."
)
def evaluate_command(checkpoint, types_file, data_root) -> None:
    """Pose AUC, balanced accuracy and affinity RMSE / Pearson / Spearman of a saved model on TYPES_FILE."""
    import torch

    from ..train import TrainConfig, Trainer

    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    config = TrainConfig.from_mapping(state["config"]).replace(train=types_file, test="", data_root=data_root)
    trainer = Trainer(config)
    trainer.model.load_state_dict(state["model"])
    for name, value in trainer.evaluate(trainer.train_set).items():
        click.echo(f"{name:18} {value:.4f}")


def main() -> None:
    try:
        cli(standalone_mode=False)
    except click.exceptions.Abort:
        raise SystemExit(1) from None
    except click.ClickException as err:
        err.show()
        raise SystemExit(err.exit_code) from None
    except VoxbindError as err:  # bad input: say what and where, without a traceback
        click.echo(f"Error: {err}", err=True)
        raise SystemExit(2) from None
