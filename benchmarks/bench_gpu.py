"""GPU gridding: voxbind's Triton kernels against libmolgrid's CUDA GridMaker and a Default2018 step.

Two steps, because the GPU machine has neither the shared test data nor RDKit:

    # here, with the shared data: 64 real complexes of small.types, typed (28 channels), to one file
    .venv/bin/python benchmarks/bench_gpu.py prepare .gpu/batch64.pt
    # on the CUDA machine (libmolgrid from a folder holding molgrid 0.5.5 and numpy<2, or none)
    python benchmarks/bench_gpu.py run .gpu/batch64.pt --molgrid-path /tmp/molgrid-site

``run`` times, on the same batch of 64 complexes at 28×48³ (0.5 Å, 23.5 Å), with CUDA synchronisation
around each call: voxbind's forward (with its value checks; without them, as batches checked on the host
by ``GridCollate`` are gridded; and replayed from a CUDA graph, which leaves only GPU time), coordinate
backward, and double backward (a loss on the coordinate gradient, differentiated again); libmolgrid's GPU
forward and coordinate backward in a separate process (``molgrid_gpu_side.py``); and one Default2018
training step (forward, loss, backward, SGD update) on the gridded batch. Gridding's share of a training
step is reported two ways: the synchronised forward over the synchronised step, and pipelined — a run of
steps that grid their batch first against the same steps on ready grids, synchronised only at the end,
as in training, where the host queues work ahead of the GPU. It checks that both grids agree, then
reports grids per second, the ratios and double backward / forward. Results go to ``RESULTS.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from _timing import synchronize

DEVICE = torch.device("cuda")  # run --device cpu: under Triton's interpreter, to check the script itself
HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data" / "gnina-testdata"
RESOLUTION, DIMENSION = 0.5, 23.5


def prepare(path: Path, batch: int) -> None:
    from voxbind.data import ComplexDataset, GridCollate

    dataset = ComplexDataset(DATA / "small.types", data_root=DATA / "structs")
    step = len(dataset) // batch  # spread over the file: many receptors
    examples = [dataset[i * step] for i in range(batch)]
    b = GridCollate(crop=False)(examples)
    typed = b.types >= 0  # untyped atoms are stored as nothing: both sides ignore them
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {
            "coords": b.coords[typed],
            "types": b.types[typed].to(torch.int8),
            "radii": b.radii[typed],
            "counts": typed.sum(1),
            "centers": b.centers,
            "labels": b.labels,
            "num_channels": b.num_channels,
        },
        path,
    )
    total = int(typed.sum())
    print(f"{batch} complexes, {total} typed atoms ({total / batch:.0f} per complex), saved to {path}")


def load_batch(path: Path) -> dict:
    """The prepared batch, padded again: coords ``(B, N, 3)``, types ``(B, N)`` (-1 = padding), radii."""
    data = torch.load(path)
    counts = data["counts"]
    B, N = counts.numel(), int(counts.max())
    real = torch.arange(N)[None, :] < counts[:, None]
    coords = torch.zeros((B, N, 3))
    types = torch.full((B, N), -1, dtype=torch.long)
    radii = torch.zeros((B, N))
    coords[real], types[real], radii[real] = data["coords"], data["types"].long(), data["radii"]
    return {**data, "coords": coords, "types": types, "radii": radii}


def _cuda_ms(fn, repeats: int) -> float:
    """Median time of ``fn()`` in ms (CUDA synchronised), after two warm-up calls."""
    times = []
    for i in range(repeats + 2):
        synchronize(DEVICE)
        start = time.perf_counter()
        fn()
        synchronize(DEVICE)
        if i >= 2:
            times.append(time.perf_counter() - start)
    return 1e3 * sorted(times)[len(times) // 2]


def _gridder(data: dict):
    """voxbind's Triton ``GridMaker`` and its arguments ``(centers, coords, types, radii, T)`` on the
    device."""
    import voxbind

    gm = voxbind.GridMaker(RESOLUTION, DIMENSION, backend="triton")
    coords, types, radii = (data[k].to(DEVICE) for k in ("coords", "types", "radii"))
    return gm, (data["centers"].to(DEVICE, torch.float32), coords, types, radii, data["num_channels"])


def _backward_passes(gm, args, upstream):
    """Two timed calls: the forward and coordinate backward (the grid's gradient ``upstream``), and
    those plus the double backward of ``|∂L/∂coords|²``."""
    centers, coords, types, radii, T = args

    def backward(create_graph=False):
        x = coords.clone().requires_grad_()
        (g,) = torch.autograd.grad(gm(centers, x, types, radii, T), x, upstream, create_graph=create_graph)
        return x, g

    def double_backward():
        x, g = backward(create_graph=True)
        torch.autograd.grad((g * g).sum(), x)

    return backward, double_backward


def _voxbind_side(data: dict, repeats: int) -> tuple[dict, torch.Tensor]:
    gm, (centers, coords, types, radii, T) = _gridder(data)
    out = torch.empty((coords.shape[0], *gm.grid_shape(T)), device=DEVICE)
    upstream = torch.randn_like(out)

    def forward_buffer():
        with torch.no_grad():
            gm(centers, coords, types, radii, T, out=out, check_values=False)

    def forward_fresh():
        with torch.no_grad():
            gm(centers, coords, types, radii, T, check_values=False)

    half = torch.empty(out.shape, dtype=torch.bfloat16, device=DEVICE)

    def forward_bfloat16():
        with torch.no_grad():
            gm(centers, coords, types, radii, T, out=half, check_values=False)

    def forward_checked():
        with torch.no_grad():
            gm(centers, coords, types, radii, T)

    backward, double_backward = _backward_passes(gm, (centers, coords, types, radii, T), upstream)
    results = {
        "forward_buffer_ms": _cuda_ms(forward_buffer, repeats),
        "forward_ms": _cuda_ms(forward_fresh, repeats),
        "forward_checked_ms": _cuda_ms(forward_checked, repeats),
        "forward_bfloat16_ms": _cuda_ms(forward_bfloat16, repeats),
        "forward_graph_ms": _graph_ms(forward_buffer, repeats),
        "backward_ms": _cuda_ms(backward, repeats),
        "double_backward_ms": _cuda_ms(double_backward, repeats),
    }
    forward_buffer()
    return results, out


@contextlib.contextmanager
def _backend_settings(**values):
    """The Triton backend's tuning constants set to ``values`` inside the block, restored after."""
    from voxbind.grid._backends import _triton

    chosen = {name: getattr(_triton, name) for name in values}
    try:
        for name, value in values.items():
            setattr(_triton, name, value)
        _triton._programs_per_launch.cache_clear()
        yield
    finally:
        for name, value in chosen.items():
            setattr(_triton, name, value)
        _triton._programs_per_launch.cache_clear()


def _binning_variants(data: dict, cells: list[int], repeats: int) -> None:
    """The forward (no checks, reused buffer) with each binning cell size: a smaller cell makes tiles
    test fewer splats that miss them, for more and shorter runs of cells and a larger cell index."""
    from voxbind.grid._backends._triton import TILE

    gm, args = _gridder(data)
    out = torch.empty((len(args[1]), *gm.grid_shape(args[-1])), device=DEVICE)

    def forward():
        with torch.no_grad():
            gm(*args, out=out, check_values=False)

    reference = None
    for cell in cells:
        with _backend_settings(CELL=cell, RUNS=16 if cell == TILE else 32):
            ms = _cuda_ms(forward, repeats)
            graph = _graph_ms(forward, repeats)
        reference = out.clone() if reference is None else reference
        gap = (out - reference).abs().max().item()
        replay = "not captured" if graph is None else f"{graph:.3f} ms from a CUDA graph"
        print(f"binning cells of {cell}³ points: forward {ms:.3f} ms, {replay} (differs by {gap:.1e})")


def _program_variants(data: dict, counts: list[int], repeats: int) -> None:
    """The coordinate backward and the double backward with each number of per-splat programs per
    multiprocessor (the backward passes' programs take the splats that reach the grid in turn)."""
    gm, args = _gridder(data)
    upstream = torch.randn((len(args[1]), *gm.grid_shape(args[-1])), device=DEVICE)
    backward, double_backward = _backward_passes(gm, args, upstream)
    for count in counts:
        with _backend_settings(PROGRAMS_PER_SM=count):
            first, second = _cuda_ms(backward, repeats), _cuda_ms(double_backward, repeats)
        print(f"{count} programs per multiprocessor: with the forward, backward {first:.3f} ms, ", end="")
        print(f"backward and double backward {second:.3f} ms")


def _graph_ms(fn, repeats: int) -> float | None:
    """Median time of replaying ``fn`` captured in a CUDA graph (``None`` if it cannot be captured)."""
    if DEVICE.type != "cuda":
        return None
    fn()  # compiled, and its constants cached, before capture
    synchronize(DEVICE)
    graph = torch.cuda.CUDAGraph()
    try:
        with torch.cuda.graph(graph):
            fn()
    except RuntimeError as exc:
        print(f"forward not captured in a CUDA graph: {exc}")
        return None
    return _cuda_ms(graph.replay, repeats)


def _training_step(grids: torch.Tensor, labels: torch.Tensor, mixed: bool):
    """One Default2018 step as a function of its grids: forward, loss, backward, SGD; ``mixed``: under
    bfloat16 autocast (as ``Trainer`` on a GPU that supports it)."""
    from voxbind.models import Default2018

    model = Default2018(num_channels=grids.shape[1], grid_size=grids.shape[-1]).to(DEVICE)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-3)
    pose = labels[:, 0].long().to(DEVICE)
    affinity = labels[:, 1].abs().to(DEVICE)

    def step(batch_grids):
        optimiser.zero_grad(set_to_none=True)
        with torch.autocast(DEVICE.type, dtype=torch.bfloat16, enabled=mixed):
            out = model(batch_grids)
            loss = torch.nn.functional.cross_entropy(out.pose_logits.float(), pose)
            loss = loss + torch.nn.functional.mse_loss(out.affinity.float(), affinity)
        loss.backward()
        optimiser.step()

    return step


