"""Measured potencies of compounds, each with several docked poses in one receptor: the data of
multi-pose affinity training (mtenn / asapdiscovery style).

A table (CSV) has one row per compound: its id, the measured value in the readout's unit (pIC50 or pKi),
a qualifier (``=``, ``<``, ``>``; also accepted as the value's prefix, ``"<4.5"``), the measurement's
standard error, the assay's substrate concentration ``[S]`` and Michaelis constant ``Km`` (the same
concentration unit; for Cheng–Prusoff), a date (ISO, for temporal splits), a given split, a SMILES
(for scaffold splits) and a receptor file (relative to the table's folder; default: the run's one
receptor). Only the id and the value are required; column names are configurable (:class:`AssayColumns`).
Each compound's poses are one multi-record file ``<poses>/<id>.sdf`` (or ``.sdf.gz``, ``.mol2``,
``.pdbqt``) or a folder ``<poses>/<id>/`` of pose files (``.gninatypes`` too).
"""

from __future__ import annotations

import csv
import datetime
import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from rdkit import Chem
from rdkit.Chem.Scaffolds import MurckoScaffold

from .._choices import QUALIFIERS, SPLITS, check_choice
from ..atomtypes import TypedAtoms, Typer, read_typed_molecule, read_typed_molecules
from ..atomtypes.reading import is_gninatypes
from ..errors import InvalidArgumentError, InvalidFileError
from ..io import Molecule, read_molecules
from .complex import Example, make_example
from .types_file import read_types

log = logging.getLogger(__name__)

#: Pose file suffixes looked for, in this order, as ``<poses>/<id><suffix>``.
POSE_SUFFIXES = (".sdf", ".sdf.gz", ".sd", ".mol2", ".pdbqt", ".pdbqt.gz")
#: The label columns of an assay example: value, qualifier code, standard error, [S], Km, good pose.
LABELS = ("value", "qualifier", "stderr", "substrate", "km", "good")


@dataclass(frozen=True)
class AssayColumns:
    """The table's column names (empty: the column is not used)."""

    compound: str = "compound"
    value: str = "value"
    qualifier: str = "qualifier"
    stderr: str = "stderr"
    substrate: str = "substrate"
    km: str = "km"
    date: str = "date"
    split: str = "split"
    smiles: str = "smiles"
    receptor: str = "receptor"


@dataclass
class Compound:
    """One row of the table.

    Attributes:
        id: the compound's id; value: the measurement (NaN: none); qualifier: ``"="``, ``"<"`` or ``">"``;
        stderr, substrate, km: NaN where not given; date: ``None`` where not given; split: the given
        split (``""``); smiles: ``""`` where not given; receptor: its receptor file (``None``: the
        run's); poses: its pose files; line: its line in the table.
    """

    id: str
    value: float
    qualifier: str = "="
    stderr: float = math.nan
    substrate: float = math.nan
    km: float = math.nan
    date: datetime.date | None = None
    split: str = ""
    smiles: str = ""
    receptor: Path | None = None
    poses: list[Path] = field(default_factory=list)
    line: int = 0

    @property
    def qualifier_code(self) -> int:
        return {"=": 0, "<": -1, ">": 1}[self.qualifier]


def read_assay_table(
    path: str | os.PathLike, poses: str | os.PathLike, columns: AssayColumns = AssayColumns()
) -> list[Compound]:
    """The compounds of the table at ``path`` with their pose files under the folder ``poses``. A
    compound without pose files is left out with a warning naming it.

    Raises:
        InvalidFileError: the table cannot be read, lacks the id or value column, or holds a bad value
            (the message names the file, line and value).
    """
    path, folder = Path(path), Path(poses)
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
            header = list(rows[0]) if rows else []
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise InvalidFileError(path, "", f"cannot read the assay table ({err})") from err
    for needed in (columns.compound, columns.value):
        if needed not in header:
            raise InvalidFileError(path, "", f"no column {needed!r} (columns: {', '.join(header) or 'none'})")
    if not folder.is_dir():
        raise InvalidFileError(folder, "", "the folder of pose files does not exist")
    compounds, missing, seen = [], [], set()
    for line, row in enumerate(rows, 2):
        compound = _compound(row, columns, (path, f"line {line}"))
        compound.line = line
        if compound.id in seen:
            raise InvalidFileError(path, f"line {line}", f"compound {compound.id!r} appears twice")
        seen.add(compound.id)
        compound.poses = pose_files(folder, compound.id)
        if compound.receptor is not None:
            compound.receptor = path.parent / compound.receptor
        if compound.poses:
            compounds.append(compound)
        else:
            missing.append(compound.id)
    if missing:
        log.warning(
            "%s: %d compound(s) without pose files in %s left out: %s",
            path, len(missing), folder, ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else ""),
        )  # fmt: skip
    if not compounds:
        raise InvalidFileError(path, "", f"no compound has pose files in {folder}")
    unmeasured = [c.id for c in compounds if math.isnan(c.value)]
    if unmeasured:  # they take part in no loss term but pose selection
        log.warning(
            "%s: %d compound(s) without a measured value: %s",
            path, len(unmeasured), ", ".join(unmeasured[:10]) + (" ..." if len(unmeasured) > 10 else ""),
        )  # fmt: skip
    return compounds


