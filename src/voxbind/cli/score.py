"""``voxbind score``: rescoring docked poses with GNINA's CNNs."""

from __future__ import annotations

import sys

import click

from .._choices import COMBINATIONS
from ._poses import model_option, pose_jobs, pose_options


@click.command()
@pose_options("score")
@click.option(
    "-o",
    "--output",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Write the scored poses: .sdf (GNINA's tags), .csv or .jsonl, .gz too; repeat for several.",
)
@click.option("--sort", "sort_key", help="Sort the output by this tag (CNNscore, CNN_VS, an input tag).")
@click.option("--ascending", is_flag=True, help="Sort ascending (e.g. by minimizedAffinity).")
@model_option()
@click.option("--rotations", default=0, type=click.IntRange(min=0), help="Average over K random rotations.")
@click.option("--seed", default=0, help="Seed of the rotations.")
@click.option("--device", default="cpu", help="Where to grid and score: cpu, cuda, cuda:1, ...")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    help="Poses per forward pass.  [default: 4 on a CPU, where a few poses' activations stay in cache; 16 "
    "on a GPU]",
)
@click.option(
    "--model-threads",
    type=click.IntRange(min=1),
    help="Batches the model runs at once, each with its share of the CPU threads.  [default: 2 on a CPU "
    "with 2 threads or more, else 1]",
)
@click.option("--json", "as_json", is_flag=True, help="Without -o: one JSON record per pose (GNINA's keys).")
@click.option(
    "--vina",
    is_flag=True,
    help="Also give Vina's score of each pose as it stands (minimizedAffinity, as gnina --score_only).",
)
@click.option(
    "--combine",
    "combine_name",
    type=click.Choice(COMBINATIONS),
    help="One affinity per compound (all poses without -o), combined as free energies (ΔG = −ln(10)·pK kT).",
)
@click.option("--compound-key", default="name", help="With --combine and -o: the tag naming a compound.")
@click.option(
    "--temperature",
    default=1.0,
    type=click.FloatRange(min=0, min_open=True),
    help="Temperature of the smooth max.",
)
def score(receptor, ligand, pairs, example, output, resume, sort_key, ascending, model, rotations, seed,
          device, batch_size, model_threads, threads, as_json, vina, combine_name, compound_key,
          temperature) -> None:  # fmt: skip
    """Score poses with GNINA's CNN: CNNscore (probability of a good pose), CNNaffinity (pK), CNN_VS and,
    for ensembles, CNNaffinity_variance.

    With -o, poses stream through in batches, results are written as they are produced (an interrupted
    run finishes with --resume), and under 'torchrun --nproc_per_node=N -m voxbind score ...' each
    process scores its share. Without -o, a table (or JSON lines) is printed.
    """
    jobs = pose_jobs(receptor, ligand, pairs, example)
    settings = {
        "rotations": rotations,
        "seed": seed,
        "batch_size": batch_size,
        "device": device,
        "vina": vina,
        "model_threads": model_threads,
    }
    if output:
        _write(jobs, output, model, settings, resume, sort_key, ascending, threads,
               combine_name, compound_key, temperature)  # fmt: skip
    else:
        if example and not as_json:
            click.echo(f"receptor {jobs[0][0]}\nposes    {jobs[0][1]}")
        _print(jobs, model, settings, as_json, combine_name, temperature)


def _write(jobs, output, model, settings, resume, sort_key, ascending, threads, combine_name, compound_key,
           temperature) -> None:  # fmt: skip
    from ..jobs import rescore

    summary = rescore(
        jobs, output, model, **settings, resume=resume, sort=sort_key, ascending=ascending,
        combine=combine_name, compound_key=compound_key, temperature=temperature, threads=threads,
        progress=sys.stderr.isatty(),
    )  # fmt: skip
    if summary is None:  # not the first of several processes: that one reports
        return
    rate = summary.scored / summary.seconds if summary.seconds else 0.0
    if summary.model:
        click.echo(f"model {summary.model}")
    click.echo(
        f"{summary.poses} poses: {summary.scored} scored ({summary.flagged} flagged), "
        f"{summary.not_scored} not scorable, {summary.unreadable} unreadable records skipped"
        + (f"; {summary.resumed} from the interrupted run" if summary.resumed else "")
        + f" ({summary.seconds:.1f} s, {rate:.1f} poses/s)"
    )
    for path, count in summary.outputs.items():
        click.echo(f"wrote {path} ({count} records)")


def _print(jobs, model, settings, as_json, combine_name, temperature) -> None:
    import json

    from ..jobs import PoseScorer, combine_affinities, iter_scores
    from ..models import describe_model

    scorer = PoseScorer(model, **{k: settings[k] for k in ("rotations", "seed", "device")})
    if not as_json:
        click.echo(f"model    {describe_model(scorer.net)}")
    results = []
    header = False
    options = {k: settings[k] for k in ("batch_size", "vina", "model_threads")}
    options["bad_receptor"] = "raise"
    for r in iter_scores(jobs, scorer, **options):
        results.append(r.cnn_affinity if r.scored else None)
        if as_json:
            click.echo(json.dumps(r.as_gnina()))
            continue
        if not header:
            vina = f"  {'minimizedAffinity':>17}" if settings["vina"] else ""
            variance = "  CNNaffinity_variance" if r.cnn_variance is not None else ""
            columns = f"{'CNNscore':>8}  {'CNNaffinity':>11}  {'CNN_VS':>8}"
            click.echo(f"{'pose':>4}{vina}  {columns}{variance}  name")
            header = True
        vina = f"  {r.vina:17.3f}" if r.vina is not None else ""
        if not r.scored:
            click.echo(f"{r.pose:>4}{vina}  not scored: {r.problem}  {r.name}")
            continue
        extra = f"  {r.cnn_variance:20.4f}" if r.cnn_variance is not None else ""
        flag = f"  [{r.problem}]" if r.problem else ""
        line = f"{r.pose:>4}{vina}  {r.cnn_score:8.4f}  {r.cnn_affinity:11.4f}  {r.cnn_vs:8.4f}{extra}"
        click.echo(f"{line}  {r.name}{flag}")
    if combine_name:
        scored = [a for a in results if a is not None]
        combined = combine_affinities(scored, combine_name, temperature)
        if as_json:
            click.echo(json.dumps({"combined": combine_name, "poses": len(scored), "CNNaffinity": combined}))
        else:
            click.echo(f"combined ({combine_name} of {len(scored)} poses): CNNaffinity {combined:.4f}")
