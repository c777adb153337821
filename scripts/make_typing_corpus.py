"""Regenerate ``tests/fixtures/typing_corpus.npz``: libmolgrid's GNINA types of every file of the typing
corpus (``scripts/typing_corpus.py``).

Runs in the oracle environment only (voxbind never imports molgrid), with the corpus packages installed
without their dependencies:

    oracle-venv/bin/pip install --no-deps posebusters==0.6.5 prolif==2.2.3 dockstring==0.3.4 \
        MDAnalysisTests==2.11.0
    oracle-venv/bin/python scripts/make_typing_corpus.py ../shared/data tests/fixtures/typing_corpus.npz

libmolgrid reads each file through OpenBabel (its first molecule, adding hydrogens) and types every atom
with ``GninaIndexTyper``; a gzipped file is unzipped first (this OpenBabel does not read gzip). An
mmCIF file of ``SAME_ENTRY`` is typed from the PDB file of its entry.
Recorded: ``files`` (the corpus names), and per file ``k``: ``<k>/coords`` (float32 (N, 3) Å)
and ``<k>/types`` (int8 GNINA type index) of its heavy atoms.
"""

import gzip
import importlib.util
import os
import sys
import tempfile

import molgrid
import numpy as np
from typing_corpus import FILES, SAME_ENTRY

molgrid.set_gpu_enabled(False)


def resolve(name: str, shared: str) -> str:
    source, _, relative = name.partition(":")
    if source == "shared":
        return os.path.join(shared, relative)
    return os.path.join(importlib.util.find_spec(source).submodule_search_locations[0], relative)


def gnina_types(path: str):
    """Heavy-atom coordinates and GNINA types of the first molecule of ``path``, as libmolgrid gives them."""
    if path.endswith(".gz"):
        with gzip.open(path, "rb") as packed, tempfile.TemporaryDirectory() as folder:
            plain = os.path.join(folder, os.path.basename(path)[: -len(".gz")])
            with open(plain, "wb") as handle:
                handle.write(packed.read())
            return gnina_types(plain)
    with tempfile.NamedTemporaryFile("w", suffix=".types", delete=False) as handle:
        handle.write(f"{path}\n")
    typer = molgrid.GninaIndexTyper()
    provider = molgrid.ExampleProvider(
        typer, data_root="/", iteration_scheme=molgrid.IterationScheme.SmallEpoch
    )
    provider.populate(handle.name)
    os.unlink(handle.name)
    (atoms,) = provider.next().coord_sets
    types = atoms.type_index.tonumpy().astype(np.int64)
    heavy = types > 1
    return atoms.coords.tonumpy().astype(np.float32)[heavy], types[heavy].astype(np.int8)


def main(shared: str, out: str) -> None:
    arrays = {"files": np.array(FILES)}
    for k, name in enumerate(FILES):
        coords, types = gnina_types(resolve(SAME_ENTRY.get(name, name), shared))
        arrays[f"{k}/coords"] = coords
        arrays[f"{k}/types"] = types
        print(f"{name}: {len(types)} heavy atoms", file=sys.stderr)
    np.savez_compressed(out, **arrays)


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]), sys.argv[2])