def pose_files(folder: Path, compound: str) -> list[Path]:
    """The pose files of ``compound`` under ``folder``: ``<id><suffix>`` or the files of ``<id>/``."""
    for suffix in POSE_SUFFIXES:
        candidate = folder / f"{compound}{suffix}"
        if candidate.is_file():
            return [candidate]
    inside = folder / compound
    if inside.is_dir():
        return sorted(p for p in inside.iterdir() if p.is_file() and not p.name.startswith("."))
    return []


def _compound(row: dict, columns: AssayColumns, where: tuple[Path, str]) -> Compound:
    def text(name: str) -> str:
        return (row.get(name) or "").strip() if name else ""

    def number(shown: str, value: str, floor: float = -math.inf, above: bool = False) -> float:
        """``value`` as a finite number at or above ``floor`` (strictly ``above`` it); NaN when empty or
        ``nan`` (not given)."""
        try:
            number = float(value) if value else math.nan
        except ValueError:
            raise InvalidFileError(*where, f"{shown} {value!r} is not a number") from None
        if math.isinf(number) or number < floor or (above and number == floor):
            bound = "" if floor == -math.inf else f" and {'>' if above else '>='} {floor:g}"
            raise InvalidFileError(*where, f"{shown} {value!r} must be finite{bound}")
        return number

    identifier = text(columns.compound)
    if not identifier:
        raise InvalidFileError(*where, "no compound id")
    raw = text(columns.value)
    qualifier = text(columns.qualifier) or "="
    if raw[:1] in "<>" and raw:
        qualifier, raw = raw[0], raw[1:].strip()
    if qualifier not in QUALIFIERS:
        raise InvalidFileError(*where, f"qualifier {qualifier!r} is not one of {', '.join(QUALIFIERS)}")
    value = number("value", raw)
    stderr = number("standard error", text(columns.stderr), 0.0, above=True)
    substrate = number("substrate concentration", text(columns.substrate), 0.0)
    km = number("Km", text(columns.km), 0.0, above=True)
    date = None
    if text(columns.date):
        try:
            date = datetime.date.fromisoformat(text(columns.date)[:10])
        except ValueError:
            raise InvalidFileError(*where, f"date {text(columns.date)!r} is not YYYY-MM-DD") from None
    receptor = Path(text(columns.receptor)) if text(columns.receptor) else None
    return Compound(
        identifier, value, qualifier, stderr, substrate, km, date, text(columns.split).lower(),
        text(columns.smiles), receptor,
    )  # fmt: skip


def types_to_assay(
    types: str | os.PathLike,
    folder: str | os.PathLike,
    *,
    data_root: str | os.PathLike | None = None,
    affinity_column: int = 1,
    max_poses: int = 16,
) -> Path:
    """An assay table from a GNINA ``.types`` file: one compound per receptor (its lines' ligands are its
    poses, up to ``max_poses``, in file order), valued by the largest ``|affinity|`` of its lines (pK),
    each pose linked into ``<folder>/poses/<compound>/``. Returns the table, ``<folder>/assay.csv``
    (columns ``compound, value, qualifier, stderr, receptor``; ``=``, no standard error).

    Raises:
        InvalidFileError: a malformed ``.types`` file.
    """
    table = read_types(types, data_root=data_root)
    folder = Path(folder)
    poses = folder / "poses"
    compounds: dict[str, dict] = {}
    for i in range(len(table)):
        files = [f for f in table.files(i) if f is not None]
        if len(files) < 2:
            continue
        receptor, ligand = files[0], files[-1]
        name = Path(receptor).parent.name or Path(receptor).stem
        entry = compounds.setdefault(name, {"receptor": table.resolve(receptor), "value": 0.0, "poses": []})
        entry["value"] = max(entry["value"], abs(float(table.labels[i, affinity_column])))
        if len(entry["poses"]) < max_poses:
            entry["poses"].append(table.resolve(ligand))
    path = folder / "assay.csv"
    folder.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    with open(temporary, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["compound", "value", "qualifier", "stderr", "receptor"])
        for name, entry in compounds.items():
            home = poses / name
            home.mkdir(parents=True, exist_ok=True)
            for k, pose in enumerate(entry["poses"]):
                link = home / f"{k:03d}_{pose.name}"
                if not link.exists():
                    link.symlink_to(pose.resolve())
            writer.writerow([name, f"{entry['value']:.3f}", "=", "", entry["receptor"].resolve()])
    os.replace(temporary, path)
    return path


