"""Where a training run's records go: CSV files, TensorBoard (when installed) and learning-curve plots.

Every file is rewritten whole under a temporary name and renamed into place, so a run killed at any
moment leaves complete files. A resumed run keeps the records up to its checkpoint's step and drops
the later ones the killed run had written, so each step is logged once.
"""

from __future__ import annotations

import csv
import logging
import time
from pathlib import Path

import numpy as np

from .._atomic import atomic_write
from ..errors import InvalidFileError

logger = logging.getLogger("voxbind.train")

#: The most seconds records wait in memory before the CSV files are rewritten (they are also rewritten
#: before every checkpoint, after every evaluation and at the end of the run).
FLUSH_SECONDS = 30.0
KINDS = ("train", "test")


class RunLog:
    """Records of a run in ``folder``: ``train.csv`` and ``test.csv`` (one row per record), the same
    scalars in ``folder/tensorboard`` when the tensorboard package is installed, and
    ``learning_curves.png`` on :meth:`close` when matplotlib is.

    Args:
        folder: the run's output folder (made if missing).
        enabled: ``False`` on every process but one under ``torchrun``: nothing is written.
        start_step: the step the run starts from (a resumed checkpoint's); records of later steps left by
            an earlier, interrupted run are dropped. 0: a new run, whose files replace any old ones.
    """

    def __init__(self, folder: str | Path, enabled: bool = True, start_step: int = 0):
        self.folder = Path(folder)
        self.enabled = enabled
        self.rows: dict[str, list[dict]] = {kind: [] for kind in KINDS}
        self.board = None
        self._flushed = time.monotonic()
        if not enabled:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        if start_step > 0:
            self.rows = {kind: _read_rows(self.folder / f"{kind}.csv", start_step) for kind in KINDS}
        else:  # a new run: an earlier run's logs in this folder would mix with its own
            for kind in KINDS:
                (self.folder / f"{kind}.csv").unlink(missing_ok=True)
        self.board = _tensorboard(self.folder, start_step)

    def write(self, kind: str, record: dict) -> None:
        """Add ``record`` (with a ``step`` key) to ``{kind}.csv`` and to TensorBoard under ``kind/``."""
        if not self.enabled:
            return
        self.rows[kind].append(dict(record))
        if self.board is not None:
            for name, value in record.items():
                if name != "step":
                    self.board.add_scalar(f"{kind}/{name}", value, record["step"])
        if time.monotonic() - self._flushed > FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Rewrite the CSV files with every record so far."""
        if not self.enabled:
            return
        for kind, rows in self.rows.items():
            if rows:
                _write_csv(self.folder / f"{kind}.csv", rows)
        if self.board is not None:
            self.board.flush()
        self._flushed = time.monotonic()

    def close(self) -> None:
        """Write the CSV files, plot the learning curves and close TensorBoard."""
        if not self.enabled:
            return
        self.flush()
        if self.rows["train"]:
            plot_learning_curves(self.folder)
        if self.board is not None:
            self.board.close()


def _tensorboard(folder: Path, start_step: int):
    """A TensorBoard writer into ``folder/tensorboard`` (events from ``start_step + 1`` on dropped) when
    the tensorboard package is installed."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        return None
    return SummaryWriter(str(folder / "tensorboard"), purge_step=start_step + 1 if start_step else None)


def _read_rows(path: Path, last_step: int) -> list[dict]:
    """The rows of a run's CSV file up to ``last_step`` (none when the file is missing)."""
    if not path.exists():
        return []
    try:
        with open(path, newline="") as handle:
            rows = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(handle)]
        for row in rows:
            row["step"] = int(row["step"])
    except (OSError, ValueError, TypeError, KeyError) as err:
        raise InvalidFileError(path, "", f"not a training log to resume ({err})") from err
    return [row for row in rows if row["step"] <= last_step]


def _write_csv(path: Path, rows: list[dict]) -> None:
    fields = list(dict.fromkeys(name for row in rows for name in row))
    with atomic_write(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def plot_learning_curves(folder: str | Path) -> None:
    """``learning_curves.png`` from ``train.csv`` (and ``test.csv``), when matplotlib is installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        logger.warning("matplotlib is not installed: no learning-curve plots")
        return
    folder = Path(folder)
    train = np.genfromtxt(folder / "train.csv", delimiter=",", names=True)
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    axes[0].plot(np.atleast_1d(train["step"]), np.atleast_1d(train["loss"]), label="train loss")
    axes[0].set_xlabel("step")
    if (folder / "test.csv").exists():
        test = np.genfromtxt(folder / "test.csv", delimiter=",", names=True)
        names = test.dtype.names or ()
        if "loss" in names:  # assay training evaluates its loss
            steps, loss = np.atleast_1d(test["step"]), np.atleast_1d(test["loss"])
            axes[0].plot(steps, loss, marker="o", label="validation loss")
        for name in [n for n in ("auc", "pearson") if n in names]:
            axes[1].plot(
                np.atleast_1d(test["step"]), np.atleast_1d(test[name]), marker="o", label=f"test {name}"
            )
        axes[1].set_xlabel("step")
        if axes[1].get_lines():
            axes[1].legend()
    axes[0].legend()
    figure.tight_layout()
    with atomic_write(folder / "learning_curves.png") as handle:
        figure.savefig(handle, format="png", dpi=100)
    plt.close(figure)
