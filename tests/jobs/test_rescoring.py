"""Rescoring at screening scale: streamed poses, GNINA's SD tags, bad records, resuming, torchrun."""

from __future__ import annotations

import gzip
import importlib.util
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdkit import Chem

from voxbind.jobs import example_complex, iter_scores, rescore
from voxbind.jobs.score_parts import PartWriter, parts_folder

from .screening import KilledAfter, needs_torchrun, run_once_and_under_torchrun, small_scorer, write_screen

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("prolif") is None, reason="prolif (the example complex) not installed"
)
ROOT = Path(__file__).resolve().parents[2]

#: Malformed records put among the poses: position -> record.
BAD = {
    3: "broken\n\n\n  2  1  0  0  0  0  0  0  0  0999 V2000\nM  END\n$$$$\n",  # counts without atoms
    7001: "no end line\n  RDKit\n\n  0  0  0  0  0  0  0  0  0  0999 V2000\n$$$$\n",
    19_999: "\n\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n    0.0    nan    0.0 C   0  0\nM  END\n$$$$\n",
}


def _sdf(path: Path) -> list[Chem.Mol]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        return [m for m in Chem.ForwardSDMolSupplier(handle, removeHs=False, sanitize=False)]


def test_20000_streamed_poses_are_written_in_order_with_gnina_tags_equal_to_one_by_one(tmp_path, caplog):
    receptor, ligand = example_complex()
    poses = tmp_path / "screen.sdf"
    write_screen(ligand, poses, 20_000, bad=BAD)
    output = tmp_path / "scored.sdf.gz"
    with caplog.at_level(logging.WARNING, logger="voxbind.jobs.rescoring"):
        summary = rescore(
            [(receptor, poses)], [output, tmp_path / "scored.csv"], small_scorer(), batch_size=32
        )
    assert (summary.poses, summary.scored, summary.unreadable) == (20_003, 20_000, 3)
    assert summary.outputs == {str(output): 20_000, str(tmp_path / "scored.csv"): 20_003}
    reported = [r.getMessage() for r in caplog.records]
    for position in BAD:
        assert any(
            f"screen.sdf, record {position + 1} (line " in m and m.endswith("; skipped") for m in reported
        )
    assert not parts_folder(output).exists()

    written = _sdf(output)
    assert len(written) == 20_000
    first = written[0].GetPropsAsDict()
    assert set(first) == {"CNNscore", "CNNaffinity", "CNN_VS", "pose"}
    one_by_one = (s for s in iter_scores([(receptor, poses)], small_scorer(), batch_size=1) if s.scored)
    for k, (mol, expected) in enumerate(zip(written, one_by_one, strict=True)):
        tags = mol.GetPropsAsDict()
        assert mol.GetProp("_Name") == f"ligand-{k % 50}"
        assert tags["pose"] == expected.pose
        assert tags["CNNscore"] == pytest.approx(expected.cnn_score, abs=1e-6)
        assert tags["CNNaffinity"] == pytest.approx(expected.cnn_affinity, abs=1e-6)
        assert tags["CNN_VS"] == pytest.approx(expected.cnn_score * expected.cnn_affinity, abs=1e-6)
        if k % 997 == 0:  # the structure is the input's
            assert mol.GetConformer().GetPositions() == pytest.approx(expected.molecule.coords, abs=1e-4)


def test_input_tags_are_kept_the_output_sorted_and_compounds_combined(tmp_path):
    receptor, ligand = example_complex()
    records = ligand.read_text().split("$$$$\n")[:4]
    poses = tmp_path / "tagged.sdf"
    poses.write_text(
        "".join(
            f"{r.rstrip()}\n>  <minimizedAffinity>\n{-9 + k}\n\n>  <CNNscore>\n0.5\n\n$$$$\n"
            for k, r in enumerate(records)
        )
    )
    output = tmp_path / "sorted.sdf"
    scorer = small_scorer()
    summary = rescore([(receptor, poses)], [output], scorer, sort="CNNscore", combine="mean")
    scores = sorted(iter_scores([(receptor, poses)], small_scorer()), key=lambda s: -s.cnn_score)
    written = _sdf(output)
    assert [m.GetIntProp("pose") for m in written] == [s.pose for s in scores]
    assert [m.GetDoubleProp("minimizedAffinity") for m in written] == [-9 + s.pose - 1 for s in scores]
    assert [m.GetDoubleProp("CNNscore") for m in written] == pytest.approx(
        [s.cnn_score for s in scores], abs=1e-6
    )
    compounds = (tmp_path / "sorted.compounds.csv").read_text().splitlines()
    assert compounds[0] == "name,poses,scored,CNNaffinity_mean,best_CNNscore"
    assert summary.outputs[str(tmp_path / "sorted.compounds.csv")] == 1
    ascending = tmp_path / "by_vina.jsonl"
    rescore([(receptor, poses)], [ascending], small_scorer(), sort="minimizedAffinity", ascending=True)
    rows = [json.loads(line) for line in ascending.read_text().splitlines()]
    assert [row["pose"] for row in rows] == [1, 2, 3, 4]


