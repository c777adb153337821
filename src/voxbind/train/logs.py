"""Where a training run's records go: CSV files, TensorBoard (when installed) and learning-curve plots."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import numpy as np

logger = logging.getLogger("voxbind.train")


class RunLog:
    """Records of a run in ``folder``: ``train.csv`` and ``test.csv`` (one row per record), the same
    scalars in ``folder/tensorboard`` when the tensorboard package is installed, and
    ``learning_curves.png`` on :meth:`close` when matplotlib is.

    Args:
        folder: the run's output folder (made if missing).
        enabled: ``False`` on every process but one under ``torchrun``: nothing is written.
    """

    def __init__(self, folder: str | Path, enabled: bool = True):
        self.folder = Path(folder)
        self.enabled = enabled
        self.board = None
        if enabled:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.board = _tensorboard(self.folder)

    def write(self, kind: str, record: dict) -> None:
        """Append ``record`` (with a ``step`` key) to ``{kind}.csv`` and to TensorBoard under ``kind/``."""
        if not self.enabled:
            return
        _append_csv(self.folder / f"{kind}.csv", record)
        if self.board is not None:
            for name, value in record.items():
                if name != "step":
                    self.board.add_scalar(f"{kind}/{name}", value, record["step"])

    def close(self) -> None:
        """Plot the learning curves and close TensorBoard."""
        if not self.enabled:
            return
        if (self.folder / "train.csv").exists():
            plot_learning_curves(self.folder)
        if self.board is not None:
            self.board.close()


def _tensorboard(folder: Path):
    """A TensorBoard writer into ``folder/tensorboard`` when the tensorboard package is installed."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        return None
    return SummaryWriter(str(folder / "tensorboard"))


def _append_csv(path: Path, record: dict) -> None:
    new = not path.exists()
    with open(path, "a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(record))
        if new:
            writer.writeheader()
        writer.writerow(record)


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
    axes[0].legend()
    if (folder / "test.csv").exists():
        test = np.genfromtxt(folder / "test.csv", delimiter=",", names=True)
        for name in [n for n in ("auc", "pearson") if n in (test.dtype.names or ())]:
            axes[1].plot(
                np.atleast_1d(test["step"]), np.atleast_1d(test[name]), marker="o", label=f"test {name}"
            )
        axes[1].set_xlabel("step")
        axes[1].legend()
    figure.tight_layout()
    figure.savefig(folder / "learning_curves.png", dpi=100)
    plt.close(figure)
