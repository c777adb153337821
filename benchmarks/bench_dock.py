"""Redocking: top-1 pose within 2 Å of the crystal pose, Vina alone against Vina + GNINA's CNN.

    .venv/bin/python benchmarks/bench_dock.py [--seeds 0] [--exhaustiveness 8] [--model crossdock_default2018]

Every complex with a crystal ligand here (the shared data's complexes with SDF, MOL2 or PDB ligands, and
posebusters' examples) is redocked: the crystal ligand, prepared by meeko from its own
conformer, is docked by AutoDock Vina (the ``vina`` package) in a box around itself widened by 4 Å on each
side (GNINA's ``--autobox_ligand`` and ``--autobox_add``), 9 modes; the same Vina poses are then ordered
three ways: Vina's score alone, the CNN's rescoring (GNINA's default), and CNN refinement of every pose
followed by its CNNscore. The top-1 pose's heavy-atom RMSD to the crystal pose (symmetry-aware, in place)
is reported per complex, with the success rate (< 2 Å) of each way and the time per ligand. prolif's
example has docked poses, not a crystal ligand, and is left out. Results are recorded in ``RESULTS.md``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench_grid import machine
from bench_refine import SHARED, complexes
from rdkit import Chem
from rdkit.Chem import rdMolAlign

from voxbind.io import read_molecule
from voxbind.jobs import Box, Docker
from voxbind.jobs.docking import plain_ligand

MODES = ("none", "rescore", "refinement")


def every_complex() -> list:
    """``bench_refine.py``'s complexes and those whose crystal ligand is a MOL2 or PDB file (bond orders
    from the MOL2, guessed for the PDB ligand)."""
    structs = SHARED / "gnina-testdata" / "structs" / "1apv"
    more = [
        ("1apv", structs / "1apv_rec.pdb", structs / "1apv_ligand.mol2"),
        ("3rod", SHARED / "gnina-extra" / "3rod_rec.pdb", SHARED / "gnina-extra" / "3rod_lig.pdb"),
    ]
    return complexes() + [c for c in more if c[1].is_file() and c[2].is_file()]


def rmsd(pose: Chem.Mol, crystal: Chem.Mol) -> float:
    """Heavy-atom RMSD in place, over the symmetry-equivalent atom matches (the crystal ligand made plain
    as docking makes it: no molfile query fields, PDBbind's carboxylates mended)."""
    return rdMolAlign.CalcRMS(Chem.RemoveHs(pose), Chem.RemoveHs(plain_ligand(crystal)))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--exhaustiveness", type=int, default=8)
    parser.add_argument("--model", default="crossdock_default2018")
    args = parser.parse_args(argv)
    print(machine())
    rows = []
    for name, receptor, ligand_file in every_complex():
        crystal = read_molecule(ligand_file)
        box = Box.around(crystal)
        for seed in (int(s) for s in args.seeds.split(",")):
            docker = Docker(receptor, box, model=args.model, exhaustiveness=args.exhaustiveness, seed=seed)
            started = time.perf_counter()
            try:
                sampled = docker.sample(crystal.rdmol, name)
            except Exception as err:  # report and go on
                print(f"{name} seed {seed}: not docked ({err})", flush=True)
                continue
            sampling = time.perf_counter() - started
            row = {"name": name, "seed": seed, "vina_seconds": sampling}
            for mode in MODES:
                start = time.perf_counter()
                poses = docker.finish(sampled, name, mode)
                row[f"{mode}_seconds"] = time.perf_counter() - start
                row[mode] = rmsd(poses[0].molecule, crystal.rdmol)
            best = min(rmsd(p.molecule, crystal.rdmol) for p in sampled)
            row["best"] = best
            rows.append(row)
            print(
                f"{name} seed {seed}: top-1 RMSD Vina {row['none']:.2f}, rescored {row['rescore']:.2f}, "
                f"refined {row['refinement']:.2f} Å (best of {len(sampled)} {best:.2f}); Vina "
                f"{sampling:.1f} s, rescoring {row['rescore_seconds']:.2f} s, refinement "
                f"{row['refinement_seconds']:.1f} s",
                flush=True,
            )
    print()
    print("| complex (seed) | Vina top-1 | + CNN rescoring | + CNN refinement | best of Vina's poses |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        cells = " | ".join(f"{r[k]:.2f}" for k in (*MODES, "best"))
        print(f"| {r['name']} ({r['seed']}) | {cells} |")
    n = len(rows)
    rates = {m: sum(r[m] < 2.0 for r in rows) for m in (*MODES, "best")}
    print(
        f"\ntop-1 < 2 Å: Vina {rates['none']}/{n}, rescoring {rates['rescore']}/{n}, refinement "
        f"{rates['refinement']}/{n}; any of Vina's poses {rates['best']}/{n}"
    )
    seconds = {
        k: statistics.mean(r[k] for r in rows)
        for k in ("vina_seconds", "rescore_seconds", "refinement_seconds")
    }
    print(
        f"mean time per ligand: Vina {seconds['vina_seconds']:.1f} s, + rescoring "
        f"{seconds['rescore_seconds']:.2f} s, + refinement {seconds['refinement_seconds']:.1f} s"
    )


if __name__ == "__main__":
    main()
