"""Read and type in one step: structure files, GNINA's ``.gninatypes``, and a fast path for PDB receptors."""

from __future__ import annotations

from typing import Any

from rdkit import Chem

from ..errors import InvalidFileError
from ..io.pdb_table import read_pdb_table
from ..io.source import Source, read_structure_text, source_name
from ..io.structures import only_one, parse_molecules
from ._fast_pdb import pdb_gnina_types
from .gninatypes import read_gninatypes
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
    errors: str = "raise",
) -> list[TypedAtoms]:
    """Read every molecule of a structure file and type it: ``[typer(m) for m in read_molecules(...)]``.

    A ``.gninatypes`` file (already typed with GNINA's 28 types) is mapped onto the channels of a
    :class:`GninaTyper`. With a :class:`GninaTyper` on a single-model PDB file (the usual receptor), the
    standard residues are typed from residue templates instead of an RDKit molecule, and RDKit is used
    only for the other residues (ligands, cofactors, modified or incomplete residues); the result is
    identical, several times faster. Files with ``MODEL`` or ``CONECT`` records take the RDKit path.
    Either way the file is read once.

    Args:
        source: a path or an open file; see :func:`voxbind.io.read_molecules` for ``format`` and the
            reading options (``errors="skip"`` leaves out malformed records with a warning).
        typer: default: GNINA's default receptor typing (14 channels).

    Returns:
        One :class:`TypedAtoms` per molecule (pose, record, model).

    Raises:
        InvalidFileError: malformed input, as :func:`voxbind.io.read_molecules`; a ``.gninatypes`` file
            with a typer that is not a :class:`GninaTyper`.
    """
    typer = default_receptor_typer() if typer is None else typer
    if format is None and is_gninatypes(source):
        return [gnina_typed(read_gninatypes(source), typer, source_name(source))]
    structure = read_structure_text(source, format)
    fast = hydrogens == "keep" and altloc in ("first", "all")
    if fast and isinstance(typer, GninaTyper) and structure.format == "pdb":
        table = read_pdb_table(structure, waters=waters, metals=metals, altloc=altloc)
        if table is not None:
            types = pdb_gnina_types(table)
            symbol = lambda i: _PERIODIC.GetElementSymbol(int(table.element[i]))  # noqa: E731
            warn_unknown_elements(types, table.where, table.atom_label, symbol)
            return [typer.from_gnina_types(table.coords, types)]
    options: dict[str, Any] = {
        "hydrogens": hydrogens, "waters": waters, "metals": metals, "altloc": altloc, "errors": errors
    }  # fmt: skip
    molecules = parse_molecules(structure, **options)
    return [typer(m) for m in molecules]


def read_typed_molecule(source: Source, typer: Typer | None = None, **options) -> TypedAtoms:
    """Read and type a file that holds exactly one molecule (see :func:`read_typed_molecules`).

    Raises:
        InvalidFileError: as :func:`read_typed_molecules`, or when the file holds more than one molecule.
    """
    return only_one(read_typed_molecules(source, typer, **options), source)


def is_gninatypes(source: Source) -> bool:
    """Whether ``source`` is named as a ``.gninatypes`` file."""
    return source_name(source).lower().endswith(".gninatypes")


def gnina_typed(atoms: TypedAtoms, typer: Typer, where: str) -> TypedAtoms:
    """Atoms typed with GNINA's 28 types (a ``.gninatypes`` or ``.molcache2`` molecule) on the channels of
    ``typer``, which must be a :class:`GninaTyper`.

    Raises:
        InvalidFileError: naming ``where``, when ``typer`` is not a :class:`GninaTyper`.
    """
    if not isinstance(typer, GninaTyper):
        raise InvalidFileError(
            where, "", f"GNINA-typed molecules need a GninaTyper, not {type(typer).__name__}"
        )
    return typer.from_gnina_types(atoms.coords, atoms.types)
