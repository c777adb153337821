"""Every command on bad input: one line on stderr (``Error: ...``), exit status 2, never a traceback."""

from __future__ import annotations

import numpy as np
import pytest

from voxbind.atomtypes import TypedAtoms, write_gninatypes
from voxbind.atomtypes.gnina import GNINA_INDEX, GNINA_TYPE_NAMES
from voxbind.cli.main import main

GOOD_PDB = "ATOM      1  CA  GLY A   1       0.000   0.000   0.000  1.00  0.00           C\n"
BAD_PDB = "ATOM      1  N   GLY A   1       0.000   nan     0.000  1.00  0.00           N\n"


@pytest.fixture
def files(tmp_path):
    """Small good and bad inputs in ``tmp_path``."""
    (tmp_path / "rec.pdb").write_text(GOOD_PDB)
    (tmp_path / "bad.pdb").write_text(BAD_PDB)
    (tmp_path / "notes.txt").write_text("not a structure\n")
    atoms = TypedAtoms(
        np.zeros((1, 3), np.float32), np.array([GNINA_INDEX["OxygenXSAcceptor"]]),
        np.ones(1, np.float32), GNINA_TYPE_NAMES,
    )  # fmt: skip
    write_gninatypes(tmp_path / "lig.gninatypes", atoms)
    (tmp_path / "good.types").write_text("1 6.0 rec.pdb lig.gninatypes\n")
    (tmp_path / "bad.types").write_text("1 6.0 rec.pdb lig.gninatypes\n1 6.0 2.0\n")
    (tmp_path / "unknown.toml").write_text("learning_rate = 0.1\n")
    (tmp_path / "pairs.txt").write_text("rec.pdb rec.pdb\nrec.pdb gone.sdf\n")
    (tmp_path / "fake.pt").write_bytes(b"not a checkpoint")
    (tmp_path / "empty.pt").write_bytes(b"\n")
    (tmp_path / "binary.map").write_bytes(bytes(range(256)))
    return tmp_path


def _error_line(capsys, args: list[str]) -> str:
    with pytest.raises(SystemExit) as info:
        main(args)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert info.value.code == 2, err
    assert "Traceback" not in err
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: ")
    return lines[0]


CASES = {  # command line (split on spaces; {d} is the folder of the inputs) -> what the error says
    "demo, unknown backend": ("demo --backend fast", "'fast' is not one of"),
    "demo, absent device": ("demo --device cuda:7", "device 'cuda:7' cannot be used here"),
    "grid, missing file": ("grid {d}/missing.pdb {d}/lig.gninatypes -o {d}/g", "does not exist"),
    "grid, unreadable structure": ("grid {d}/bad.pdb {d}/lig.gninatypes -o {d}/g", "bad.pdb, line 1"),
    "grid, no such pose": ("grid {d}/rec.pdb {d}/lig.gninatypes -o {d}/g --pose 3", "pose 3"),
    "grid, nothing to centre on": ("grid {d}/rec.pdb -o {d}/g", "--center"),
    "grid, pose 0": ("grid {d}/rec.pdb {d}/lig.gninatypes -o {d}/g --pose 0", "--pose"),
    "grid, binary map file": (
        "grid {d}/rec.pdb {d}/lig.gninatypes -o {d}/g --receptor-map {d}/binary.map",
        "binary.map",
    ),
    "convert, unknown suffix": ("convert {d}/notes.txt", "cannot tell the format from the suffix '.txt'"),
    "cache, malformed .types line": ("cache {d}/bad.types -o {d}/c", "bad.types, line 2"),
    "score, negative rotations": ("score --example --rotations -1", "--rotations"),
    "score, no ligand": ("score -r {d}/rec.pdb", "give -r RECEPTOR and -l LIGAND"),
    "score, unknown model": ("score --example --model densest", "unknown model 'densest'"),
    "score, unreadable structure": ("score -r {d}/bad.pdb -l {d}/lig.gninatypes", "bad.pdb, line 1"),
    "train, unknown config key": ("train {d}/good.types --config {d}/unknown.toml", "learning_rate"),
    "train, malformed .types line": ("train {d}/bad.types -o {d}/run", "bad.types, line 2"),
    "train, bad option value": ("train {d}/good.types --batch-size 0", "--batch-size"),
    "train, unknown device": (
        "train {d}/good.types --device gpu -o {d}/run",
        "device 'gpu' cannot be used here",
    ),
    "train, resume from no checkpoint": (
        "train {d}/good.types --resume {d}/empty.pt -o {d}/run",
        "empty.pt: not a",
    ),
    "evaluate, not a model file": (
        "evaluate {d}/fake.pt {d}/good.types",
        "fake.pt: not a model file",
    ),
    "score, pairs naming a missing file": (
        "score --pairs {d}/pairs.txt -o {d}/s.sdf",
        "pairs.txt, line 2: no such",
    ),
    "score, unknown output format": ("score --example -o {d}/s.txt", "cannot tell the output format"),
    "minimize, unknown output format": ("minimize --example -o {d}/m.txt", "cannot tell the output format"),
    "evaluate, missing types file": ("evaluate {d}/fake.pt {d}/none.types", "does not exist"),
    "evaluate, empty checkpoint": (
        "evaluate {d}/empty.pt {d}/good.types",
        "empty.pt: not a model file",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_line_and_exit_status_2(case, files, capsys):
    args, expected = CASES[case]
    line = _error_line(capsys, args.format(d=files).split())
    assert expected in line
