#!/usr/bin/env bash
# Create .venv and install voxbind with its test tools. The CPU build of PyTorch is installed first:
# the package's own requirement is a range (torch>=2.4), and a bare `torch` requirement in a fresh
# environment would pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q "torch==2.13.0"
.venv/bin/python -m pip install -q -e ".[test,docs,dock]"
# GNINA's trained weights ship in gninatorch; --no-deps keeps its molgrid requirement out (voxbind reads
# the weight files without importing gninatorch).
.venv/bin/python -m pip install -q --no-deps "gninatorch==0.0.2"
# A receptor with 9 docked poses (AutoDock Vina output) for the example job: the data files of prolif;
# with dockstring's 58 PDBQT receptors and MDAnalysisTests' complexes, part of the typing corpus the tests
# measure against libmolgrid.
.venv/bin/python -m pip install -q --no-deps "prolif==2.2.3" "dockstring==0.3.4" "MDAnalysisTests==2.11.0"
# Triton: the GPU kernels. PyTorch's CUDA builds bring it; here it runs the kernels' tests on the CPU under
# its interpreter. Pinned because the interpreter's behaviour changes between releases.
.venv/bin/python -m pip install -q "triton==3.6.0"
echo "voxbind is installed in .venv"
