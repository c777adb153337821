"""Every GPU check and timing of one short lease, in one go, to one folder.

    # here, with the shared data, RDKit and PyPI at hand: the folders to carry to the GPU machine
    .venv/bin/python benchmarks/gpu_session.py prepare .gpu
    .venv/bin/python benchmarks/gpu_session.py prepare .gpu-oracle --oracle
    # on the GPU machine, two calls in one lease, each with its folder carried; results to $OUT there
    python3 benchmarks/gpu_session.py run .gpu-oracle --out "$OUT" --budget 330
    python3 benchmarks/gpu_session.py run .gpu --out "$OUT" --budget 440
    # here, a check of the script itself: CPU tensors, Triton's interpreter, small sizes, and the carried
    # wheels' packages taken from a folder where this Python's builds of them are installed
    .venv/bin/python benchmarks/gpu_session.py run .gpu --device cpu --out /tmp/gpu-check
    .venv/bin/python benchmarks/gpu_session.py run .gpu-oracle --device cpu --out /tmp/gpu-check \
        --site oracle-venv/lib/python3.11/site-packages

Both folders hold the benchmark batch of ``bench_gpu.py`` (64 typed complexes of ``small.types``), a screen of
poses in prolif's receptor, ``small.types`` with the ``.gninatypes`` files it names (packed with xz) and
gnina-torch with only the weights it runs (the oracle runs it; voxbind's jobs read GNINA's weights from it).
The first adds the wheels for CPython 3.12 that the GPU machine lacks for voxbind (RDKit, and Vina, meeko and
gemmi for docking; its image has PyTorch, Triton, numba, click, tqdm, SciPy and PyYAML); the second
(``--oracle``) molgrid 0.5.5 and numpy<2. With RDKit they would not fit in one call's 64 MiB. ``prepare``
prints each size.

``run`` installs the carried wheels into a folder of its own, unpacks the data outside the carried folder
and runs each step in its own process with its own time limit, so that a failing or slow step costs only
itself; each step's output goes to ``<out>/<step>.txt``, and ``<out>/summary.json`` holds every step's exit
status and seconds, written after each step. ``--budget`` bounds the whole call: a step's limit is cut to
what is left, and a step that would get under 20 s is skipped, so the results come back before the lease's
time runs out. gnina-torch + libmolgrid's call, run first since it holds the gridding figures:

- ``grid``: ``bench_gpu.py run`` with libmolgrid's CUDA GridMaker beside voxbind (forward throughput,
  double backward, gridding's share of a Default2018 step);
- ``oracle``: gnina-torch scoring the screen and training on ``small.types`` on the device.

voxbind's call, in order of need:

- ``tests``: the Triton tests (compiled on a GPU) and the backend parity tests;
- ``score``: ``voxbind score`` on the screen on the device, on the machine's CPU, and on the device shared by
  4 processes under torchrun (poses/s from each);
- ``train``: ``bench_train.py`` on ``small.types`` with the real data pipeline (4 loader workers), voxbind on
  the device;
- ``minimize``: ``voxbind minimize`` on the first poses of the screen, on the device and on the CPU;
- ``dock``: ``voxbind dock`` of one ligand with CNN refinement of Vina's poses, on the device and the CPU;
- ``train-cpu``: ``bench_train.py`` as in ``train`` for 40 steps on the machine's CPU.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data" / "gnina-testdata"
#: Packages the GPU machine's Python (3.12, PyTorch, Triton, numba, click, tqdm, SciPy) lacks, carried as
#: wheels at the versions here: RDKit, and docking's Vina, meeko and gemmi.
WHEELS = ["rdkit", "vina", "meeko", "gemmi"]
#: What gnina-torch + libmolgrid need there, carried in a lease of their own (with RDKit it would not fit).
ORACLE_WHEELS = ["molgrid==0.5.5", "numpy==1.26.4"]
GNINATORCH, KEPT_WEIGHTS = "gninatorch==0.0.2", "crossdock_default2018.pt"
PLATFORMS = [f"manylinux_2_{n}_x86_64" for n in (28, 27, 17)] + ["manylinux2014_x86_64"]
#: A step that would get fewer seconds than this from what is left of ``--budget`` is skipped.
SHORTEST_STEP = 20


def prepare(folder: Path, poses: int, oracle: bool) -> None:
    sys.path.insert(0, str(ROOT))
    from bench_gpu import prepare as prepare_batch
    from tests.jobs.screening import write_screen

    from voxbind.jobs import example_complex

    folder.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(folder / "gnina-testdata", ignore_errors=True)  # unpacked by an older run: 10 MB to carry
    prepare_batch(folder / "batch64.pt", 64)
    prepare_batch(folder / "batch2.pt", 2)  # for a check of this script on the CPU
    receptor, ligand = example_complex()
    shutil.copy(receptor, folder / "rec.pdb")
    write_screen(ligand, folder / "screen.sdf", poses)
    with open(folder / "screen.sdf", "rb") as plain, gzip.open(folder / "screen.sdf.gz", "wb") as packed:
        shutil.copyfileobj(plain, packed)  # a fifth of the size to carry
    (folder / "screen.sdf").unlink()
    names = {name for line in (DATA / "small.types").read_text().splitlines() for name in line.split()[3:5]}
    with tarfile.open(folder / "gnina-testdata.tar.xz", "w:xz") as packed:  # 9.7 MB of it as 4.3
        packed.add(DATA / "small.types", "gnina-testdata/small.types")
        for name in sorted(names):
            packed.add(DATA / "structs" / name, f"gnina-testdata/structs/{name}")
    wheels = folder / "wheels"
    shutil.rmtree(wheels, ignore_errors=True)  # one version of each
    platforms = [arg for p in PLATFORMS for arg in ("--platform", p)]
    pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:"]
    target = ["--python-version", "3.12", "--implementation", "cp", *platforms]
    wanted = ORACLE_WHEELS if oracle else [f"{name}=={importlib.metadata.version(name)}" for name in WHEELS]
    subprocess.run([*pip, *target, "-d", str(wheels), *wanted], check=True)
    # gnina-torch without the weights of the models not run (38 MB of them): the oracle runs it, and
    # voxbind's jobs read GNINA's weights from it
    shutil.rmtree(folder / "packages", ignore_errors=True)
    subprocess.run([*pip, "-d", str(folder), GNINATORCH], check=True)
    packed = next(folder.glob("gninatorch-*.whl"))
    with zipfile.ZipFile(packed) as wheel:
        for member in wheel.namelist():
            weights = member.startswith("gninatorch/weights/")
            if member.startswith("gninatorch/") and (not weights or member.endswith(f"/{KEPT_WEIGHTS}")):
                wheel.extract(member, folder / "packages")
    packed.unlink()
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    print(f"{folder}: {size / 2**20:.1f} MiB (a call carries at most 64 MiB with the repository)")


def steps(folder: Path, data: Path, device: str, oracle_site: Path | None) -> list[tuple[str, list, int]]:
    """``(name, command, seconds allowed)`` of each step, in the order run: with ``oracle_site`` (molgrid,
    numpy<2; an oracle folder), libmolgrid's and gnina-torch's; else voxbind's. ``data`` is the unpacked
    gnina-testdata folder. Small sizes for a check on the CPU."""
    python = sys.executable
    check = device == "cpu"
    me = [python, str(HERE / "gpu_session.py")]
    if oracle_site is not None:
        batch = folder / ("batch2.pt" if check else "batch64.pt")
        grid = [python, str(HERE / "bench_gpu.py"), "run", str(batch), "--device", device]
        if check:  # libmolgrid's side runs on CUDA alone
            grid += ["--dimension", "3.5", "--repeats", "1", "--cells", "--programs"]
        else:
            grid += ["--molgrid-path", str(oracle_site)]
        oracle = [*me, "oracle", str(folder), "--data", str(data), "--device", device]
        oracle += ["--site", str(oracle_site), "--steps", "12" if check else "300"]
        return [("grid", grid, 300 if check else 150), ("oracle", oracle, 900 if check else 300)]
    tests = [
        f"tests/grid/{name}"
        for name in ("test_triton.py", "test_triton_compile.py", "test_backend_parity.py")
    ]
    pytest = [python, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]
    if check:  # the interpreter is slow: leave out the float64 gradient checks
        pytest += ["-k", "not gradcheck"]
    elif importlib.util.find_spec("xdist"):  # compiling the kernels (Triton's, numba's) on several cores
        pytest += ["-n", "8"]
    train = [python, str(HERE / "bench_train.py"), "--data", str(data), "--seeds", "0", "--no-oracle"]
    train += ["--no-fine-tune"]
    on_device = [*train, "--steps", "12" if check else "300", "--workers", "2" if check else "4"]
    on_device += ["--device", device]
    job = [*me, "job", str(folder), "--device", device]
    score = [*job, "score", *(["--poses", "40", "--processes", "2"] if check else [])]
    minimize = [*job, "minimize", "--poses", "4" if check else "256", "--cpu-poses", "48"]
    dock = [*job, "dock", *(["--exhaustiveness", "1"] if check else [])]
    return [
        ("tests", pytest, 900 if check else 150),
        ("score", score, 300 if check else 75),
        ("train", on_device, 600 if check else 120),
        ("minimize", minimize, 300 if check else 75),
        ("dock", dock, 600 if check else 90),
    ] + ([] if check else [("train-cpu", [*train, "--steps", "40", "--device", "cpu"], 90)])


def run(folder: Path, out: Path, device: str, site: Path | None, only: list[str], budget: float) -> None:
    """Every step of ``folder``'s call (or those named in ``only``) within ``budget`` seconds in all; results
    to ``out``. ``site``: where this Python's builds of the carried wheels' packages are (a check off the
    GPU machine); without it the carried wheels are installed into a folder of this run's."""
    deadline = time.monotonic() + budget
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if device == "cpu":  # the Triton kernels under Triton's interpreter
        env["TRITON_INTERPRET"] = "1"
    oracle = any((folder / "wheels").glob("molgrid-*.whl"))
    work = Path(tempfile.mkdtemp(prefix="gpu-session-"))  # nothing is written into the carried folder
    try:
        with tarfile.open(folder / "gnina-testdata.tar.xz") as packed:
            packed.extractall(work, filter="data")
        if site is None:  # the GPU machine: no network, the carried wheels
            site = work / "site"
            pip = [sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-compile"]
            wheels = sorted((folder / "wheels").glob("*.whl"))
            subprocess.run([*pip, "--target", str(site), *map(str, wheels)], check=True)
        # voxbind from this tree (not installed there), GNINA's weights in the carried gnina-torch, RDKit
        # and the docking packages beside the image's. The oracle's packages (numpy<2) go only to the
        # processes that run molgrid and gnina-torch.
        paths = [ROOT / "src", folder / "packages"] + ([] if oracle else [site])
        env["PYTHONPATH"] = os.pathsep.join(map(str, paths))
        earlier = out / "summary.json"  # kept for the steps not rerun (--only)
        rerun = only and earlier.exists()
        summary: dict[str, dict] = json.loads(earlier.read_text())["steps"] if rerun else {}
        for name, command, limit in steps(folder, work / "gnina-testdata", device, site if oracle else None):
            if only and name not in only:
                continue
            limit = min(limit, int(deadline - time.monotonic()))
            start = time.perf_counter()
            rc: int | str = "skipped: budget spent"
            if limit >= SHORTEST_STEP:
                with open(out / f"{name}.txt", "w") as log:
                    rc = _run_step(command, env, log, limit)
            summary[name] = {"rc": rc, "seconds": round(time.perf_counter() - start, 1), "limit": limit}
            print(name, summary[name], flush=True)
            partial = out / "summary.json.tmp"
            partial.write_text(json.dumps({"device": device, "steps": summary}, indent=1))
            partial.replace(out / "summary.json")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run_step(command: list, env: dict, log, limit: int) -> int | str:
    """Run a step's command for at most ``limit`` seconds, output to ``log``; its exit status, or "timed
    out". The step runs in a process group of its own, so that a step stopped at its limit takes the
    processes it started (a job's voxbind run, libmolgrid's side) with it, and none holds the GPU on."""
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, process_group=0
    ) as process:
        try:
            return process.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return "timed out"


