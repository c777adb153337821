"""Every GPU check and timing of one short lease, in one go, to one folder.

    # here, with the shared data, RDKit and PyPI at hand: the folders to carry to the GPU machine
    .venv/bin/python benchmarks/gpu_session.py prepare .gpu
    .venv/bin/python benchmarks/gpu_session.py prepare .gpu-oracle --oracle
    # on the GPU machine, one lease each, with the folder carried; results to one folder ($OUT there)
    python3 benchmarks/gpu_session.py run .gpu --out "$OUT"
    python3 benchmarks/gpu_session.py run .gpu-oracle --out "$OUT"
    # here, a check of the script itself: CPU tensors, Triton's interpreter, small sizes
    .venv/bin/python benchmarks/gpu_session.py run .gpu --device cpu --out /tmp/gpu-check
    .venv/bin/python benchmarks/gpu_session.py run .gpu-oracle --device cpu --out /tmp/gpu-check \
        --oracle-site oracle-venv/lib/python3.11/site-packages

Both folders hold the benchmark batch of ``bench_gpu.py`` (64 typed complexes of ``small.types``), a screen of
poses in prolif's receptor and ``small.types`` with the ``.gninatypes`` files it names (packed with xz). The
first adds the wheel for CPython 3.12 that the GPU machine lacks for voxbind (RDKit; its image has PyTorch,
Triton, numba, click and tqdm); the second (``--oracle``) molgrid 0.5.5, numpy<2 and gnina-torch with only
the weights it runs. With RDKit they would not fit in one lease's 64 MiB. ``prepare`` prints each size.

``run`` installs the carried wheels, then runs each step in its own process with its own time limit, so
that a failing or slow step costs only itself; each step's output goes to ``<out>/<step>.txt``, and
``<out>/summary.json`` holds every step's exit status and seconds, written after each step. voxbind's
lease:

- ``tests``: the Triton tests (compiled on a GPU) and the backend parity tests;
- ``grid``: ``bench_gpu.py run`` (double backward, gridding's share of a Default2018 step);
- ``score``: ``voxbind score`` on the screen on the device and on the CPU (poses/s from each summary);
- ``train``: ``bench_train.py`` on ``small.types`` with the real data pipeline, voxbind on the device.

gnina-torch + libmolgrid's lease: ``grid`` again with libmolgrid's CUDA GridMaker beside it, and ``oracle``:
gnina-torch scoring the screen and training on ``small.types`` on the device.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import json
import os
import shutil
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
#: Wheels the GPU machine's Python (3.12, PyTorch, Triton, numba, click, tqdm) lacks, at the versions here.
WHEELS = [f"rdkit=={importlib.metadata.version('rdkit')}"]
#: What gnina-torch + libmolgrid need there, carried in a lease of their own (with RDKit it would not fit).
ORACLE_WHEELS = ["molgrid==0.5.5", "numpy==1.26.4"]
GNINATORCH, KEPT_WEIGHTS = "gninatorch==0.0.2", "crossdock_default2018.pt"
PLATFORMS = ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"]


def prepare(folder: Path, poses: int, oracle: bool) -> None:
    sys.path.insert(0, str(ROOT))
    from bench_gpu import prepare as prepare_batch
    from tests.jobs.screening import write_screen

    from voxbind.jobs import example_complex

    folder.mkdir(parents=True, exist_ok=True)
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
    platforms = [arg for p in PLATFORMS for arg in ("--platform", p)]
    pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:"]
    target = ["--python-version", "3.12", "--implementation", "cp", *platforms]
    subprocess.run([*pip, *target, "-d", str(wheels), *(ORACLE_WHEELS if oracle else WHEELS)], check=True)
    if oracle:  # gnina-torch without the weights of the models not run (38 MB of them)
        subprocess.run([*pip, "-d", str(folder), GNINATORCH], check=True)
        packed = next(folder.glob("gninatorch-*.whl"))
        with zipfile.ZipFile(packed) as wheel:
            for member in wheel.namelist():
                weights = member.startswith("gninatorch/weights/")
                if member.startswith("gninatorch/") and (not weights or member.endswith(f"/{KEPT_WEIGHTS}")):
                    wheel.extract(member, folder / "packages")
        packed.unlink()
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    print(f"{folder}: {size / 2**20:.1f} MiB (the lease carries at most 64 MiB with the repository)")


def steps(folder: Path, device: str, site: Path | None) -> list[tuple[str, list[str], int]]:
    """``(name, command, seconds allowed)`` of each step: with ``site`` (molgrid, numpy<2; an oracle
    folder), libmolgrid's and gnina-torch's; else voxbind's. Small sizes for a check on the CPU. On a GPU
    the limits add up to at most 530 s, inside one 10-minute call of a lease."""
    python = sys.executable
    check = device == "cpu"
    batch = folder / ("batch2.pt" if check else "batch64.pt")
    grid = [python, str(HERE / "bench_gpu.py"), "run", str(batch), "--device", device]
    if check:
        grid += ["--dimension", "3.5", "--repeats", "1", "--cells", "--programs"]
    if site is not None:
        oracle = [python, str(HERE / "gpu_session.py"), "oracle", str(folder), "--device", device]
        oracle += ["--site", str(site), "--steps", "12" if check else "300"]
        molgrid = [] if check else ["--molgrid-path", str(site)]  # its side runs on CUDA alone
        found = [("grid", [*grid, *molgrid], 300 if check else 150)] if batch.exists() else []
        return [*found, ("oracle", oracle, 900 if check else 300)]
    tests = [
        f"tests/grid/{name}"
        for name in ("test_triton.py", "test_triton_compile.py", "test_backend_parity.py")
    ]
    pytest = [python, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]
    if check:  # the interpreter is slow: leave out the float64 gradient checks
        pytest += ["-k", "not gradcheck"]
    score = [python, str(HERE / "gpu_session.py"), "score", str(folder), "--device", device]
    if check:
        score += ["--poses", "40"]
    train = [
        python,
        str(HERE / "bench_train.py"),
        "--data",
        str(folder / "gnina-testdata"),
        "--device",
        device,
    ]
    train += ["--seeds", "0", "--steps", "12" if check else "300", "--no-oracle", "--no-fine-tune"]
    return [
        ("tests", pytest, 900 if check else 200),
        ("grid", grid, 300 if check else 120),
        ("score", score, 300 if check else 90),
        ("train", train, 600 if check else 120),
    ]


def run(folder: Path, out: Path, device: str, site: Path | None, only: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if device == "cpu":  # the Triton kernels under Triton's interpreter
        env["TRITON_INTERPRET"] = "1"
    oracle = (folder / "packages" / "gninatorch").is_dir()
    if not (folder / "gnina-testdata").is_dir():
        with tarfile.open(folder / "gnina-testdata.tar.xz") as packed:
            packed.extractall(folder, filter="data")
    wheels = sorted((folder / "wheels").glob("*.whl"))
    if wheels and site is None and device != "cpu":  # the GPU machine: no network, the carried wheels
        site = Path("/tmp/oracle-site" if oracle else "/tmp/voxbind-site")
        pip = [sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-compile"]
        subprocess.run([*pip, "--target", str(site), *map(str, wheels)], check=True)
    if oracle and site is None:
        raise SystemExit("checking an oracle folder on the CPU needs --oracle-site (molgrid, numpy<2 there)")
    if site is not None and not oracle:  # RDKit beside the image's packages
        env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT / "src")])
    earlier = out / "summary.json"  # kept for the steps not rerun (--only)
    summary: dict[str, dict] = json.loads(earlier.read_text())["steps"] if only and earlier.exists() else {}
    for name, command, limit in steps(folder, device, site if oracle else None):
        if only and name not in only:
            continue
        start = time.perf_counter()
        with open(out / f"{name}.txt", "w") as log:
            try:
                done = subprocess.run(
                    command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=limit
                )
                rc: int | str = done.returncode
            except subprocess.TimeoutExpired:
                rc = "timed out"
        summary[name] = {"rc": rc, "seconds": round(time.perf_counter() - start, 1), "limit": limit}
        print(name, summary[name], flush=True)
        partial = out / "summary.json.tmp"
        partial.write_text(json.dumps({"device": device, "steps": summary}, indent=1))
        partial.replace(out / "summary.json")


def oracle(folder: Path, device: str, site: Path, steps: int) -> None:
    """gnina-torch + libmolgrid on ``device``: scoring the carried screen (one file per pose, as its
    ``.types`` input needs) and training on ``small.types``, with ``site`` and the carried gnina-torch on
    ``PYTHONPATH``; each side's JSON."""
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
        data = folder / "gnina-testdata"
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


