"""Read + type a receptor (~4,500 atoms) and its ligand: voxbind against libmolgrid (OpenBabel).

    .venv/bin/python benchmarks/bench_read.py [--repeats 20] [--oracle-python PATH] [--baseline SRC]

Both sides read the same two files from the shared gnina test data (1apv: PDB receptor with hydrogens,
MOL2 ligand) and type them with GNINA's default 14 + 14 channel maps: voxbind through
``read_typed_molecule`` (residue templates for the receptor, RDKit for the ligand), and, for reference,
through an RDKit molecule for both. libmolgrid's side runs in its own environment (see ``bench_grid.py``);
results are recorded in ``RESULTS.md``. ``--baseline SRC`` also times ``read_typed_molecule`` from another
voxbind source tree (e.g. a checkout of an earlier commit, its ``src`` folder) in the same run, rounds of
the two trees alternating, to show a change does not slow reading down.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

from _timing import median_ms
from bench_grid import find_oracle, machine, run_side

from voxbind.atomtypes import DEFAULT_LIGAND_MAP, DEFAULT_RECEPTOR_MAP, GninaTyper, read_typed_molecule
from voxbind.io import read_molecule

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data" / "gnina-testdata" / "structs" / "1apv"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--oracle-python", default=None)
    parser.add_argument("--data", default=str(DATA), help="folder with 1apv_rec.pdb and 1apv_ligand.mol2")
    parser.add_argument("--baseline", help="another voxbind source tree (its src folder) to compare with")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating rounds with libmolgrid (and --baseline)"
    )
    args = parser.parse_args(argv)
    receptor, ligand = Path(args.data) / "1apv_rec.pdb", Path(args.data) / "1apv_ligand.mol2"
    rec_typer, lig_typer = GninaTyper(DEFAULT_RECEPTOR_MAP), GninaTyper(DEFAULT_LIGAND_MAP)

    def ours():
        return read_typed_molecule(receptor, rec_typer), read_typed_molecule(ligand, lig_typer)

    def through_rdkit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return rec_typer(read_molecule(receptor)), lig_typer(read_molecule(ligand))

    rec, lig = ours()
    slow_rec, _ = through_rdkit()
    if not (rec.types == slow_rec.types).all():
        raise SystemExit("the template path and the RDKit path disagree on the receptor's types")
    mine = median_ms(ours, args.repeats)
    rdkit_ms = median_ms(through_rdkit, args.repeats)
    print(machine())
    atoms = read_molecule(receptor).num_atoms
    print(f"1apv: receptor {atoms} atoms in the file; typed {rec.num_atoms} + {lig.num_atoms}")
    print(f"  (all through RDKit    {rdkit_ms:8.1f} ms)")
    if args.baseline:
        compare_trees(Path(args.baseline), receptor, ligand, args.repeats, args.rounds)
    oracle = find_oracle(args.oracle_python)
    if oracle is None:
        print(f"voxbind read + type     {mine:8.1f} ms")
        print("libmolgrid: no oracle venv found")
        return
    # rounds alternate the two sides, so that a burst of load on the machine falls on both
    ours_ms, theirs_ms = [mine], []
    for k in range(args.rounds):
        if k:
            ours_ms.append(median_ms(ours, args.repeats))
        theirs = run_side(oracle, "molgrid_read_side.py", [receptor, ligand], [args.repeats], quiet=True)
        theirs_ms.append(theirs["read_type_ms"])
    mine, reference = statistics.median(ours_ms), statistics.median(theirs_ms)
    print(f"voxbind read + type     {mine:8.1f} ms  (median of {args.rounds} rounds)")
    print(f"libmolgrid read + type  {reference:8.1f} ms  ({theirs['typed_atoms']} typed atoms)")
    rounds = ", ".join(f"{t / o:.2f}x" for o, t in zip(ours_ms, theirs_ms, strict=True))
    print(f"speed-up                {reference / mine:8.2f}x  (target >= 4x; rounds: {rounds})")


def compare_trees(baseline: Path, receptor: Path, ligand: Path, repeats: int, rounds: int) -> None:
    """Time ``read_typed_molecule`` from ``baseline`` and from this tree, alternating, in fresh processes."""
    here = HERE.parent / "src"
    times: dict[str, list[float]] = {"baseline": [], "this tree": []}
    for _ in range(rounds):
        for name, tree in (("baseline", baseline), ("this tree", here)):
            env = {**os.environ, "PYTHONPATH": str(tree.resolve())}
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "out.json"
                command = [sys.executable, str(HERE / "voxbind_read_side.py"), receptor, ligand, out, repeats]
                subprocess.run([str(c) for c in command], check=True, env=env)
                times[name].append(json.loads(out.read_text())["read_type_ms"])
    for name, values in times.items():
        runs = ", ".join(f"{v:.1f}" for v in values)
        print(f"{name:10} read + type  {statistics.median(values):8.1f} ms  (median of rounds: {runs})")
    ratio = statistics.median(times["this tree"]) / statistics.median(times["baseline"])
    print(f"this tree / baseline    {ratio:8.2f}")


if __name__ == "__main__":
    main()
