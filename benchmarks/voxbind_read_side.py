"""voxbind's half of the read-and-type comparison between two source trees (``bench_read.py
--baseline``): ``PYTHONPATH=SRC python voxbind_read_side.py RECEPTOR LIGAND OUTPUT.json REPEATS`` times
``read_typed_molecule`` on both files with the voxbind found first on the path."""

import json
import sys
import warnings

from _timing import median_ms

from voxbind.atomtypes import DEFAULT_LIGAND_MAP, DEFAULT_RECEPTOR_MAP, GninaTyper, read_typed_molecule


def main(receptor, ligand, out, repeats):
    rec_typer, lig_typer = GninaTyper(DEFAULT_RECEPTOR_MAP), GninaTyper(DEFAULT_LIGAND_MAP)

    def read():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return read_typed_molecule(receptor, rec_typer), read_typed_molecule(ligand, lig_typer)

    rec, lig = read()
    result = {"read_type_ms": median_ms(read, repeats), "typed_atoms": rec.num_atoms + lig.num_atoms}
    with open(out, "w") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
