"""PDB atom records as numpy columns, without building an RDKit molecule.

The fixed-column layout of ``ATOM``/``HETATM`` records is read straight into arrays. This is the input of
the residue-template typing path (:mod:`voxbind.atomtypes._fast_pdb`); anything it does not handle
(several models, ``CONECT`` records, missing element columns, odd charges, malformed lines) makes
:func:`read_pdb_table` return ``None`` so that the caller reads the file with RDKit instead, which also
produces the precise error for malformed input.
"""

from __future__ import annotations

import itertools
import operator
from dataclasses import dataclass

import numba
import numpy as np
from rdkit import Chem

from ._pdb import CONECT_PROP, METALS, WATERS, guessed_residue, pdb_block_molecule, warn_guessed_bond_orders
from .source import StructureText

_TABLE = Chem.GetPeriodicTable()
_CHARGES = {b"  ": 0, b"1+": 1, b"1-": -1, b"2+": 2, b"2-": -2}
_RECORD = np.dtype(
    [
        ("record", "S6"),
        ("serial", "S5"),
        ("_1", "S1"),
        ("name", "S4"),
        ("altloc", "S1"),
        ("resname", "S3"),
        ("_2", "S1"),
        ("residue", "S6"),  # chain, sequence number, insertion code
        ("_3", "S3"),
        ("x", "S8"),
        ("y", "S8"),
        ("z", "S8"),
        ("_4", "S22"),
        ("element", "S2"),
        ("charge", "S2"),
    ]
)


@numba.njit(cache=True, nogil=True)
def _fixed_floats(rows, start, width):  # pragma: no cover - compiled
    """Decimal numbers in columns ``start:start+width`` of each row (``(N, 80)`` uint8); NaN if malformed."""
    out = np.empty(rows.shape[0])
    for r in range(rows.shape[0]):
        value = 0.0
        scale = 0.0
        sign = 1.0
        digits = 0
        state = 0  # 0: leading blanks, 1: number, 2: trailing blanks
        bad = False
        for c in range(start, start + width):
            ch = rows[r, c]
            if ch == 32:
                if state == 1:
                    state = 2
            elif state == 2:
                bad = True
            elif 48 <= ch <= 57:
                state = 1
                digits += 1
                if scale == 0.0:
                    value = value * 10.0 + (ch - 48)
                else:
                    value += (ch - 48) * scale
                    scale *= 0.1
            elif ch == 46 and scale == 0.0:
                state = 1
                scale = 0.1
            elif (ch == 45 or ch == 43) and state == 0:
                state = 1
                if ch == 45:
                    sign = -1.0
            else:
                bad = True
        out[r] = np.nan if bad or digits == 0 else sign * value
    return out


@dataclass(frozen=True, eq=False)
class PdbTable:
    """The atoms of a single-model PDB file, in file order.

    Attributes:
        lines: the atom records kept (after the altloc, water and metal choices).
        hetero: ``(N,)`` bool, ``HETATM`` records.
        name: ``(N,)`` ``S4`` atom names as written (columns 13-16, padding kept).
        resname: ``(N,)`` ``S3`` residue names as written.
        residue: ``(N,)`` int64 residue id: equal for atoms with the same residue name, chain, number and
            insertion code.
        element: ``(N,)`` int64 atomic numbers.
        charge: ``(N,)`` int64 formal charges (columns 79-80).
        coords: ``(N, 3)`` float64 coordinates in Å.
    """

    lines: list[str]
    hetero: np.ndarray
    name: np.ndarray
    resname: np.ndarray
    residue: np.ndarray
    element: np.ndarray
    charge: np.ndarray
    coords: np.ndarray
    where: str = ""

    def atom_label(self, index: int) -> str:
        """Atom ``index`` (0-based) as the file numbers it: ``atom serial 2420 (CA ALA A 12)``."""
        line = self.lines[index]
        residue = " ".join(f"{line[17:20]} {line[21]} {line[22:27]}".split())
        return f"atom serial {line[6:11].strip()} ({line[12:16].strip()} {residue})"

    def rdkit_molecule(self, rows: np.ndarray) -> Chem.Mol:
        """An RDKit molecule of the atoms ``rows`` (indices into the table), built and sanitised as
        :func:`~voxbind.io.read_molecules` builds a PDB file (see ``_pdb.pdb_block_molecule``).

        Raises:
            InvalidFileError: RDKit cannot build these atom records.
        """
        return pdb_block_molecule([self.lines[r] for r in rows.tolist()], self.where, "")


