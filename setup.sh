#!/usr/bin/env bash
# Create .venv and install voxbind with its test tools. PyTorch is installed first, its CPU build from
# PyTorch's CPU wheel index: the package's own requirement is a range (torch>=2.4), and a bare `torch`
# requirement in a fresh environment would pull a multi-GB CUDA build. Where that index cannot be
# reached, the same version comes from the default index (a CUDA build on Linux x86_64, unless a CPU
# wheel is already on disk), and this says so.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
TORCH="torch==2.13.0"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
if ! .venv/bin/python -m pip install -q --retries 1 --timeout 15 \
    --index-url https://download.pytorch.org/whl/cpu "$TORCH"; then
    echo "setup.sh: PyTorch's CPU wheel index cannot be reached; installing $TORCH from the default index" >&2
    .venv/bin/python -m pip install -q "$TORCH"
fi
.venv/bin/python -c "import torch; print(f'PyTorch {torch.__version__} (CUDA build: {torch.version.cuda is not None})')"
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