def oracle(folder: Path, data: Path, device: str, site: Path, steps: int) -> None:
    """gnina-torch + libmolgrid on ``device``: scoring the carried screen (one file per pose, as its
    ``.types`` input needs) and training on ``data``'s ``small.types``, with ``site`` and the carried
    gnina-torch on ``PYTHONPATH``; each side's JSON."""
    from small_split import split

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(folder / "packages"), str(site)]))
    batch = 4 if device == "cpu" else 16  # voxbind's default_batch_size (not importable without RDKit)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lines = []
        for k, record in enumerate(_screen(folder, 40 if device == "cpu" else None)):
            (work / f"pose{k}.sdf").write_text(record)
            lines.append(f"{folder / 'rec.pdb'} {work / f'pose{k}.sdf'}\n")
        (work / "poses.types").write_text("".join(lines))
        side = [sys.executable, str(HERE / "gninatorch_score_side.py"), str(work / "poses.types")]
        subprocess.run([*side, str(work / "score.json"), str(batch), device], check=True, env=env)
        print("gnina-torch score:", (work / "score.json").read_text(), flush=True)
        train, test, _, _ = split(data / "small.types", work)
        side = [
            sys.executable,
            str(HERE / "gninatorch_train_side.py"),
            str(train),
            str(test),
            str(data / "structs"),
        ]
        side += [str(work / "train.json"), str(steps), "16", "0", device]
        subprocess.run(side, check=True, env=env)
        print("gnina-torch train:", (work / "train.json").read_text(), flush=True)