def test_a_killed_run_resumed_gives_the_output_of_an_uninterrupted_run(tmp_path):
    receptor, ligand = example_complex()
    poses = tmp_path / "screen.sdf"
    write_screen(ligand, poses, 300, bad={120: BAD[3]})
    killed = tmp_path / "killed.sdf"
    arguments = ", ".join(repr(str(a)) for a in (receptor, poses, killed))
    code = f"from tests.jobs.screening import run_killed; run_killed({arguments}, 20)"
    process = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert process.returncode == -9, process.stderr  # SIGKILL on the 20th batch
    assert not killed.exists()
    part = parts_folder(killed) / "rank-0.jsonl"
    finished = part.read_text().count("\n")
    assert 8 * 18 <= finished <= 8 * 19 + 1  # the batches before the kill were kept
    with open(part, "a") as handle:
        handle.write('{"index": 999, "half a li')  # as a kill in mid-write leaves it

    with pytest.raises(ValueError, match="--resume"):
        rescore([(receptor, poses)], [killed], small_scorer(KilledAfter(-1)), batch_size=8)
    summary = rescore([(receptor, poses)], [killed], small_scorer(KilledAfter(-1)), batch_size=8, resume=True)
    assert summary.resumed == finished
    whole = tmp_path / "whole.sdf"
    rescore([(receptor, poses)], [whole], small_scorer(KilledAfter(-1)), batch_size=8)
    assert killed.read_text() == whole.read_text()
    assert len(_sdf(whole)) == 300


@needs_torchrun
@pytest.mark.skipif(
    importlib.util.find_spec("gninatorch") is None, reason="gninatorch (GNINA's weights) not installed"
)
def test_two_processes_under_torchrun_write_the_output_of_one(tmp_path):
    receptor, ligand = example_complex()
    poses = tmp_path / "screen.sdf"
    write_screen(ligand, poses, 27, bad={5: BAD[3]})
    command = ["score", "-r", str(receptor), "-l", str(poses), "--batch-size", "4"]
    report = run_once_and_under_torchrun(command, tmp_path)
    assert "28 poses: 27 scored (0 flagged), 0 not scorable, 1 unreadable records skipped" in report
    a, b = _sdf(tmp_path / "one.sdf"), _sdf(tmp_path / "two.sdf")
    assert len(a) == len(b) == 27
    for x, y in zip(a, b, strict=True):
        assert Chem.MolToMolBlock(x) == Chem.MolToMolBlock(y)
        assert x.GetIntProp("pose") == y.GetIntProp("pose")
        for tag in ("CNNscore", "CNNaffinity", "CNN_VS"):
            assert x.GetDoubleProp(tag) == pytest.approx(y.GetDoubleProp(tag), abs=1e-5)


def test_part_files_are_flushed_each_batch_and_synced_at_most_once_a_second(tmp_path, monkeypatch):
    synced = []
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd))
    writer = PartWriter(tmp_path, 0, sync_seconds=3600.0)
    for k in range(5):
        writer.write([{"index": k}])
        # flushed: another reader sees every batch written so far
        assert (tmp_path / "rank-0.jsonl").read_text().count("\n") == k + 1
    assert synced == []  # no sync within the interval
    writer.close()
    assert len(synced) == 1  # synced on closing
    writer = PartWriter(tmp_path, 0, sync_seconds=0.0)
    writer.write([{"index": 5}])
    assert len(synced) == 2
    writer.close()