def _pipelined_ms(fn, repeats: int) -> float:
    """Mean time of ``fn()`` over ``repeats`` calls synchronised only at the end (after a warm-up)."""
    fn()
    synchronize(DEVICE)
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    synchronize(DEVICE)
    return 1e3 * (time.perf_counter() - start) / repeats


def _steps(data: dict, grids: torch.Tensor, repeats: int, mixed: bool) -> dict:
    """A training step alone (synchronised and pipelined) and pipelined with gridding in front."""
    step = _training_step(grids, data["labels"], mixed)
    gm, args = _gridder(data)
    dtype = torch.bfloat16 if mixed else grids.dtype  # (as Trainer: grids made in autocast's dtype)
    grids = grids.to(dtype)

    def gridded_step():
        with torch.no_grad():
            fresh = torch.empty(grids.shape, dtype=dtype, device=DEVICE)
            gm(*args, out=fresh, check_values=False)
        step(fresh)

    return {
        "step_ms": _cuda_ms(lambda: step(grids), repeats),
        "pipelined_step_ms": _pipelined_ms(lambda: step(grids), 3 * repeats),
        "pipelined_gridded_step_ms": _pipelined_ms(gridded_step, 3 * repeats),
    }


def run(path: Path, molgrid_path: str | None, repeats: int, cells: list[int], programs: list[int]) -> None:
    data = load_batch(path)
    B = data["coords"].shape[0]
    name = torch.cuda.get_device_name() if DEVICE.type == "cuda" else str(DEVICE)
    n = round(DIMENSION / RESOLUTION) + 1
    print(f"device: {name}; batch of {B} at {data['num_channels']}×{n}³")
    if cells:
        _binning_variants(data, cells, repeats)
    if programs:
        _program_variants(data, programs, repeats)
    mine, grids = _voxbind_side(data, repeats)
    steps = {
        "float32": _steps(data, grids, repeats, mixed=False),
        "bfloat16 autocast": _steps(data, grids, repeats, mixed=True),
    }
    theirs = None
    if molgrid_path is not None:
        with tempfile.TemporaryDirectory() as tmp:
            result = Path(tmp) / "molgrid.json"
            grid_file = Path(tmp) / "molgrid_grid.pt"
            env = {**os.environ, "PYTHONPATH": molgrid_path}
            side = [sys.executable, str(HERE / "molgrid_gpu_side.py"), str(path), str(result), str(grid_file)]
            side += [str(repeats), str(RESOLUTION), str(DIMENSION)]
            done = subprocess.run(side, env=env, check=False)
            if done.returncode == 0:  # else voxbind's figures are still printed, without libmolgrid's
                theirs = json.loads(result.read_text())
                their_grid = torch.load(grid_file).to(DEVICE)
            else:
                print(f"libmolgrid's side failed (exit {done.returncode}); voxbind alone below")
        if theirs:
            gap = (their_grid - grids).abs().max().item()
            print(f"largest difference between the two grids: {gap:.2e}")
    for key, value in mine.items():
        print(f"voxbind {key:22} " + ("not measured" if value is None else f"{value:8.2f} ms"))
    if theirs:
        for key, value in theirs.items():
            if key.endswith("_ms"):
                print(f"libmolgrid {key:19} {value:8.2f} ms   ({theirs['mode']})")
    rate = 1e3 * B / mine["forward_buffer_ms"]
    print(f"voxbind forward: {rate:,.0f} grids/s")
    if theirs:
        their_rate = 1e3 * B / theirs["forward_ms"]
        print(
            f"libmolgrid forward: {their_rate:,.0f} grids/s; voxbind / libmolgrid = {rate / their_rate:.2f}x"
        )
        ratio = theirs["backward_ms"] / mine["backward_ms"]
        print(f"coordinate backward: libmolgrid / voxbind time = {ratio:.2f}x")
    for mode, t in steps.items():
        added = t["pipelined_gridded_step_ms"] - t["pipelined_step_ms"]
        forward = mine["forward_bfloat16_ms" if mode.startswith("bfloat16") else "forward_buffer_ms"]
        print(
            f"Default2018 step ({mode}): {t['step_ms']:.2f} ms synchronised, {t['pipelined_step_ms']:.2f} ms "
            f"pipelined, {t['pipelined_gridded_step_ms']:.2f} ms pipelined with gridding in front"
        )
        print(
            f"  gridding / training step ({mode}): synchronised "
            f"{100 * forward / t['step_ms']:.1f}%, pipelined "
            f"{100 * added / t['pipelined_gridded_step_ms']:.1f}% (target <= 10%)"
        )
        if theirs:
            print(f"  libmolgrid gridding / training step: {100 * theirs['forward_ms'] / t['step_ms']:.1f}%")
    alone = mine["double_backward_ms"] - mine["backward_ms"]  # the second backward pass by itself
    print(
        f"double backward alone: {alone:.2f} ms; / forward: {alone / mine['forward_ms']:.2f}x (target <= 3x)"
    )


