"""Regenerate ``tests/fixtures/gnina_typing_reference.npz`` from libmolgrid (the ``molgrid`` 0.5.5 oracle).

Runs in the oracle environment only (voxbind never imports molgrid); the complexes come from the shared
gnina test data and from the ``posebusters`` package:

    oracle-venv/bin/pip install --no-deps posebusters==0.6.5
    oracle-venv/bin/python scripts/make_typing_fixtures.py \
        ../shared/data tests/fixtures/gnina_typing_reference.npz

For each complex, libmolgrid reads the receptor and ligand through OpenBabel (adding hydrogens) and types
every atom with ``GninaIndexTyper``. Recorded per complex (keys ``<complex>/<array>``):

- ``rec_coords``, ``rec_types``: heavy atoms of the receptor (float32 (N, 3) Å, int8 GNINA type index);
- ``lig_coords``, ``lig_types``: every ligand atom, hydrogens included;
- ``center``: the grid center libmolgrid uses with its default typers (the ligand's heavy-atom centroid);
- ``channel_sums``: (28,) sums of its default 14+14-channel grid (0.5 Å, 23.5 Å, G = 1);
- ``sample_index``, ``sample_value``: flat indices into that (28, 48, 48, 48) grid and the values there (a
  seeded sample, mostly of non-zero voxels).
"""

import importlib.util
import os
import sys
import tempfile

import molgrid
import numpy as np
import torch

molgrid.set_gpu_enabled(False)


def complexes(shared):
    structs = os.path.join(shared, "gnina-testdata", "structs")
    for pdb in ("187l", "1a30", "1ado", "1aj7", "1apv", "1b3g"):
        ext = "mol2" if pdb == "1apv" else "sdf"
        yield (
            pdb,
            os.path.join(structs, pdb, f"{pdb}_rec.pdb"),
            os.path.join(structs, pdb, f"{pdb}_ligand.{ext}"),
        )
    extra = os.path.join(shared, "gnina-extra")
    for pdb, lig in (("10gs", "10gs_lig.sdf"), ("184l", "184l_lig.sdf"), ("3rod", "3rod_lig.pdb")):
        yield pdb, os.path.join(extra, f"{pdb}_rec.pdb"), os.path.join(extra, lig)
    root = os.path.join(
        importlib.util.find_spec("posebusters").submodule_search_locations[0], "datasets", "pdb"
    )
    for pdb in ("1ia1", "1of6", "1s3v", "1uou"):
        yield (
            pdb,
            os.path.join(root, pdb, f"{pdb}_protein_one_lig_removed.pdb"),
            os.path.join(root, pdb, f"{pdb}_ligand.sdf"),
        )


def example(rec, lig, *typers):
    with tempfile.NamedTemporaryFile("w", suffix=".types", delete=False) as handle:
        handle.write(f"{rec} {lig}\n")
    provider = molgrid.ExampleProvider(
        *typers, data_root="/", iteration_scheme=molgrid.IterationScheme.SmallEpoch
    )
    provider.populate(handle.name)
    os.unlink(handle.name)
    return provider.next()


def main(shared, out):
    arrays = {}
    rng = np.random.default_rng(7)
    gmaker = molgrid.GridMaker()
    for name, rec, lig in complexes(shared):
        typer = molgrid.GninaIndexTyper()
        ex = example(rec, lig, typer, typer)
        rec_set, lig_set = ex.coord_sets
        rec_types = rec_set.type_index.tonumpy().astype(np.int64)
        heavy = rec_types > 1
        arrays[f"{name}/rec_coords"] = rec_set.coords.tonumpy().astype(np.float32)[heavy]
        arrays[f"{name}/rec_types"] = rec_types[heavy].astype(np.int8)
        arrays[f"{name}/lig_coords"] = lig_set.coords.tonumpy().astype(np.float32)
        arrays[f"{name}/lig_types"] = lig_set.type_index.tonumpy().astype(np.int8)

        ex = example(rec, lig)
        center = ex.coord_sets[-1].center()
        dims = gmaker.grid_dimensions(ex.num_types())
        grid = torch.zeros(dims, dtype=torch.float32)
        gmaker.forward(ex, grid)
        values = grid.numpy().ravel()
        nonzero = np.flatnonzero(values)
        picks = np.concatenate([rng.choice(nonzero, 3000, replace=False), rng.choice(values.size, 500)])
        arrays[f"{name}/center"] = np.array([center.x, center.y, center.z], dtype=np.float64)
        arrays[f"{name}/channel_sums"] = grid.double().sum(dim=(1, 2, 3)).numpy()
        arrays[f"{name}/sample_index"] = picks.astype(np.int64)
        arrays[f"{name}/sample_value"] = values[picks]
        print(name, int(heavy.sum()), len(arrays[f"{name}/lig_types"]), file=sys.stderr)
    np.savez_compressed(out, **arrays)


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]), sys.argv[2])
