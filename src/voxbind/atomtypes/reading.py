"""Read and type in one step, with a fast path for PDB receptors under GNINA typing."""

from __future__ import annotations

import numpy as np
from rdkit import Chem

from ..io._pdb import guessed_residue, warn_guessed_bond_orders
from ..io._pdb_table import read_pdb_table
from ..io._source import Source, detect_format, read_text, source_name, text_lines
from ..io.structures import only_one, read_molecules
from ._fast_pdb import pdb_gnina_types
from .typed import TypedAtoms
from .typers import GninaTyper, Typer, default_receptor_typer, warn_unknown_elements

_PERIODIC = Chem.GetPeriodicTable()


def read_typed_molecules(
    source: Source,
    typer: Typer | None = None,
    *,
    format: str | None = None,
    hydrogens: str = "keep",
    waters: bool = True,
    metals: bool = True,
    altloc: str = "first",
) -> list[TypedAtoms]:
    """Read every molecule of a structure file and type it: ``[typer(m) for m in read_molecules(...)]``.

    With a :class:`GninaTyper` on a single-model PDB file (the usual receptor), the standard residues are
    typed from residue templates instead of an RDKit molecule, and RDKit is used only for the other
    residues (ligands, cofactors, modified or incomplete residues); the result is identical, several
    times faster. Files with ``MODEL`` or ``CONECT`` records take the RDKit path.

    Args:
        source: a path or an open file; see :func:`voxbind.io.read_molecules` for ``format`` and the
            reading options.
        typer: default: GNINA's default receptor typing (14 channels).

    Returns:
        One :class:`TypedAtoms` per molecule (pose, record, model).

    Raises:
        InvalidFileError: malformed input, as :func:`voxbind.io.read_molecules`.
    """
    typer = default_receptor_typer() if typer is None else typer
    fast = isinstance(typer, GninaTyper) and hydrogens == "keep" and altloc in ("first", "all")
    if fast and detect_format(source, format) == "pdb":
        text = "\n".join(text_lines(read_text(source)))
        typed = _typed_pdb(text, source_name(source), typer, waters=waters, metals=metals, altloc=altloc)
        if typed is not None:
            return [typed]
        source = _TextSource(text, source_name(source))
    molecules = read_molecules(
        source, format, hydrogens=hydrogens, waters=waters, metals=metals, altloc=altloc
    )
    return [typer(m) for m in molecules]


def read_typed_molecule(source: Source, typer: Typer | None = None, **options) -> TypedAtoms:
    """Read and type a file that holds exactly one molecule (see :func:`read_typed_molecules`).

    Raises:
        InvalidFileError: as :func:`read_typed_molecules`, or when the file holds more than one molecule.
    """
    return only_one(read_typed_molecules(source, typer, **options), source)


class _TextSource:
    """Already-read text handed on to the RDKit readers (keeps the original name for messages)."""

    def __init__(self, text: str, name: str):
        self.name = name
        self._text = text

    def read(self) -> str:
        return self._text


def _typed_pdb(text: str, path: str, typer: GninaTyper, **options) -> TypedAtoms | None:
    table = read_pdb_table(text, **options)
    if table is None:
        return None
    where = f"{path}, model 1"
    hetero = {name.decode().strip().upper() for name in np.unique(table.resname[table.hetero]).tolist()}
    warn_guessed_bond_orders(where, {name for name in hetero if guessed_residue(name)})
    types = pdb_gnina_types(table, where)
    warn_unknown_elements(types, where, lambda i: _PERIODIC.GetElementSymbol(int(table.element[i])))
    return typer.from_gnina_types(table.coords, types)
