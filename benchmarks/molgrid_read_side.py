"""libmolgrid's half of the read-and-type benchmark. Runs in the oracle environment (``molgrid`` 0.5.5):
``ORACLE_PYTHON molgrid_read_side.py RECEPTOR LIGAND OUTPUT.json REPEATS``.

Times ``ExampleProvider.next()`` with structure caching off, i.e. OpenBabel reading both files, adding
hydrogens and typing them with GNINA's default 14 + 14 typers.
"""

import json
import os
import sys
import tempfile

import molgrid
from _timing import median_ms

molgrid.set_gpu_enabled(False)


def main(receptor, ligand, out, repeats):
    with tempfile.NamedTemporaryFile("w", suffix=".types", delete=False) as handle:
        handle.write(f"{os.path.abspath(receptor)} {os.path.abspath(ligand)}\n")
    provider = molgrid.ExampleProvider(
        data_root="/", cache_structs=False, iteration_scheme=molgrid.IterationScheme.LargeEpoch
    )
    provider.populate(handle.name)
    os.unlink(handle.name)
    atoms = sum(cs.size() for cs in provider.next().coord_sets)
    result = {"read_type_ms": median_ms(provider.next, repeats), "typed_atoms": atoms}
    with open(out, "w") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