def _screen(folder: Path, count: int | None) -> list[str]:
    """The first ``count`` records (all with ``None``) of the carried screen."""
    with gzip.open(folder / "screen.sdf.gz", "rt") as handle:
        return [record + "$$$$\n" for record in handle.read().split("$$$$\n")[:-1][:count]]


def job(
    folder: Path,
    kind: str,
    device: str,
    poses: int | None,
    cpu_poses: int | None,
    effort: int,
    processes: int,
) -> None:
    """``voxbind score``, ``minimize`` or ``dock`` on the carried screen's first ``poses`` (all with
    ``None``; docking: its first ligand), on ``device``, then on the CPU with its first ``cpu_poses``
    (``poses`` if ``None``), and, when scoring, on ``device`` again with ``processes`` processes under
    torchrun sharing it; each run's summary line, which gives its poses and seconds. Docking refines
    Vina's poses on the CNN (where the device counts), in a box around the ligand, ``effort`` being Vina's
    exhaustiveness."""
    runs = [(device, poses, 1)] if device == "cpu" else [(device, poses, 1), ("cpu", cpu_poses or poses, 1)]
    if kind == "score" and processes > 1:
        runs.append((device, poses, processes))
    failed = 0
    for where, count, many in runs:
        with tempfile.TemporaryDirectory() as tmp:
            ligands = folder / "screen.sdf.gz"
            if count or kind == "dock":
                ligands = Path(tmp) / "poses.sdf"
                ligands.write_text("".join(_screen(folder, 1 if kind == "dock" else count)))
            launcher = [sys.executable]
            if many > 1:
                launcher += ["-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={many}"]
            command = [*launcher, "-m", "voxbind", kind, "-r", str(folder / "rec.pdb")]
            command += ["-l", str(ligands), "-o", str(Path(tmp) / "out.sdf"), "--device", where]
            if kind == "dock":
                command += ["--autobox-ligand", str(ligands), "--cnn-scoring", "refinement"]
                command += ["--exhaustiveness", str(effort)]
            start = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
            seconds = time.perf_counter() - start
        said = done.stdout.strip() or done.stderr.strip()[-2000:]
        label = where if many == 1 else f"{where} ({many} processes)"
        print(f"{kind} on {label}: {said} [{seconds:.1f} s in all, exit {done.returncode}]", flush=True)
        failed += done.returncode != 0
    if failed:
        raise SystemExit(f"{failed} of the {kind} runs failed")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="write the folder to carry to the GPU machine")
    p.add_argument("folder", type=Path)
    p.add_argument("--poses", type=int, default=1000, help="poses in the screen")
    p.add_argument("--oracle", action="store_true", help="the folder of gnina-torch + libmolgrid's call")
    r = sub.add_parser("run", help="run every step, results to --out")
    r.add_argument("folder", type=Path)
    r.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", "gpu-results")))
    r.add_argument("--device", default="cuda", help="cpu: a check of this script")
    r.add_argument("--site", type=Path, help="the carried wheels' packages already installed here")
    r.add_argument("--only", nargs="*", default=[], help="run these steps alone")
    r.add_argument("--budget", type=float, default=560, help="seconds for the whole call")
    j = sub.add_parser("job", help="(a step of run) a voxbind job on the device and on the CPU")
    j.add_argument("folder", type=Path)
    j.add_argument("kind", choices=["score", "minimize", "dock"])
    j.add_argument("--device", default="cuda")
    j.add_argument("--poses", type=int, help="only the first poses of the screen")
    j.add_argument("--cpu-poses", type=int, help="only the first poses of the screen on the CPU")
    j.add_argument("--exhaustiveness", type=int, default=8, help="Vina's, when docking")
    j.add_argument(
        "--processes", type=int, default=4, help="torchrun's processes sharing the device, scoring"
    )
    o = sub.add_parser("oracle", help="(a step of run) gnina-torch + libmolgrid on the device")
    o.add_argument("folder", type=Path)
    o.add_argument("--data", type=Path, required=True, help="the unpacked gnina-testdata folder")
    o.add_argument("--device", default="cuda")
    o.add_argument("--site", type=Path, required=True)
    o.add_argument("--steps", type=int, default=300)
    args = parser.parse_args(argv)
    args.folder = args.folder.resolve()  # the steps run from the repository's root
    if args.command == "prepare":
        prepare(args.folder, args.poses, args.oracle)
    elif args.command == "run":
        site = args.site.resolve() if args.site else None
        run(args.folder, args.out.resolve(), args.device, site, args.only, args.budget)
    elif args.command == "job":
        job(
            args.folder,
            args.kind,
            args.device,
            args.poses,
            args.cpu_poses,
            args.exhaustiveness,
            args.processes,
        )
    else:
        oracle(args.folder, args.data.resolve(), args.device, args.site, args.steps)


if __name__ == "__main__":
    main()
