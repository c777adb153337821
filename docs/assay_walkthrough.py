"""The walk-through of docs/assay-training.md: an assay table from GNINA's test data, a training run on it,
and its parity plot copied to docs/assay-parity.png.

    python docs/assay_walkthrough.py [GNINA_TESTDATA]   (default: ../shared/data/gnina-testdata)

Each of small.types' 60 targets becomes a compound with up to 4 poses (its crystal pose and docked
ones), valued by its affinity as a pKi with a standard error of 0.3; values outside the assay's range
[4, 9] are censored at its bounds ("<4", ">9"), as a plate reader reports them. Then
``voxbind train --config docs/assay-example.toml`` runs in the repository's folder.
"""

import csv
import shutil
import subprocess
import sys
from pathlib import Path

from voxbind.data.assay import types_to_assay

ROOT = Path(__file__).resolve().parent.parent
LOW, HIGH = 4.0, 9.0


def main(testdata: Path) -> None:
    folder = ROOT / "assay-example"
    shutil.rmtree(folder, ignore_errors=True)
    table = types_to_assay(testdata / "small.types", folder, data_root=testdata / "structs", max_poses=4)
    with open(table, newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        value = float(row["value"])
        if value < LOW:
            row.update(value=f"{LOW}", qualifier="<")
        elif value > HIGH:
            row.update(value=f"{HIGH}", qualifier=">")
        row["stderr"] = "0.3"
    with open(table, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    censored = sum(r["qualifier"] != "=" for r in rows)
    print(f"{table}: {len(rows)} compounds, {censored} censored")
    command = [sys.executable, "-m", "voxbind", "train", "--config", "docs/assay-example.toml"]
    subprocess.run(command, cwd=ROOT, check=True)
    shutil.copy(folder / "run" / "parity.png", ROOT / "docs" / "assay-parity.png")
    print((folder / "run" / "predictions.csv").read_text())


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "gnina-testdata")
