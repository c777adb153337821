"""Compile every variant of the Triton gridding kernels for a GPU target, with no GPU present.

Triton's interpreter (how CI runs the kernels) executes them with NumPy and so misses errors that only
the compiler reports; this compiles each kernel, for every specialisation the backend launches, through
Triton's full pipeline down to a cubin for the target architecture, and prints the registers and stack
each uses. Run with the interpreter off:

    TRITON_INTERPRET=0 .venv/bin/python scripts/compile_triton_kernels.py [--arch 90] [--dtype fp32 fp64]
"""

from __future__ import annotations

import argparse
import inspect
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import triton
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource

from voxbind.grid._backends import _triton as host
from voxbind.grid._backends import _triton_kernels as kernels

_INDEX_POINTERS = {name: "*i64" for name in ("offsets_ptr", "order_ptr", "index_ptr", "base_ptr", "who_ptr")}
_INT32_POINTERS = {
    name: "*i32" for name in ("key_ptr", "span_ptr", "live_ptr", "listed_ptr", "count_ptr", "rank_ptr")
}


def signature(fn, constexprs: dict, dtype: str, output: str | None = None) -> dict:
    """Argument types as the host launches ``fn``: index tensors int64, keys, spans and splat lists
    int32, every other tensor in the atoms' dtype (``output``: the output's, if another), scalars int32."""
    missing = {fn.arg_names[i] for i in fn.constexprs} - set(constexprs)
    if missing:
        raise SystemExit(f"{fn.__name__}: no value given for constexpr {', '.join(sorted(missing))}")
    types = {}
    for name in fn.arg_names:
        if name in constexprs:
            types[name] = "constexpr"
        elif name.endswith("_ptr"):
            types[name] = _INDEX_POINTERS.get(name) or _INT32_POINTERS.get(name) or f"*{dtype}"
            if name == "out_ptr" and output is not None:
                types[name] = f"*{output}"
        else:
            types[name] = "i32"
    return types


def variants(cell: int):
    """``(kernel, constexprs, num_warps, output dtype)`` for every specialisation the backend launches
    (the forward pass also into float16 and bfloat16 buffers)."""
    yield kernels.place, {"BLOCK": host.BLOCK_KEYS}, 4, None
    for dense in (True, False):
        for per_type in (False, True):
            flags = {"DENSE": dense, "PER_TYPE": per_type}
            yield kernels.cell_keys, {**flags, "CELL": cell, "BLOCK": host.BLOCK_KEYS}, 4, None
            yield kernels.sorted_splats, {**flags, "BLOCK": host.BLOCK_KEYS}, 4, None
            yield kernels.reaching, {**flags, "BLOCK": host.BLOCK_KEYS}, 4, None
            for order in (1, 2):
                yield kernels.gather, {**flags, "ORDER": order, "BLOCK": host.BLOCK_POINTS}, 4, None
    tiles = {"TILE": host.TILE, "CELL": cell, "RUNS": host.RUNS}
    for per_type in (False, True):  # (the tiles read records, the same for index and vector types)
        for order, binary, set_value in (
            (0, False, False),
            (0, True, False),
            (0, True, True),
            (1, False, False),
        ):
            options = {"PER_TYPE": per_type, "ORDER": order, "BINARY": binary, "SET": set_value, **tiles}
            for output in (None, "fp16", "bf16") if order == 0 else (None,):
                yield kernels.scatter, options, 2, output


_NAMES_CONSTEXPRS = "constexprs" in inspect.signature(ASTSource).parameters  # Triton 3.3 and newer


def source(fn, types: dict, constexprs: dict) -> ASTSource:
    """The kernel as Triton's compiler takes it: from Triton 3.3 the signature names every argument and
    ``constexprs`` gives the values; Triton 3.0–3.2 take the non-constexpr arguments and ``constants``."""
    if _NAMES_CONSTEXPRS:
        return ASTSource(fn=fn, signature=types, constexprs=constexprs)
    plain = {name: kind for name, kind in types.items() if kind != "constexpr"}
    return ASTSource(fn=fn, signature=plain, constants=constexprs)


def resources(cubin: bytes) -> str:
    tool = Path(triton.__file__).parent / "backends" / "nvidia" / "bin" / "cuobjdump"
    with tempfile.NamedTemporaryFile(suffix=".cubin") as f:
        f.write(cubin)
        f.flush()
        report = subprocess.run([str(tool), "--dump-resource-usage", f.name], capture_output=True, text=True)
    usage = [line for line in report.stdout.splitlines() if "REG:" in line]
    return " ".join(usage[-1].split()[:3]) if usage else "(no resource report)"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", type=int, default=90, help="compute capability, e.g. 80 or 90")
    parser.add_argument("--dtype", nargs="+", default=["fp32", "fp64"], choices=["fp32", "fp64"])
    parser.add_argument("--cell", type=int, default=host.CELL, help="binning cell side (points)")
    args = parser.parse_args(argv)
    if os.environ.get("TRITON_INTERPRET", "0") not in ("", "0"):
        parser.error("run with TRITON_INTERPRET=0: the interpreter compiles nothing")
    target = GPUTarget("cuda", args.arch, 32)
    count = 0
    for dtype in args.dtype:
        for fn, constexprs, warps, output in variants(args.cell):
            types = signature(fn, constexprs, dtype, output)
            compiled = triton.compile(
                source(fn, types, constexprs),
                target=target,
                options={"num_warps": warps},
            )
            flags = " ".join(f"{k}={v}" for k, v in constexprs.items())
            into = f" into {output}" if output else ""
            print(f"{fn.__name__:9} {dtype} {flags}{into}: {resources(compiled.asm['cubin'])}")
            count += 1
    print(f"{count} kernels compiled for sm_{args.arch} (Triton {triton.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