def split_compounds(
    compounds: Sequence[Compound],
    kind: str = "random",
    valid_fraction: float = 0.1,
    test_fraction: float = 0.1,
    seed: int = 0,
) -> dict[str, list[int]]:
    """Indices of ``compounds`` in the ``"train"``, ``"valid"`` and ``"test"`` sets.

    ``random``: a seeded shuffle. ``scaffold``: compounds grouped by Bemis–Murcko scaffold (from the SMILES
    column, else the first pose), whole groups, largest first, to training, then validation, then test, so
    no scaffold is in two sets. ``temporal``: by date, oldest to training and newest to test (every compound
    needs a date). ``given``: the split column (``train``, ``valid``/``validation``/``val``, ``test``).

    Raises:
        InvalidArgumentError: bad fractions, an unknown kind, compounds without dates for a temporal split
            or with an unknown given split.
    """
    check_choice("split", kind, SPLITS)
    if not (0 <= valid_fraction < 1 and 0 <= test_fraction < 1 and valid_fraction + test_fraction < 1):
        raise InvalidArgumentError(
            f"valid_fraction {valid_fraction} and test_fraction {test_fraction} must leave some training"
        )
    n = len(compounds)
    if kind == "given":
        names = {"train": "train", "valid": "valid", "validation": "valid", "val": "valid", "test": "test"}
        sets: dict[str, list[int]] = {"train": [], "valid": [], "test": []}
        for i, c in enumerate(compounds):
            if c.split not in names:
                raise InvalidArgumentError(
                    f"compound {c.id} (line {c.line}): split {c.split!r} is not train, valid or test"
                )
            sets[names[c.split]].append(i)
        return sets
    if kind == "temporal":
        undated = [c.id for c in compounds if c.date is None]
        if undated:
            listed = ", ".join(undated[:5])
            raise InvalidArgumentError(f"a temporal split needs every compound's date; none for {listed}")
        order = sorted(range(n), key=lambda i: (compounds[i].date or datetime.date.min, i))
    elif kind == "scaffold":
        groups: dict[str, list[int]] = {}
        for i, c in enumerate(compounds):
            groups.setdefault(scaffold(c), []).append(i)
        ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
        return _fill_by_groups([members for _, members in ordered], n, valid_fraction, test_fraction)
    else:
        order = np.random.default_rng(seed).permutation(n).tolist()
    n_test, n_valid = round(test_fraction * n), round(valid_fraction * n)
    n_train = n - n_test - n_valid
    return {
        "train": sorted(order[:n_train]),
        "valid": sorted(order[n_train : n_train + n_valid]),
        "test": sorted(order[n_train + n_valid :]),
    }


def _fill_by_groups(groups: list[list[int]], n: int, valid: float, test: float) -> dict[str, list[int]]:
    sets: dict[str, list[int]] = {"train": [], "valid": [], "test": []}
    train_cap, valid_cap = (1 - valid - test) * n, (1 - test) * n
    for members in groups:
        if len(sets["train"]) + len(members) <= train_cap or not sets["train"]:
            sets["train"] += members
        elif len(sets["train"]) + len(sets["valid"]) + len(members) <= valid_cap:
            sets["valid"] += members
        else:
            sets["test"] += members
    return {k: sorted(v) for k, v in sets.items()}


def scaffold(compound: Compound) -> str:
    """The compound's Bemis–Murcko scaffold SMILES (from its SMILES, else its first pose; ``""`` for
    acyclic ones)."""
    mol = Chem.MolFromSmiles(compound.smiles) if compound.smiles else None
    if mol is None:
        if is_gninatypes(compound.poses[0]):
            raise InvalidArgumentError(
                f"compound {compound.id}: a scaffold needs its SMILES (a smiles column) or poses in a "
                "structure file, not .gninatypes"
            )
        mol = read_molecules(compound.poses[0])[0].rdmol
    try:
        mol = Chem.RemoveHs(mol, sanitize=False)
        mol.UpdatePropertyCache(strict=False)
        Chem.FastFindRings(mol)
        return MurckoScaffold.MurckoScaffoldSmiles(mol=mol)
    except (ValueError, RuntimeError):
        return ""