__all__ = ["CONECT_PROP", "PdbTable", "read_pdb_table"]

_ATOM_HEADS = frozenset(["ATOM  ", "HETATM"])


_HEAD = operator.itemgetter(slice(0, 6))


def _atom_lines(text: str) -> list[str] | None:
    """The atom records of ``text``, or ``None`` when it has records this path does not handle: models,
    explicit bonds, atom records not in upper case (one pass over the lines, in C)."""
    lines = text.split("\n")
    heads = list(map(_HEAD, lines))
    for head in set(heads):
        if head.startswith(("MODEL", "ENDMDL", "CONECT")):
            return None
        if head not in _ATOM_HEADS and head.upper() in _ATOM_HEADS:
            return None
    return list(itertools.compress(lines, map(_ATOM_HEADS.__contains__, heads)))


def _atomic_number(symbol: bytes) -> int:
    text = symbol.decode().strip()
    if not text or not text.isalpha():
        return -1
    try:
        return _TABLE.GetAtomicNumber(text.capitalize())
    except RuntimeError:
        return -1


def _residue_ids(key: np.ndarray) -> np.ndarray:
    """Residue id of each atom: the rank of its key among the distinct keys (``np.unique``'s inverse),
    found from the runs of equal keys (a residue's atoms are usually consecutive), not by sorting all."""
    start = np.ones(key.size, dtype=bool)
    start[1:] = key[1:] != key[:-1]
    run = np.cumsum(start) - 1
    _, rank = np.unique(key[start], return_inverse=True)
    return rank.reshape(-1)[run]


def read_pdb_table(
    structure: StructureText, *, waters: bool = True, metals: bool = True, altloc: str = "first"
) -> PdbTable | None:
    """Columns of the atom records of a PDB file, or ``None`` when the file needs the RDKit reader
    (:func:`~voxbind.io.parse_molecules`). The options are :func:`~voxbind.io.read_molecules`'; like it,
    this warns (:class:`~voxbind.io.StructureWarning`) about ``HETATM`` residues whose bond orders will
    have to be guessed."""
    atoms = _atom_lines(structure.text)
    if not atoms:
        return None
    try:
        buffer = (("%-80.80s" * len(atoms)) % tuple(atoms)).encode("ascii")
    except UnicodeEncodeError:
        return None
    table = np.frombuffer(buffer, dtype=_RECORD)
    keep = np.ones(len(atoms), dtype=bool)
    alt = table["altloc"]
    if altloc == "first" and (alt != b" ").any():
        alt_letters = alt[alt != b" "]
        keep &= (alt == b" ") | (alt == alt_letters[0])
    if not (waters and metals):
        resname = np.char.upper(np.char.strip(table["resname"]))
    if not waters:
        keep &= ~np.isin(resname, [w.encode() for w in WATERS])
    if not metals:
        is_metal = np.isin(resname, [m.encode() for m in METALS])
        keep &= ~(is_metal & (np.char.upper(np.char.strip(table["name"])) == np.char.upper(resname)))
    if not keep.all():
        table = table[keep]
        atoms = [line for line, k in zip(atoms, keep, strict=True) if k]
        if not atoms:
            return None
    rows = np.frombuffer(table.tobytes(), dtype=np.uint8).reshape(-1, 80)
    coords = np.stack([_fixed_floats(rows, 30 + 8 * k, 8) for k in range(3)], axis=1)
    if not np.isfinite(coords).all():
        return None
    symbols, inverse = np.unique(table["element"], return_inverse=True)
    numbers = np.array([_atomic_number(s) for s in symbols], dtype=np.int64)
    charge_codes, charge_inverse = np.unique(table["charge"], return_inverse=True)
    charges = np.array([_CHARGES.get(c, 99) for c in charge_codes.tolist()], dtype=np.int64)
    if (numbers < 0).any() or (charges == 99).any():
        return None
    residue = _residue_ids(np.char.add(table["resname"], table["residue"]))
    hetero = table["record"] == b"HETATM"
    where = f"{structure.name}, model 1"
    names = {name.decode().strip().upper() for name in np.unique(table["resname"]).tolist()}
    warn_guessed_bond_orders(where, {name for name in names if guessed_residue(name)})
    return PdbTable(
        lines=atoms,
        hetero=hetero,
        name=table["name"],
        resname=table["resname"],
        residue=residue.astype(np.int64),
        element=numbers[inverse],
        charge=charges[charge_inverse],
        coords=coords,
        where=where,
    )
