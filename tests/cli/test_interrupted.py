"""Commands killed at random moments leave every file complete and valid, or absent, or marked
incomplete (a hidden ``*.partial`` file); a killed training run resumes with each step logged once."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from voxbind.atomtypes import GNINA_TYPE_NAMES, GNINA_XS_RADII, MolCache2, TypedAtoms, write_gninatypes
from voxbind.train import load_checkpoint

from ..train.test_trainer import _synthetic

SEEDS = (0, 1, 2)


def _run(args: list[str], kill_after: float | None) -> subprocess.CompletedProcess | None:
    """``python -m voxbind ARGS``, killed (SIGKILL) after ``kill_after`` seconds unless it ends first."""
    command = [sys.executable, "-m", "voxbind", *args]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = process.communicate(timeout=kill_after)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.communicate()
        return None
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def _molecules(folder, count: int) -> str:
    """``count`` small GNINA-typed ligands and a receptor; the ``.types`` file naming them."""
    folder.mkdir()
    rng = np.random.default_rng(0)
    types = np.arange(20) % 28
    for k in ["rec", *range(count)]:
        atoms = TypedAtoms(
            rng.normal(size=(20, 3)).astype(np.float32), types, GNINA_XS_RADII[types], GNINA_TYPE_NAMES
        )
        write_gninatypes(folder / f"{k}.gninatypes", atoms)
    lines = "".join(f"1 6.0 rec.gninatypes {k}.gninatypes\n" for k in range(count))
    (folder / "all.types").write_text(lines)
    return str(folder / "all.types")


def _complete_cache(path, count: int) -> bool:
    """Whether ``path`` is a whole molcache2 file of ``count`` molecules, every one readable."""
    cache = MolCache2(path)
    return len(cache) == count and all(cache[name].num_atoms == 20 for name in cache)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_killed_cache_build_leaves_the_previous_caches_whole(tmp_path, seed):
    types = _molecules(tmp_path / "data", 6000)
    out = tmp_path / "caches"
    start = time.perf_counter()
    done = _run(["cache", types, "-o", str(out)], kill_after=None)
    duration = time.perf_counter() - start
    assert done is not None
    assert done.returncode == 0, done.stderr
    before = {name: (out / name).read_bytes() for name in ("rec.molcache2", "lig.molcache2")}
    moment = np.random.default_rng(seed).uniform(0.6, 0.95) * duration  # mostly while writing
    killed = _run(["cache", types, "-o", str(out)], kill_after=moment)
    assert killed is None or killed.returncode == 0
    for name, content in before.items():
        assert (out / name).read_bytes() == content  # the same complete file (a rebuild writes the same)
    assert _complete_cache(out / "rec.molcache2", 1)
    assert _complete_cache(out / "lig.molcache2", 6000)
    leftovers = [p.name for p in out.iterdir() if p.name not in before]
    assert all(name.startswith(".") and name.endswith(".partial") for name in leftovers), leftovers


@pytest.mark.parametrize("seed", SEEDS)
def test_a_killed_training_run_leaves_valid_files_and_resumes_logging_each_step_once(tmp_path, seed):
    train = str(_synthetic(tmp_path / "train", 32, 0))
    options = tmp_path / "run.toml"
    options.write_text(
        'resolution = 1.0\ndimension = 15.0\nbatch_size = 4\noptimizer = "adam"\nlr = 0.001\n'
        "checkpoint_every = 2\ntranslate = 1.0\n"
    )
    out = tmp_path / "run"
    args = ["train", train, "--config", str(options), "--steps", "30", "-o", str(out)]
    start = time.perf_counter()
    _run([*args, "-o", str(tmp_path / "timed")], kill_after=None)  # (the last -o wins)
    moment = np.random.default_rng(seed).uniform(0.4, 0.95) * (time.perf_counter() - start)
    _run(args, kill_after=moment)
    checkpoint = out / "checkpoint.pt"
    step = 0
    if checkpoint.exists():
        step = int(load_checkpoint(checkpoint)["step"])  # complete: it loads
    if (out / "train.csv").exists():
        with open(out / "train.csv", newline="") as handle:
            logged = [int(row["step"]) for row in csv.DictReader(handle)]
        assert logged == list(range(1, len(logged) + 1))
        assert len(logged) >= step  # logs are written before the checkpoint
    resume = ["--resume", str(checkpoint)] if checkpoint.exists() else []
    finished = _run([*args, *resume], kill_after=None)
    assert finished is not None
    assert finished.returncode == 0, finished.stderr[-2000:]
    with open(out / "train.csv", newline="") as handle:
        assert [int(row["step"]) for row in csv.DictReader(handle)] == list(range(1, 31))
    assert int(load_checkpoint(checkpoint)["step"]) == 30
    for leftover in out.iterdir():
        assert not leftover.name.endswith(".partial") or leftover.name.startswith(".")