def good_poses(molecules: Sequence[Molecule], rmsd_tag: str, cutoff: float = 2.0) -> np.ndarray:
    """``(N,)`` bool: poses whose SD tag ``rmsd_tag`` (RMSD to the known pose, Å) is below ``cutoff``;
    all ``False`` without a tag."""
    good = np.zeros(len(molecules), dtype=bool)
    if not rmsd_tag:
        return good
    for k, molecule in enumerate(molecules):
        try:
            good[k] = float(molecule.properties.get(rmsd_tag, "nan")) < cutoff
        except ValueError:
            good[k] = False
    return good


class AssayDataset(torch.utils.data.Dataset):
    """Compounds as groups of complexes: item ``i`` is the list of ``max_poses`` :class:`Example`\\ s of
    compound ``i`` (its first poses in file order; ``None`` pads), each labelled with the compound's
    :data:`LABELS` (``good``: that pose's). Receptors and poses are read and typed once, when first asked
    for.

    Args:
        compounds: the compounds (from :func:`read_assay_table`).
        receptor: the receptor of the compounds that do not name their own (``None``: each names one).
        receptor_typer, ligand_typer: type receptors and poses (``.gninatypes`` files are mapped).
        max_poses: poses per compound.
        rmsd_tag, good_rmsd: see :func:`good_poses` (SD tags of structure files).
    """

    def __init__(
        self,
        compounds: Sequence[Compound],
        receptor: str | os.PathLike | None,
        receptor_typer: Typer,
        ligand_typer: Typer,
        max_poses: int = 16,
        rmsd_tag: str = "",
        good_rmsd: float = 2.0,
    ):
        if max_poses < 1:
            raise InvalidArgumentError(f"max_poses must be >= 1, not {max_poses}")
        self.compounds = list(compounds)
        orphans = [c.id for c in self.compounds if c.receptor is None]
        if orphans and receptor is None:
            raise InvalidArgumentError(f"no receptor for {', '.join(orphans[:5])}: give one for the run")
        self.receptor = None if receptor is None else Path(receptor)
        self.receptor_typer, self.ligand_typer, self.max_poses = receptor_typer, ligand_typer, max_poses
        self.rmsd_tag, self.good_rmsd = rmsd_tag, good_rmsd
        self._receptors: dict[Path, TypedAtoms] = {}
        self._typed: dict[int, list[tuple[TypedAtoms, bool]]] = {}

    def __len__(self) -> int:
        return len(self.compounds)

    @property
    def num_channels(self) -> int:
        return self.receptor_typer.num_channels + self.ligand_typer.num_channels

    def receptor_of(self, i: int) -> TypedAtoms:
        """The typed receptor of compound ``i``."""
        path = self.compounds[i].receptor or self.receptor
        if path is None:  # (refused when the dataset was made)
            raise InvalidArgumentError(f"compound {self.compounds[i].id} has no receptor")
        if path not in self._receptors:
            self._receptors[path] = read_typed_molecule(path, self.receptor_typer)
        return self._receptors[path]

    def poses(self, i: int) -> list[tuple[TypedAtoms, bool]]:
        """The typed poses of compound ``i`` with whether each is good."""
        if i not in self._typed:
            typed: list[tuple[TypedAtoms, bool]] = []
            for path in self.compounds[i].poses:
                if is_gninatypes(path):
                    typed += [(m, False) for m in read_typed_molecules(path, self.ligand_typer)]
                    continue
                molecules = read_molecules(path)
                good = good_poses(molecules, self.rmsd_tag, self.good_rmsd)
                typed += [(self.ligand_typer(m), bool(g)) for m, g in zip(molecules, good, strict=True)]
            self._typed[i] = typed[: self.max_poses]
        return self._typed[i]

    def labels(self, i: int) -> np.ndarray:
        """``(6,)`` float32 :data:`LABELS` of compound ``i`` (``good`` 0)."""
        c = self.compounds[i]
        values = (c.value, c.qualifier_code, c.stderr, c.substrate, c.km, 0.0)
        return np.array(values, dtype=np.float32)

    def __getitem__(self, i: int) -> list[Example | None]:
        labels, receptor = self.labels(i), self.receptor_of(i)
        examples: list[Example | None] = []
        for k, (ligand, good) in enumerate(self.poses(i)):
            pose_labels = labels.copy()
            pose_labels[-1] = float(good)
            example = make_example(
                receptor, [ligand], labels=pose_labels, index=i * self.max_poses + k, group=i
            )
            examples.append(example)
        return examples + [None] * (self.max_poses - len(examples))
