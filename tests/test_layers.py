"""The packages import only downwards: each is imported, with every module in it, in a fresh interpreter
and the voxbind packages (and heavy libraries) it brought in are checked against the layer rules."""

from __future__ import annotations

import functools
import json
import subprocess
import sys

import pytest

# Each package and the voxbind packages its modules may import (top-level modules such as errors are
# below everything). grid, combine and models are torch-only siblings; io reads untyped files;
# atomtypes types them; data builds complexes and batches; jobs and train sit above; cli on top.
ALLOWED = {
    "grid": set(),
    "combine": set(),
    "models": set(),
    "io": set(),
    "atomtypes": {"io"},
    "data": {"io", "atomtypes", "grid"},
    "jobs": {"io", "atomtypes", "data", "grid", "combine", "models"},
    "train": {"io", "atomtypes", "data", "grid", "combine", "models", "jobs"},
    "cli": {"io", "atomtypes", "data", "grid", "combine", "models", "jobs", "train"},
}
PACKAGES = set(ALLOWED)

_PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module("voxbind." + sys.argv[1])
for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(module.name)
names = [m.split(".")[1] for m in sys.modules if m.startswith("voxbind.") and m.count(".") >= 1]
print(json.dumps({"voxbind": sorted(set(names)), **{m: m in sys.modules for m in ("rdkit", "torch")}}))
"""


@functools.cache
def _imports(package: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, package], capture_output=True, text=True, timeout=300, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_the_layers_below_it(package):
    loaded = _imports(package)
    above = sorted((set(loaded["voxbind"]) & PACKAGES) - ALLOWED[package] - {package})
    assert not above, f"voxbind.{package} imports voxbind.{', voxbind.'.join(above)}"


@pytest.mark.parametrize("package", ["grid", "combine", "models"])
def test_torch_only_packages_load_no_rdkit(package):
    assert not _imports(package)["rdkit"]


def test_io_loads_no_torch():
    assert not _imports("io")["torch"]


def test_the_command_line_starts_without_torch_or_rdkit():
    """What keeps ``voxbind --help`` fast (timed in benchmarks/bench_cli.py)."""
    probe = "import sys, voxbind.cli.main; print(sorted({'torch', 'rdkit', 'numpy'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
