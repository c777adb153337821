"""Assay-aware multi-pose training from a CSV of measured potencies and per-compound poses, on data built
from the shared real complexes: the table is read, split, learned from, resumed exactly and reported."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from voxbind.cli.main import main
from voxbind.data.assay import AssayColumns, read_assay_table, split_compounds, types_to_assay
from voxbind.errors import InvalidFileError
from voxbind.io import read_molecules
from voxbind.train import AssayTrainer, TrainConfig

from ..conftest import shared_data

#: A small grid (24³ at 1 Å) keeps the CPU runs short.
SMALL = {"resolution": 1.0, "dimension": 23.0}


def write_assay(folder: Path, compounds: int = 10, poses: int = 3) -> Path:
    """A table of the first ``compounds`` targets of small.types (:func:`types_to_assay`: each target's
    first ``poses`` poses, its affinity as a pKi, its receptor), with a standard error of 0.3 and two
    measurements censored on either side of the true value."""
    root = shared_data() / "gnina-testdata"
    lines = (root / "small.types").read_text().splitlines()
    targets = list(dict.fromkeys(line.split()[3].split("/")[0] for line in lines))[:compounds]
    subset = folder / "subset.types"
    subset.write_text("\n".join(line for line in lines if line.split()[3].split("/")[0] in targets))
    table = types_to_assay(subset, folder, data_root=root / "structs", max_poses=poses)
    with open(table, newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[1].update(value=f"{float(rows[1]['value']) - 1:.3f}", qualifier=">")  # the true value lies above
    rows[2].update(value=f"{float(rows[2]['value']) + 1:.3f}", qualifier="<")
    with open(table, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**row, "stderr": "0.3"} for row in rows)
    return table


#: The shared complexes with structure-file ligands: their (unreliable) smallmol.types affinities as pKi.
COMPLEXES = {"187l": 3.37, "1ado": 6.0, "1aj7": 3.87, "1b3g": 6.70, "1a30": 4.30, "1apv": 9.0}


def heavy_rmsd(pose, reference) -> float | None:
    """RMSD over the heavy atoms in file order, when both list the same elements in the same order."""
    atoms = [[x for x in m.GetAtoms() if x.GetAtomicNum() > 1] for m in (pose, reference)]
    if [x.GetAtomicNum() for x in atoms[0]] != [x.GetAtomicNum() for x in atoms[1]]:
        return None
    xyz = [
        m.GetConformer().GetPositions()[[x.GetIdx() for x in a]]
        for m, a in zip((pose, reference), atoms, strict=True)
    ]
    return float(np.sqrt(((xyz[0] - xyz[1]) ** 2).sum(1).mean()))


def write_sdf_assay(folder: Path) -> Path:
    """A table of the six shared PDB + SDF/MOL2 complexes, each compound's poses one SDF: the crystal
    pose, its UFF-minimised pose and two rigid moves of the crystal pose (15° and 40° about its centroid,
    1 and 3 Å away), each with its RMSD to the crystal pose as the tag ``rmsd``; 187l's value censored
    below ("< 4"), 1apv's above ("> 8.5")."""
    from rdkit import Chem
    from rdkit.Chem import rdMolTransforms
    from scipy.spatial.transform import Rotation

    structs = shared_data() / "gnina-testdata" / "structs"
    (folder / "poses").mkdir(parents=True)
    rows = []
    for name, value in COMPLEXES.items():
        crystal = read_molecules(next(structs.glob(f"{name}/{name}_ligand.*")))[0].rdmol
        uff = read_molecules(structs / name / f"{name}_ligand_uff.sdf")[0].rdmol
        poses = [Chem.Mol(crystal), Chem.Mol(uff)]
        for degrees, shift in ((15, 1.0), (40, 3.0)):
            moved = Chem.Mol(crystal)
            conformer = moved.GetConformer()
            center = rdMolTransforms.ComputeCentroid(conformer)
            matrix = np.eye(4)
            matrix[:3, :3] = Rotation.from_euler("z", degrees, degrees=True).as_matrix()
            xyz = np.array(conformer.GetPositions()) - np.array(center)
            for k, p in enumerate(xyz @ matrix[:3, :3].T + np.array(center) + [shift, 0, 0]):
                conformer.SetAtomPosition(k, p.tolist())
            poses.append(moved)
        with Chem.SDWriter(str(folder / "poses" / f"{name}.sdf")) as writer:
            for pose in poses:
                rmsd = heavy_rmsd(pose, crystal)
                if rmsd is not None:
                    pose.SetProp("rmsd", f"{rmsd:.3f}")
                writer.write(pose)
        qualifier = {"187l": "<", "1apv": ">"}.get(name, "=")
        shown = {"187l": 4.0, "1apv": 8.5}.get(name, value)
        rows.append([name, shown, qualifier, 0.3, str(structs / name / f"{name}_rec.pdb")])
    table = folder / "assay.csv"
    with open(table, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["compound", "value", "qualifier", "stderr", "receptor"])
        writer.writerows(rows)
    return table