def score(folder: Path, device: str, poses: int | None) -> None:
    """``voxbind score`` on the carried screen (its first ``poses``), on ``device`` and on the CPU; the
    summaries' poses/s."""
    devices = [device] if device == "cpu" else [device, "cpu"]
    for where in devices:
        with tempfile.TemporaryDirectory() as tmp:
            screen = folder / "screen.sdf.gz"
            if poses:
                screen = Path(tmp) / "screen.sdf"
                screen.write_text("".join(_screen(folder, poses)))
            command = [sys.executable, "-m", "voxbind", "score", "-r", str(folder / "rec.pdb")]
            command += ["-l", str(screen), "-o", str(Path(tmp) / "scored.sdf"), "--device", where]
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        print(f"{where}: {done.stdout.strip() or done.stderr.strip()[-2000:]}", flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="write the folder to carry to the GPU machine")
    p.add_argument("folder", type=Path)
    p.add_argument("--poses", type=int, default=1000, help="poses in the screen")
    p.add_argument("--oracle", action="store_true", help="the folder of gnina-torch + libmolgrid's lease")
    r = sub.add_parser("run", help="run every step, results to --out")
    r.add_argument("folder", type=Path)
    r.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", "gpu-results")))
    r.add_argument("--device", default="cuda", help="cpu: a check of this script")
    r.add_argument("--oracle-site", type=Path, help="molgrid 0.5.5 and numpy<2 already installed here")
    r.add_argument("--only", nargs="*", default=[], help="run these steps alone")
    s = sub.add_parser("score", help="(a step of run) voxbind score on the device and on the CPU")
    s.add_argument("folder", type=Path)
    s.add_argument("--device", default="cuda")
    s.add_argument("--poses", type=int, help="score only the first poses of the screen")
    o = sub.add_parser("oracle", help="(a step of run) gnina-torch + libmolgrid on the device")
    o.add_argument("folder", type=Path)
    o.add_argument("--device", default="cuda")
    o.add_argument("--site", type=Path, required=True)
    o.add_argument("--steps", type=int, default=300)
    args = parser.parse_args(argv)
    args.folder = args.folder.resolve()  # the steps run from the repository's root
    if args.command == "prepare":
        prepare(args.folder, args.poses, args.oracle)
    elif args.command == "run":
        run(args.folder, args.out.resolve(), args.device, args.oracle_site, args.only)
    elif args.command == "score":
        score(args.folder, args.device, args.poses)
    else:
        oracle(args.folder, args.device, args.site, args.steps)


if __name__ == "__main__":
    main()
