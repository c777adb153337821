"""Writing a file so that its name only ever holds a complete file: written under a temporary name in
the same folder, then renamed into place."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO

#: Temporary files end with this; one left behind by a killed process is an incomplete file.
PARTIAL = ".partial"


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike, mode: str = "wb", *, durable: bool = False, **open_options
) -> Iterator[IO]:
    """Open ``.NAME.<random>.partial`` beside ``path`` for writing; when the block ends without an error,
    rename it to ``path``, replacing what was there in one step (a process that has the old file open or
    memory-mapped keeps reading the old file). On an error the temporary file is removed.

    Args:
        path: the file to write; its folder is made if missing.
        mode: ``"wb"`` or ``"w"`` (text; ``open_options`` such as ``encoding`` and ``newline`` apply).
        durable: flush the file to disk (``fsync``) before the rename, and the folder after it, so a
            power cut leaves the old file or the new one (checkpoints).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}{PARTIAL}")
    try:
        with open(partial, mode.replace("w", "x"), **open_options) as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise
    if durable:
        _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open or sync a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