def options(folder: Path, **changes) -> dict:
    values = {
        "assay_table": str(folder / "assay.csv"), "poses": str(folder / "poses"),
        "output": str(folder / "run"),
        "optimizer": "adam", "lr": 0.0003, "batch_size": 2, "max_poses": 3, "valid_fraction": 0.3,
        "test_fraction": 0.2, "eval_every": 3, "checkpoint_every": 3, "steps": 12, "rotate": False,
        **SMALL,
    }  # fmt: skip
    return {**values, **changes}


def config(folder: Path, **changes) -> TrainConfig:
    return TrainConfig.from_mapping(options(folder, **changes))


def rows(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_table_is_read_with_censored_values_and_each_compounds_poses(tmp_path):
    table = write_assay(tmp_path)
    compounds = read_assay_table(table, tmp_path / "poses")
    assert len(compounds) == 10
    assert [c.qualifier for c in compounds[:4]] == ["=", ">", "<", "="]
    assert all(len(c.poses) == 3 and c.stderr == pytest.approx(0.3) for c in compounds)
    assert all(c.receptor.is_file() for c in compounds)
    splits = split_compounds(compounds, "random", 0.3, 0.2, seed=0)
    assert sorted(i for indices in splits.values() for i in indices) == list(range(10))
    assert [len(splits[k]) for k in ("train", "valid", "test")] == [5, 3, 2]
    bad = tmp_path / "bad.csv"
    bad.write_text("compound,value\nx,<>5\n")
    with pytest.raises(InvalidFileError, match=r"bad.csv, line 2: value '>5' is not a number"):
        read_assay_table(bad, tmp_path / "poses", AssayColumns())


def test_scaffold_and_temporal_splits_keep_groups_and_order(tmp_path):
    (tmp_path / "poses").mkdir()
    smiles = ["c1ccccc1C", "c1ccccc1CC", "c1ccccc1O", "C1CCNCC1C", "C1CCNCC1O", "c1ccncc1", "CCO", "CCN"]
    with open(tmp_path / "t.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["compound", "value", "smiles", "date"])
        for k, s in enumerate(smiles):
            writer.writerow([f"c{k}", 5 + k / 10, s, f"2024-0{1 + (7 - k)}-01"])
            (tmp_path / "poses" / f"c{k}.sdf").write_text("")
    compounds = read_assay_table(tmp_path / "t.csv", tmp_path / "poses")
    scaffolds = split_compounds(compounds, "scaffold", 0.25, 0.25)
    # largest groups first: benzenes (3) to training; acyclics (2) overflow it, to validation;
    # piperidines (2) overflow that, to test; the pyridine still fits in training
    assert scaffolds == {"train": [0, 1, 2, 5], "valid": [6, 7], "test": [3, 4]}
    temporal = split_compounds(compounds, "temporal", 0.25, 0.25)
    assert temporal == {"train": [4, 5, 6, 7], "valid": [2, 3], "test": [0, 1]}  # the newest last


def test_training_learns_and_resumes_exactly(tmp_path):
    write_assay(tmp_path)
    whole = AssayTrainer(config(tmp_path, output=str(tmp_path / "whole")))
    first_loss = whole.evaluate(whole.test_set)["loss"]
    log = whole.run(progress=False)
    assert len(log) == 12
    validation = rows(tmp_path / "whole" / "test.csv")
    losses = [float(r["loss"]) for r in validation]
    assert losses[-1] < 0.5 * first_loss  # the validation loss falls (from about 36: pKi 0 against ~6)
    predictions = rows(tmp_path / "whole" / "predictions.csv")
    assert [r["split"] for r in predictions] == ["valid"] * 3 + ["test"] * 2
    for row in predictions:
        weights = [float(w) for w in row["pose_weights"].split()]
        assert len(weights) == len(row["pose_dG"].split()) == 3
        assert sum(weights) == pytest.approx(1.0, abs=1e-3)  # Boltzmann weights over the poses
    assert (tmp_path / "whole" / "parity.png").stat().st_size > 1000

    part = AssayTrainer(config(tmp_path, output=str(tmp_path / "part"), steps=6))  # stopped half-way
    part.run(progress=False)
    resumed = AssayTrainer(config(tmp_path, output=str(tmp_path / "part")))
    resumed.resume(tmp_path / "part" / "checkpoint.pt")
    resumed.run(progress=False)
    for a, b in zip(whole.model.state_dict().values(), resumed.model.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)  # the same weights as one uninterrupted run


def test_delta_strategy_and_early_stopping_from_the_command_line(tmp_path, capsys):
    write_assay(tmp_path, compounds=6, poses=2)
    values = options(tmp_path, energy_model="delta_separate", loss_nll=0.5, loss_range=0.1, steps=40,
                     patience=1, lr=1e-12, max_poses=2)  # fmt: skip
    toml = tmp_path / "assay.toml"
    text = (f'{k} = "{v}"' if isinstance(v, str) else f"{k} = {str(v).lower()}" for k, v in values.items())
    toml.write_text("\n".join(text) + "\n")
    main(["train", "--config", str(toml)])
    out = capsys.readouterr().out
    assert "trained to step 6" in out  # weights too big to move by 1e-12: patience 1 stops at step 6
    predictions = rows(tmp_path / "run" / "predictions.csv")
    assert len(predictions) == 3
    assert all(math.isfinite(float(r["predicted"])) for r in predictions)


def test_sdf_poses_with_pose_labels_learn_and_resume_exactly(tmp_path):
    write_sdf_assay(tmp_path)
    settings = {"valid_fraction": 0.34, "test_fraction": 0.0, "max_poses": 4, "loss_pose": 0.5,
                "rmsd_tag": "rmsd", "eval_every": 4, "checkpoint_every": 4, "steps": 12}  # fmt: skip
    whole = AssayTrainer(config(tmp_path, output=str(tmp_path / "whole"), **settings))
    for i in range(6):
        good = [g for _, g in whole.train_set.dataset.poses(i)]
        assert good[0]  # the crystal pose
        assert good[2]  # 1 Å away: within 2 Å
        assert not good[3]  # 3 Å away
    first_loss = whole.evaluate(whole.test_set)["loss"]
    whole.run(progress=False)
    losses = [float(r["loss"]) for r in rows(tmp_path / "whole" / "test.csv")]
    assert losses[-1] < 0.5 * first_loss  # the validation loss falls
    part = AssayTrainer(config(tmp_path, output=str(tmp_path / "part"), **{**settings, "steps": 8}))
    part.run(progress=False)
    resumed = AssayTrainer(config(tmp_path, output=str(tmp_path / "part"), **settings))
    resumed.resume(tmp_path / "part" / "checkpoint.pt")
    resumed.run(progress=False)
    for a, b in zip(whole.model.state_dict().values(), resumed.model.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_starting_from_gninas_weights_starts_near_the_measurements(tmp_path):
    """``init_from`` in assay training: GNINA's published network predicts pK from the first step, so its
    validation loss starts far below a fresh network's."""
    pytest.importorskip("gninatorch", reason="GNINA 1.0's weights come with gninatorch")
    write_sdf_assay(tmp_path)
    settings = {"valid_fraction": 0.34, "test_fraction": 0.0, "max_poses": 2, "steps": 1}
    fresh = AssayTrainer(config(tmp_path, output=str(tmp_path / "fresh"), **settings))
    published = AssayTrainer(
        config(tmp_path, output=str(tmp_path / "tuned"), init_from="crossdock_default2018", **settings)
    )
    assert published.config.resolution == 0.5  # the published model's grid replaces the small one
    assert published.evaluate(published.test_set)["loss"] < 0.5 * fresh.evaluate(fresh.test_set)["loss"]


def test_early_stopping_on_a_metric_the_evaluation_lacks_is_refused_before_training(tmp_path):
    from voxbind.errors import ConfigError

    write_sdf_assay(tmp_path)
    trainer = AssayTrainer(config(tmp_path, patience=2, stop_metric="auc", valid_fraction=0.34))
    with pytest.raises(ConfigError, match=r"stop_metric 'auc' is not a metric of this evaluation \(loss"):
        trainer.run(progress=False)
    assert trainer.step == 0
    assert not (tmp_path / "run" / "checkpoint.pt").exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("x,inf,,,", r"line 2: value 'inf' must be finite"),
        ("x,5,0,,", r"line 2: standard error '0' must be finite and > 0"),
        ("x,5,,-1,2", r"line 2: substrate concentration '-1' must be finite and >= 0"),
        ("x,5,,1,0", r"line 2: Km '0' must be finite and > 0"),
        ("x,5,,1,abc", r"line 2: Km 'abc' is not a number"),
    ],
)
def test_bad_numbers_in_the_table_name_the_line_and_value(tmp_path, row, message):
    (tmp_path / "poses").mkdir()
    (tmp_path / "poses" / "x.sdf").write_text("")
    table = tmp_path / "t.csv"
    table.write_text(f"compound,value,stderr,substrate,km\n{row}\n")
    with pytest.raises(InvalidFileError, match=message):
        read_assay_table(table, tmp_path / "poses")


def test_a_compound_without_a_measurement_is_kept_with_a_warning(tmp_path, caplog):
    (tmp_path / "poses").mkdir()
    for name in ("a", "b"):
        (tmp_path / "poses" / f"{name}.sdf").write_text("")
    table = tmp_path / "t.csv"
    table.write_text("compound,value\na,5\nb,nan\n")
    compounds = read_assay_table(table, tmp_path / "poses")
    assert math.isnan(compounds[1].value)
    assert "1 compound(s) without a measured value: b" in caplog.text
