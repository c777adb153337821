"""Rescoring throughput: read + type + grid + CNN (Default2018, crossdock weights) per pose, voxbind against
gnina-torch + libmolgrid, and voxbind's peak memory at two pose counts.

    .venv/bin/python benchmarks/bench_score.py [--poses 1000] [--batch-size 4] [--oracle-python PATH]
                                               [--memory 2000,20000] [--no-processes]

The poses are prolif's 9 Vina poses of one receptor, repeated with random displacements of about 0.1 Å
(``tests/jobs/screening.py``). voxbind scores them from one SDF with ``voxbind score -o`` (one process, then
two under ``torchrun``), each run timed by its own summary (model loading, reading the receptor and
writing the output included). gnina-torch (in the oracle environment, ``gninatorch_score_side.py``) scores
the same poses from one file each, as its ``.types`` input needs, through libmolgrid's ExampleProvider
(receptor cached) and GridMaker, timed from loading the model to the last batch. The CNN's own time per
pose (a forward pass over random grids, batch by batch, as each side runs it: voxbind's on grids made
already pooled by Default2018's first layer) is measured on each side, and the rest of the per-pose time
is reported beside it (voxbind's model run as scoring runs it: two batches at once on a CPU with two
threads or more). A last row gives voxbind's time per pose at scale, where the per-run costs (the model,
the receptor) no longer count: the slope between scoring 50 poses and all of them in one process.
``--memory`` runs voxbind's streaming at two pose counts with a stand-in model on GNINA's 48³ grid and
reports each run's peak RSS. Results go in ``RESULTS.md``.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import torch
from bench_grid import find_oracle, machine, run_side

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from tests.jobs.screening import sdf_records, write_screen  # noqa: E402

from voxbind.jobs import example_complex  # noqa: E402

SUMMARY = re.compile(r"(\d+) poses: (\d+) scored .*\(([\d.]+) s, ([\d.]+) poses/s\)")

MEMORY = """
import resource, sys
from tests.jobs.screening import ChannelSums, write_screen
from voxbind.jobs import PoseScorer, example_complex, rescore
receptor, ligand = example_complex()
write_screen(ligand, sys.argv[1], int(sys.argv[2]))
rescore([(receptor, sys.argv[1])], [sys.argv[1] + ".scored.sdf"], PoseScorer(ChannelSums()), batch_size=16)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def steady_state(receptor: Path, screen: Path, folder: Path, batch_size: int, reps: int = 6) -> dict:
    """voxbind's per-pose time at scale, without the per-run costs (loading the model, reading and typing
    the receptor): the slope of ``iter_scores``'s time between the first 50 poses of ``screen`` and all of
    them, with the CNN's own time per pose beside it (on batches of the same shape: the forward's time
    does not depend on the values), in one process, the runs interleaved and the fastest of ``reps``
    kept (this machine's speed drifts by ±15 % between runs)."""
    from voxbind.jobs import PoseScorer, iter_scores
    from voxbind.jobs._model_threads import default_model_threads, ordered_runs

    scorer = PoseScorer("crossdock_default2018")
    records = sdf_records(screen)
    small = folder / "first50.sdf"
    small.write_text("".join(records[:50]))
    grids = torch.rand(batch_size, 28, 24, 24, 24)

    def drain(items) -> None:
        collections.deque(items, maxlen=0)

    def timed(work) -> tuple[float, float]:
        """``(wall, CPU)`` seconds of ``work()``, the CPU time of every thread of this process."""
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        return time.perf_counter() - wall, time.process_time() - cpu

    def run(path: Path) -> tuple[float, float]:
        return timed(lambda: drain(iter_scores([(receptor, path)], scorer, batch_size=batch_size)))

    def cnn() -> tuple[float, float]:  # the model run as scoring runs it: on its default model threads
        batches = ((None, grids) for _ in range(-(-len(records) // batch_size)))
        threads = default_model_threads(scorer.device)
        return timed(lambda: drain(ordered_runs(scorer.run, batches, threads)))

    run(small)
    times: dict[str, list[tuple[float, float]]] = {"small": [], "all": [], "cnn": []}
    for _ in range(reps):
        times["small"].append(run(small))
        times["all"].append(run(screen))
        times["cnn"].append(cnn())
    slope = len(records) - 50
    wall = {k: [w for w, _ in v] for k, v in times.items()}
    cpu = {k: sorted(c for _, c in v)[len(v) // 2] for k, v in times.items()}  # medians
    per_pose = (min(wall["all"]) - min(wall["small"])) / slope * 1e3
    # each repetition's own share: its runs follow each other, so part of the machine's drift cancels
    shares = [
        1 - (cnn / len(records)) / ((every - small) / slope)
        for small, every, cnn in zip(wall["small"], wall["all"], wall["cnn"], strict=True)
    ]
    return {
        "per_pose": per_pose,
        "cnn": min(wall["cnn"]) / len(records) * 1e3,
        "shares": shares,
        "cpu_per_pose": (cpu["all"] - cpu["small"]) / slope * 1e3,
        "cnn_cpu": cpu["cnn"] / len(records) * 1e3,
    }


def voxbind_run(command: list[str], folder: Path) -> dict:
    """Run ``voxbind score`` (or torchrun of it) and read its summary line."""
    process = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    match = SUMMARY.search(process.stdout)
    if process.returncode or not match:
        raise SystemExit(f"{' '.join(command)} failed:\n{process.stdout}\n{process.stderr}")
    poses, scored, seconds, _ = match.groups()
    return {"poses": int(poses), "scored": int(scored), "seconds": float(seconds)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poses", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--oracle-python", default=None)
    parser.add_argument("--memory", default="2000,20000", help="pose counts for the peak-RSS runs ('' skips)")
    parser.add_argument("--no-processes", action="store_true", help="skip the torchrun run")
    args = parser.parse_args(argv)
    receptor, ligand = example_complex()
    python = sys.executable
    print(f"machine: {machine()}; {args.poses} poses, batch {args.batch_size}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        screen = folder / "screen.sdf"
        write_screen(ligand, screen, args.poses)
        base = ["score", "-r", str(receptor), "-l", str(screen), "--batch-size", str(args.batch_size)]
        runs = {
            "voxbind, 1 process": voxbind_run(
                [python, "-m", "voxbind", *base, "-o", str(folder / "a.sdf")], folder
            )
        }
        if not args.no_processes:
            torchrun = [str(Path(python).parent / "torchrun"), "--standalone", "--nproc_per_node=2"]
            command = [*torchrun, "-m", "voxbind", *base, "-o", str(folder / "b.sdf")]
            runs["voxbind, 2 processes (torchrun)"] = voxbind_run(command, folder)
        steady = steady_state(receptor, screen, folder, args.batch_size)
        ours_cnn = steady["cnn"]
        oracle = find_oracle(args.oracle_python)
        theirs = None
        if oracle is None:
            print("oracle environment not found: gnina-torch's side skipped")
        else:
            types = folder / "poses.types"
            with open(types, "w") as handle:
                for k, record in enumerate(sdf_records(screen)):
                    path = folder / f"pose{k}.sdf"
                    path.write_text(record)
                    handle.write(f"{receptor} {path}\n")
            theirs = run_side(oracle, "gninatorch_score_side.py", [types], [args.batch_size], quiet=True)
        print("| pipeline | poses/s | ms per pose | CNN ms per pose | the rest, ms (share) |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, run in runs.items():
            per_pose = run["seconds"] / run["poses"] * 1e3
            cnn = ours_cnn if "1 process" in name else None
            rest = f"{per_pose - cnn:.1f} ({(per_pose - cnn) / per_pose:.0%})" if cnn else ""
            print(f"| {name} | {1e3 / per_pose:.1f} | {per_pose:.1f} | {cnn or '':.4} | {rest} |")
        at_scale, rest = steady["per_pose"], steady["per_pose"] - steady["cnn"]
        print(f"| voxbind at scale (1 process, per-run costs left out) | {1e3 / at_scale:.1f} | "
              f"{at_scale:.1f} | {steady['cnn']:.1f} | {rest:.1f} ({rest / at_scale:.0%}) |")  # fmt: skip
        shares = sorted(steady["shares"])
        print(f"the rest at scale, each repetition's runs paired: median {statistics.median(shares):.0%}, "
              f"{shares[0]:.0%} to {shares[-1]:.0%} over {len(shares)} repetitions")  # fmt: skip
        busy, model = steady["cpu_per_pose"], steady["cnn_cpu"]
        print(f"CPU time per pose at scale (all threads, medians): {busy:.2f} ms, the CNN's {model:.2f} ms, "
              f"the rest {busy - model:.2f} ms ({(busy - model) / busy:.0%})")  # fmt: skip
        if theirs:
            per_pose = theirs["seconds"] / theirs["poses"] * 1e3
            rest = per_pose - theirs["cnn_ms"]
            print(f"| gnina-torch + libmolgrid | {1e3 / per_pose:.1f} | {per_pose:.1f} | "
                  f"{theirs['cnn_ms']:.1f} | {rest:.1f} ({rest / per_pose:.0%}) |")  # fmt: skip
            ours = runs["voxbind, 1 process"]
            ratio = (theirs["seconds"] / theirs["poses"]) / (ours["seconds"] / ours["poses"])
            print(f"voxbind / gnina-torch, 1 process: {ratio:.2f}x")
        if args.memory:
            peaks = {}
            for count in map(int, args.memory.split(",")):
                out = subprocess.run(
                    [python, "-c", MEMORY, str(folder / f"memory{count}.sdf"), str(count)],
                    cwd=ROOT, capture_output=True, text=True, check=True,
                )  # fmt: skip
                peaks[count] = int(out.stdout.split()[-1]) / 1024
                print(f"peak RSS, {count} poses (stand-in model, 48³ grids): {peaks[count]:.0f} MiB")
            low, high = min(peaks), max(peaks)
            print(f"peak RSS ratio {high}/{low} poses: {peaks[high] / peaks[low]:.2f}")
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")  # the subprocesses
    warnings.simplefilter("ignore")  # this one (the at-scale runs read the receptor here)
    main()
