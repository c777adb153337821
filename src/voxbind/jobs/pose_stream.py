"""The poses of a job, as one stream: every record of every pose file, each with the receptor it is in.

Scoring (and the jobs built like it) take their input here: one receptor with one or more pose files, or a
list file of ``receptor poses`` pairs for many receptors. Poses are numbered 0, 1, 2, ... in input order
(the order of the pairs, then of the records in each file); that number orders the output and shards the
work across processes (``index % world == rank``).
"""

from __future__ import annotations

import os
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..atomtypes import GNINA_IDENTITY_MAP, GninaTyper, TypedAtoms, read_typed_molecule
from ..errors import InvalidFileError, VoxbindError
from ..io import Molecule, UnreadableRecord, iter_records
from .vina_score import VinaAtoms, VinaScorer


@dataclass(frozen=True, eq=False)
class Pose:
    """One record of a pose file, read or not.

    Attributes:
        index: 0-based position in the whole input (all pairs, all records).
        receptor: the receptor file the pose is in.
        file: the pose file.
        record: the record's (model's) 1-based number in ``file``.
        molecule: the pose, or ``None`` when its record could not be read.
        problem: why the record could not be read (``""`` when it was).
    """

    index: int
    receptor: Path
    file: Path
    record: int
    molecule: Molecule | None
    problem: str = ""


def read_pairs_file(path: str | os.PathLike) -> list[tuple[Path, Path]]:
    """The ``receptor poses`` pairs of a list file: one pair per line, two whitespace-separated paths
    (relative ones are relative to the list file's folder); blank lines and ``#`` comments are skipped.

    Raises:
        InvalidFileError: the file cannot be read, a line does not hold exactly two paths, or a path
            names no file.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise InvalidFileError(path, "", f"cannot read: {err.strerror or err}") from err
    pairs = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) != 2:
            raise InvalidFileError(path, f"line {number}", f"expected 'receptor poses', not {line.strip()!r}")
        pair = (path.parent / fields[0], path.parent / fields[1])
        missing = [str(p) for p in pair if not p.is_file()]
        if missing:  # found now, before a long run starts
            raise InvalidFileError(path, f"line {number}", f"no such file: {', '.join(missing)}")
        pairs.append(pair)
    if not pairs:
        raise InvalidFileError(path, "", "no 'receptor poses' pairs")
    return pairs


def iter_poses(
    pairs: Sequence[tuple[str | os.PathLike, str | os.PathLike]],
    *,
    rank: int = 0,
    world: int = 1,
    skip: Container[int] = (),
) -> Iterator[Pose]:
    """Every pose of ``pairs`` (``(receptor, pose file)``) whose index is ``rank`` modulo ``world`` and not
    in ``skip``, read as it comes; a record that cannot be read comes as a :class:`Pose` without a
    molecule. Every rank splits every file into its records, so that the indices agree without a first
    pass, but parses only its own.

    Raises:
        InvalidFileError: a pose file cannot be opened (a bad record does not raise).
    """
    index = 0
    for receptor, file in pairs:
        receptor, file = Path(receptor), Path(file)
        for record, read in iter_records(file):
            if index % world == rank and index not in skip:
                item = read()
                if isinstance(item, UnreadableRecord):
                    yield Pose(index, receptor, file, record, None, str(item.error))
                else:
                    yield Pose(index, receptor, file, record, item)
            index += 1


class ReceptorCache:
    """Receptors typed by ``typer`` (a model's receptor channels), each read once: the last one is kept,
    as pairs are usually grouped by receptor. A receptor that cannot be read is remembered as the reason
    (a string), or its error is raised with ``raise_errors``. With ``vina``, a receptor is typed once with
    GNINA's 28 types, which give both its channels and its :attr:`vina` scorer."""

    def __init__(self, typer: GninaTyper, raise_errors: bool, vina: bool = False):
        self.typer, self.raise_errors, self.with_vina = typer, raise_errors, vina
        self.path: Path | None = None
        self.atoms: TypedAtoms | str = ""
        self.vina: VinaScorer | None = None  # the current receptor's, with ``vina``

    def get(self, path: Path) -> TypedAtoms | str:
        if path != self.path:
            self.vina = None
            try:
                if self.with_vina:
                    gnina = read_typed_molecule(path, GninaTyper(GNINA_IDENTITY_MAP))
                    self.atoms = self.typer.from_gnina_types(gnina.coords, gnina.types)
                    self.vina = VinaScorer(VinaAtoms.heavy(gnina.coords, gnina.types))
                else:
                    self.atoms = read_typed_molecule(path, self.typer)
            except VoxbindError as err:
                if self.raise_errors:
                    raise
                self.atoms = f"receptor cannot be read: {err}"
            self.path = path
        return self.atoms
