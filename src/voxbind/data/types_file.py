"""GNINA ``.types`` files: one example per line — labels, an optional group, then molecule files.

::

    # label affinity rmsd receptor ligand          (comments run from # to the end of the line)
    1 6.05 0.16 4kqp/4kqp_rec_0.gninatypes 4kqp/4kqp_min_0.gninatypes
    0 -6.05 4.28 4kqp/4kqp_rec_0.gninatypes 4kqp/4kqp_docked_1.gninatypes   # a docked pose

The file names are stored once each (a receptor shared by thousands of poses costs one string), so a
file of millions of lines stays compact.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InvalidFileError

#: The reserved file name of an absent molecule (e.g. a ligand-only example: ``none lig.sdf``).
NONE = "none"


class PathTable(Sequence[str]):
    """Distinct file names, stored as one UTF-8 blob with offsets (``table[k]`` is the k-th name)."""

    def __init__(self, names: Sequence[str]):
        encoded = [n.encode() for n in names]
        self._offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=self._offsets[1:])
        self._blob = b"".join(encoded)

    @classmethod
    def from_utf8(cls, encoded: Sequence[bytes]) -> PathTable:
        """A table from names already encoded as UTF-8."""
        table = cls([])
        table._offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=table._offsets[1:])
        table._blob = b"".join(encoded)
        return table

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        if k < 0:
            k += len(self)
        return self._blob[self._offsets[k] : self._offsets[k + 1]].decode()


@dataclass(frozen=True, eq=False)
class TypesFile:
    """A parsed ``.types`` file.

    Attributes:
        path: the file read (for messages).
        labels: ``(N, L)`` float32 label columns.
        groups: ``(N,)`` int64 group ids (the first column, when the file has one), else ``None``.
        molecules: ``(N, M)`` int32 indices into ``names``; ``-1`` = no molecule (``none``, or a line
            with fewer files than the widest line).
        names: the distinct molecule file names as written in the file.
        line_numbers: ``(N,)`` int32 1-based line number of each example.
        data_root: folder the names are relative to (``None``: the ``.types`` file's folder).
    """

    path: str
    labels: np.ndarray
    groups: np.ndarray | None
    molecules: np.ndarray
    names: PathTable
    line_numbers: np.ndarray
    data_root: str | None = None

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def num_labels(self) -> int:
        return int(self.labels.shape[1])

    def resolve(self, name: str) -> Path:
        """The path of a molecule file named in this file (relative to ``data_root``)."""
        root = self.data_root if self.data_root is not None else os.path.dirname(self.path)
        return Path(root, name)

    def files(self, i: int) -> list[str | None]:
        """The molecule file names of example ``i`` (``None`` for an absent one)."""
        return [self.names[k] if k >= 0 else None for k in self.molecules[i].tolist()]

    def receptors(self) -> np.ndarray:
        """``(N,)`` int64 id of each example's first molecule (receptor), ``-1`` when absent."""
        return self.molecules[:, 0].astype(np.int64) if self.molecules.shape[1] else np.full(len(self), -1)


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(nan|inf)", re.IGNORECASE)


def read_types(
    path: str | os.PathLike,
    *,
    num_labels: int | None = None,
    group: bool = False,
    data_root: str | os.PathLike | None = None,
) -> TypesFile:
    """Read a ``.types`` file.

    Args:
        path: the file.
        num_labels: number of label columns; by default the leading numeric columns of the first line
            (every line must then have the same number).
        group: the first column is an integer group id (e.g. the compound of a pose), before the labels.
        data_root: folder the molecule names are relative to; default: the ``.types`` file's folder.

    Raises:
        InvalidFileError: a line with too few columns, a non-numeric label or group, label counts that
            differ between lines, or a line without molecules; the message names the file and line.
    """
    path = os.fspath(path)
    count = None if num_labels is None else num_labels + int(group)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as err:
        raise InvalidFileError(path, "", f"cannot read: {err.strerror or err}") from err
    parsed = _parse_uniform(data, count, group)
    if parsed is None:
        text = data.decode("utf-8", errors="replace")
        parsed = _parse(io.StringIO(text, newline=None), path, count, group)
    labels, groups, molecules, names, line_numbers = parsed
    return TypesFile(
        path=path,
        labels=labels,
        groups=groups,
        molecules=molecules,
        names=names,
        line_numbers=line_numbers,
        data_root=None if data_root is None else os.fspath(data_root),
    )


def _parse_uniform(data: bytes, count: int | None, group: bool):
    """Vectorised parse of the common case — plain ASCII, no comments, every line the same number of
    columns, at least one label, finite labels, no number where the first file name belongs — or
    ``None`` to leave the file to the line-by-line parser (which also reports errors precisely). What
    it returns is exactly what the line-by-line parser returns for the same file."""
    raw = np.frombuffer(data, dtype=np.uint8)
    newline = raw == 10
    space = newline | (raw == 32) | (raw == 9)
    if b"#" in data or ((raw < 32) & ~space).any() or (raw > 126).any():
        return None  # comments, other line ends or control bytes, non-ASCII: the careful path
    starts = ~space
    starts[1:] &= space[:-1]
    line_ends = np.flatnonzero(newline)
    tokens_per_line = np.bincount(
        np.searchsorted(line_ends, np.flatnonzero(starts)), minlength=line_ends.size + 1
    )
    kept = np.flatnonzero(tokens_per_line)
    if not kept.size:
        return None
    columns = int(tokens_per_line[kept[0]])
    if (tokens_per_line[kept] != columns).any():
        return None
    first = data.split(b"\n", int(kept[0]) + 1)[kept[0]].decode().split()
    if count is None:
        count = _leading_numbers(first)
    if count == 0 or columns <= count:
        return None
    table = np.array(data.split(), dtype=object).reshape(kept.size, columns)
    try:
        numbers = np.array(list(map(float, table[:, :count].ravel().tolist()))).reshape(kept.size, count)
    except ValueError:
        return None  # a non-numeric label
    if not _finite32(numbers):
        return None
    if any(_NUMBER.fullmatch(name.decode()) for name in dict.fromkeys(table[:, count].tolist())):
        return None  # a number where a file name belongs
    groups = None
    if group:
        if (np.abs(numbers[:, 0]) >= 2**62).any():
            return None
        groups = numbers[:, 0].astype(np.int64)
        if (groups != numbers[:, 0]).any():
            return None
        numbers = numbers[:, 1:]
    flat = table[:, count:].ravel().tolist()
    distinct = [name for name in dict.fromkeys(flat) if name != NONE.encode()]
    index = {name: k for k, name in enumerate(distinct)}
    index[NONE.encode()] = -1
    molecules = np.fromiter(map(index.__getitem__, flat), np.int32, len(flat)).reshape(kept.size, -1)
    names = PathTable.from_utf8(distinct)
    labels = numbers.astype(np.float32)
    return labels, groups, molecules, names, kept.astype(np.int32) + 1


def _finite32(values) -> bool:
    """Whether every value is finite and within float32's range (labels are stored as float32)."""
    values = np.asarray(values, dtype=np.float64)
    return bool((np.abs(values) <= np.finfo(np.float32).max).all())  # False for NaN and ±inf too


def _leading_numbers(tokens: list[str]) -> int:
    count = 0
    while count < len(tokens) and _NUMBER.fullmatch(tokens[count]):
        count += 1
    return count


def _parse(lines, path: str, count: int | None, group: bool):
    index: dict[str, int] = {NONE: -1}
    label_rows: list[list[float]] = []
    group_ids: list[int] = []
    molecule_rows: list[list[int]] = []
    line_numbers: list[int] = []
    detect = count is None
    for lineno, line in enumerate(lines, 1):
        tokens = line.split("#", 1)[0].split()
        if not tokens:
            continue
        if count is None:
            count = _leading_numbers(tokens)
        try:
            numbers = [float(t) for t in tokens[:count]]
        except ValueError:
            raise InvalidFileError(path, f"line {lineno}", f"non-numeric label in {tokens[:count]}") from None
        if not _finite32(numbers):
            raise InvalidFileError(
                path, f"line {lineno}", f"labels must be finite numbers (float32), not {tokens[:count]}"
            )
        if len(tokens) <= count:
            raise InvalidFileError(path, f"line {lineno}", f"no molecule file after {count} label columns")
        if detect and _NUMBER.fullmatch(tokens[count]):
            raise InvalidFileError(
                path,
                f"line {lineno}",
                f"more numeric columns than the {count} of the first line; pass num_labels= if a file "
                "name looks like a number",
            )
        if group:
            if not numbers or abs(numbers[0]) >= 2**62 or numbers[0] != int(numbers[0]):
                raise InvalidFileError(path, f"line {lineno}", f"group id {tokens[0]!r} is not an integer")
            group_ids.append(int(numbers[0]))
            numbers = numbers[1:]
        label_rows.append(numbers)
        molecule_rows.append([index.setdefault(name, len(index) - 1) for name in tokens[count:]])
        line_numbers.append(lineno)
    if not molecule_rows:
        raise InvalidFileError(path, "", "no examples")
    width = max(len(row) for row in molecule_rows)
    molecules = np.full((len(molecule_rows), width), -1, dtype=np.int32)
    for i, row in enumerate(molecule_rows):
        molecules[i, : len(row)] = row
    del index[NONE]
    labels = np.asarray(label_rows, dtype=np.float32).reshape(len(label_rows), -1)
    groups = np.asarray(group_ids, dtype=np.int64) if group else None
    return labels, groups, molecules, PathTable(list(index)), np.asarray(line_numbers, dtype=np.int32)


def expand_poses(types: TypesFile, count_poses) -> TypesFile:
    """One line per pose for files that hold several poses: every line becomes a group of lines, one per
    pose of its last molecule file, named ``file#k`` (read by :class:`~voxbind.data.MoleculeStore`).

    Args:
        types: a ``.types`` file whose lines are compounds (receptor, a multi-pose ligand file).
        count_poses: ``name -> number of poses`` of a molecule file (e.g. reading it once).

    Returns:
        The expanded file with ``groups`` = the original line index and the labels repeated.
    """
    labels, groups, molecules, line_numbers = [], [], [], []
    name_index: dict[str, int] = {}
    for i in range(len(types)):
        files = types.files(i)
        last = max((k for k, f in enumerate(files) if f is not None), default=None)
        count = count_poses(files[last]) if last is not None else 1
        for pose in range(count):
            row = [f"{f}#{pose}" if k == last else f for k, f in enumerate(files)]
            molecules.append([-1 if f is None else name_index.setdefault(f, len(name_index)) for f in row])
            labels.append(types.labels[i])
            groups.append(i)
            line_numbers.append(int(types.line_numbers[i]))
    return TypesFile(
        path=types.path,
        labels=np.asarray(labels, dtype=np.float32).reshape(len(labels), types.num_labels),
        groups=np.asarray(groups, dtype=np.int64),
        molecules=np.asarray(molecules, dtype=np.int32),
        names=PathTable(list(name_index)),
        line_numbers=np.asarray(line_numbers, dtype=np.int32),
        data_root=types.data_root,
    )
