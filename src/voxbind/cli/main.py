"""The ``voxbind`` command: parses options, calls the library, prints results.

Everything heavier than click is imported inside the command that needs it, so ``voxbind --help`` and
each command's ``--help`` answer without loading PyTorch or RDKit.
"""

from __future__ import annotations

import logging
import sys
import warnings

import click

from .. import __version__
from .._choices import ARCHITECTURES, BACKENDS, COMBINATIONS, OPTIMIZERS, STRATEGIES
from ..errors import VoxbindError
from ._poses import FILE
from .dock import dock
from .minimize import minimize
from .score import score

FOLDER = click.Path(file_okay=False)
SETTINGS = {"help_option_names": ["-h", "--help"], "show_default": True}


@click.group(context_settings=SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="voxbind")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """voxbind: differentiable molecular grids for protein–ligand deep learning."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.captureWarnings(True)  # reading warnings as log lines, not Python warning dumps
    warnings.formatwarning = lambda message, category, *_, **__: f"{category.__name__}: {message}"


@cli.command()
@click.option("--resolution", default=0.5, help="Grid spacing (Å).")
@click.option("--dimension", default=23.5, help="Cube side (Å).")
@click.option("--backend", type=click.Choice(BACKENDS), default="auto", help="Gridding backend.")
@click.option("--device", default="cpu", help="Where to grid: cpu, cuda, cuda:1, ...")
def demo(resolution: float, dimension: float, backend: str, device: str) -> None:
    """Grid a built-in molecule (4-hydroxybenzoic acid) and report what was done."""
    from ..jobs import run_demo

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
@click.argument("receptor", type=FILE)
@click.argument("ligand", type=FILE, required=False)
@click.option("-o", "--output", "prefix", required=True, help="Prefix of the .dx files written.")
@click.option("--pose", default=1, type=click.IntRange(min=1), help="Ligand pose (1-based) to grid.")
@click.option(
    "--center",
    type=(float, float, float),
    default=None,
    metavar="X Y Z",
    help="Grid centre (Å), e.g. a pocket without a ligand.  [default: the ligand pose's centroid]",
)
@click.option(
    "--resolution", default=0.5, type=click.FloatRange(min=0, min_open=True), help="Grid spacing (Å)."
)
@click.option("--dimension", default=23.5, type=click.FloatRange(min=0), help="Cube side (Å).")
@click.option(
    "--receptor-map", type=FILE, help="GNINA map file for the receptor.  [default: GNINA's 14 channels]"
)
@click.option(
    "--ligand-map", type=FILE, help="GNINA map file for the ligand.  [default: GNINA's 14 channels]"
)
def grid(receptor, ligand, prefix, pose, center, resolution, dimension, receptor_map, ligand_map) -> None:
    """Grid RECEPTOR and LIGAND (GNINA's typing: 14 + 14 channels) as one DX map per channel:
    PREFIX_rec_<channel>.dx and PREFIX_lig_<channel>.dx. Without LIGAND, give --center; only the
    receptor channels are written."""
    from ..jobs import grid_to_dx

    report = grid_to_dx(
        receptor, ligand, prefix, pose=pose, center=center, resolution=resolution, dimension=dimension,
        receptor_map=receptor_map, ligand_map=ligand_map,
    )  # fmt: skip
    x, y, z = report.center
    what = f" + {report.ligand_atoms} ligand atoms (pose {report.pose} of {report.poses})" if ligand else ""
    click.echo(
        f"{report.receptor_atoms} receptor atoms{what}; grid {' x '.join(map(str, report.shape))} "
        f"centred on ({x:.3f}, {y:.3f}, {z:.3f}); wrote {len(report.paths)} files {prefix}_*.dx"
    )


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=FILE)
@click.option("-o", "--output-dir", type=FOLDER, help="Where to write.  [default: next to each input]")
def convert(inputs, output_dir) -> None:
    """Convert structure files to .gninatypes (GNINA's 28 types, hydrogens included): one file per pose,
    named STEM_K.gninatypes with K counting from 0, as GNINA's gninatyper does."""
    from ..jobs import convert_to_gninatypes

    for path in inputs:
        written = convert_to_gninatypes(path, output_dir)
        pattern = written[0].with_name(written[0].name.replace("_0.gninatypes", "_*.gninatypes"))
        click.echo(f"{path}: {len(written)} pose(s) -> {pattern}")


@cli.command()
@click.argument("types_file", type=FILE)
@click.option("-o", "--output-dir", type=FOLDER, required=True, help="Folder to write to.")
@click.option(
    "--data-root",
    type=FOLDER,
    help="Folder the molecule names are relative to.  [default: the .types file's]",
)
@click.option(
    "--num-labels", type=click.IntRange(min=0), help="Label columns.  [default: the leading numeric columns]"
)
@click.option("--group", is_flag=True, help="The first column is a group id.")
@click.option(
    "--pose-files",
    is_flag=True,
    help="Each line's last molecule file holds several poses (e.g. Vina's PDBQT): cache each, as file#k.",
)
def cache(types_file, output_dir, data_root, num_labels, group, pose_files) -> None:
    """Build rec.molcache2 and lig.molcache2 for the molecules of TYPES_FILE (GNINA's format: use them
    with ComplexDataset(..., molcaches=[...]) or with GNINA/libmolgrid)."""
    from ..data import build_molcaches

    counts = build_molcaches(
        types_file, output_dir, data_root=data_root, num_labels=num_labels, group=group,
        pose_files=pose_files, progress=True,
    )  # fmt: skip
    for name, count in counts.items():
        click.echo(f"{output_dir}/{name}: {count} molecules")


def _train_option(*names, help: str, **options):
    """An option of ``voxbind train`` that overrides the configuration file; its help shows the default
    (:class:`~voxbind.train.TrainConfig`'s, which imports without PyTorch)."""
    from ..train.config import TrainConfig

    field = names[-1].lstrip("-").replace("-", "_")
    value = getattr(TrainConfig, field)
    shown = value if value != "" else "none"
    return click.option(*names, help=f"{help}  [default: {shown}, or --config's]", default=None, **options)


@cli.command()
@click.argument("train_types", type=FILE, required=False)
@click.option(
    "--test", "test_types", type=FILE, help="Held-out .types file, evaluated every eval_every steps."
)
@click.option("--config", "config_file", type=FILE, help="TOML or YAML file of options (see TrainConfig).")
@click.option(
    "--options",
    "show_options",
    is_flag=True,
    help="Print every option with its value (defaults, --config's, the command line's) and its meaning, "
    "as a TOML file --config reads, and exit.",
)
@_train_option(
    "--assay-table",
    type=FILE,
    help="Train on measured potencies instead: a CSV of compounds (see docs/assay-training.md).",
)
@_train_option("--poses", type=FOLDER, help="With --assay-table: the folder of each compound's poses.")
@_train_option("--receptor", type=FILE, help="With --assay-table: the compounds' receptor.")
@_train_option(
    "--patience", type=click.IntRange(min=0), help="Stop after this many evaluations without progress."
)
@_train_option("--model", type=click.Choice(ARCHITECTURES), help="Architecture.")
@_train_option(
    "--init-from",
    help="Start from a trained model: a published name, a GNINA TorchScript file or a voxbind checkpoint "
    "(its architecture and grid replace --model's).",
)
@_train_option("--data-root", type=FOLDER, help="Folder the molecule names are relative to.")
@_train_option("--steps", type=click.IntRange(min=1), help="Training iterations.")
@_train_option("--batch-size", type=click.IntRange(min=1), help="Global batch size (over all processes).")
@_train_option("--lr", type=click.FloatRange(min=0, min_open=True), help="Learning rate.")
@_train_option("--optimizer", type=click.Choice(OPTIMIZERS), help="Optimiser (SGD with momentum, or Adam).")
@_train_option("--seed", type=int, help="Seed of the weights, sampling and augmentation.")
@_train_option("--device", help="cpu, cuda, cuda:1, ...")
@_train_option("-o", "--output", help="Folder for checkpoints, logs and plots.")
@click.option("--resume", type=FILE, help="Continue from this checkpoint.")
@_train_option(
    "--combine",
    type=click.Choice(COMBINATIONS),
    help="Train one affinity per group of poses (the .types files have a group column).",
)
@_train_option(
    "--temperature", type=click.FloatRange(min=0, min_open=True), help="Temperature of the smooth max."
)
@_train_option("--max-poses", type=click.IntRange(min=1), help="Poses per group (padded or cut).")
@_train_option(
    "--pose-files",
    is_flag=True,
    help="With --combine: no group column; each line's last file (e.g. an SDF) holds the compound's poses.",
)
@_train_option("--strategy", type=click.Choice(STRATEGIES), help="Multi-pose memory strategy.")
def train(train_types, test_types, config_file, show_options, resume, **overrides) -> None:
    """Train a GNINA-style model on TRAIN_TYPES, or, with an assay table (--assay-table or the config's
    assay_table), one affinity per compound from its poses on measured potencies. Options come from
    --config and are overridden by the command line; run under `torchrun --nproc_per_node=N -m voxbind
    train ...` for several processes (.types training)."""
    from ..train import AssayTrainer, MultiPoseTrainer, TrainConfig, Trainer, distributed

    config = TrainConfig.from_file(config_file) if config_file else TrainConfig()
    config = config.replace(train=train_types, test=test_types, **overrides)
    if show_options:
        from ..train.config_help import describe_options

        click.echo(describe_options(config), nl=False)
        return
    if not config.train and not config.assay_table:
        raise click.UsageError("give TRAIN_TYPES, or an assay table (--assay-table or the config's)")
    with distributed(config.device):
        kind = AssayTrainer if config.assay_table else MultiPoseTrainer if config.combine else Trainer
        trainer = kind(config)
        if resume:
            trainer.resume(resume)
        trainer.run()
        rank, step = trainer.rank, trainer.step
        del trainer  # its model wraps the process group, which goes at the block's end
    if rank == 0:
        click.echo(f"trained to step {step}; checkpoint and logs in {config.output}")


@cli.command("evaluate")
@click.argument("model")
@click.argument("types_file", type=FILE)
@click.option(
    "--data-root", type=FOLDER, help="Folder the molecule names are relative to.  [default: the checkpoint's]"
)
@click.option("--device", default="cpu", help="cpu, cuda, cuda:1, ...")
@click.option(
    "--batch-size", default=50, type=click.IntRange(min=1), help="Examples per batch (not checkpoints)."
)
@click.option(
    "--pose-files",
    is_flag=True,
    help="Each line's last molecule file holds a compound's poses (e.g. Vina's PDBQT): each pose is an "
    "example with the line's labels.",
)
@click.option(
    "--combine",
    type=click.Choice(COMBINATIONS),
    help="With --pose-files: one affinity per line (compound) from its poses, combined as free energies.",
)
def evaluate_command(model, types_file, data_root, device, batch_size, pose_files, combine) -> None:
    """Metrics of MODEL on TYPES_FILE: pose AUC, balanced accuracy and affinity RMSE / Pearson / Spearman
    (per compound, for a multi-pose checkpoint or with --combine). MODEL is a checkpoint of 'voxbind
    train' (evaluated as its run was), a published GNINA model or ensemble, a GNINA TorchScript file, or a
    folder of them. A line naming a file of several poses needs --pose-files: each pose is then an
    example (pose metrics over all of them), or, with --combine, the line's poses are one compound."""
    from ..models import describe_model, is_checkpoint, load_model
    from ..train import evaluate_model

    if not is_checkpoint(model):  # loaded once, and a bad name fails before any example is read
        model = load_model(model)
    click.echo(f"model              {describe_model(model) if not isinstance(model, str) else model}")
    if combine and not pose_files:
        raise click.UsageError("--combine needs --pose-files (the poses of each line are one compound)")
    metrics = evaluate_model(
        model, types_file, data_root=data_root, device=device, batch_size=batch_size,
        pose_files=pose_files or None, combine=combine,
    )  # fmt: skip
    for name, value in metrics.items():
        click.echo(f"{name:18} {value:.4f}")


@cli.command("export")
@click.argument("model")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The .pt file to write.")
def export_command(model, output) -> None:
    """Write MODEL (a 'voxbind train' checkpoint, a published model or a GNINA TorchScript file) as GNINA's
    TorchScript model file: a traced module taking (1, C, n, n, n) grids and returning pose log-probabilities
    and the affinity, with GNINA's metadata (grid resolution and dimension, channel maps), for
    'gnina --cnn_model OUTPUT' or 'voxbind score --model OUTPUT'."""
    from ..jobs import export_model

    report = export_model(model, output)
    click.echo(f"wrote {output}: {report}")


cli.add_command(score)
cli.add_command(minimize)
cli.add_command(dock)


def main(argv: list[str] | None = None) -> None:
    """The ``voxbind`` command. Errors a user can cause are printed as one line (``Error: ...``) with
    exit status 2, never as a traceback."""
    try:
        cli(args=argv, standalone_mode=False)
    except click.exceptions.Abort:
        raise SystemExit(1) from None
    except click.UsageError as err:  # a bad option or argument: one line, and where to read more
        command = err.ctx.command_path if err.ctx is not None else "voxbind"
        _fail(f"{err.format_message()} (see '{command} --help')", err.exit_code)
    except click.ClickException as err:
        _fail(err.format_message(), err.exit_code)
    except VoxbindError as err:  # bad input: say what and where
        _fail(str(err), 2)
    except OSError as err:  # a file the command could not write or read (disk full, permissions)
        _fail(f"{getattr(err, 'filename', None) or ''}: {err.strerror or err}".lstrip(": "), 2)


def _fail(message: str, status: int) -> None:
    click.echo(f"Error: {' '.join(message.split())}", err=True)
    sys.exit(status)
