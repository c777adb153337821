"""The split of ``small.types`` the learning benchmarks use: by receptor, every 5th target (in sorted order)
held out. It imports nothing from voxbind, so the oracle environment's scripts can use it too."""

from __future__ import annotations

from pathlib import Path


def split(types: Path, folder: Path) -> tuple[Path, Path, int, int]:
    """Write ``train.types`` and ``test.types`` of ``types`` into ``folder``; their paths, target counts."""
    lines = [line for line in types.read_text().splitlines() if line.strip()]
    targets = sorted({line.split()[3].split("/")[0] for line in lines})
    held_out = set(targets[4::5])
    train = [line for line in lines if line.split()[3].split("/")[0] not in held_out]
    test = [line for line in lines if line.split()[3].split("/")[0] in held_out]
    (folder / "train.types").write_text("\n".join(train) + "\n")
    (folder / "test.types").write_text("\n".join(test) + "\n")
    return folder / "train.types", folder / "test.types", len(targets) - len(held_out), len(held_out)