def main(argv=None) -> None:
    global DEVICE, DIMENSION
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="type 64 complexes of the shared data into one file")
    p.add_argument("path", type=Path)
    p.add_argument("--batch", type=int, default=64)
    r = sub.add_parser("run", help="time on a CUDA device")
    r.add_argument("path", type=Path)
    r.add_argument("--molgrid-path", help="folder holding molgrid 0.5.5 and numpy<2 (PYTHONPATH)")
    r.add_argument("--repeats", type=int, default=20)
    r.add_argument("--cells", type=int, nargs="*", default=[8, 4], help="binning cell sizes to compare")
    r.add_argument(
        "--programs", type=int, nargs="*", default=[8, 16, 32], help="backward programs per multiprocessor"
    )
    r.add_argument(
        "--device", default="cuda", help="cpu: a check of this script (TRITON_INTERPRET=1, small --dimension)"
    )
    r.add_argument("--dimension", type=float, default=DIMENSION, help="grid side (Å)")
    args = parser.parse_args(argv)
    if args.command == "prepare":
        prepare(args.path, args.batch)
    else:
        DEVICE, DIMENSION = torch.device(args.device), args.dimension
        run(args.path, args.molgrid_path, args.repeats, args.cells, args.programs)


if __name__ == "__main__":
    main()
