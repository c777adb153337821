"""Reading structure files into :class:`~voxbind.io.Molecule` objects."""

from __future__ import annotations

import dataclasses
from typing import Any

from .._choices import ALTLOCS, HYDROGENS, RECORD_ERRORS, check_choice
from ..errors import InvalidFileError
from ._chem import apply_hydrogens, check_atoms
from ._cif import cif_to_pdb_lines
from ._mol2 import read_mol2
from ._pdb import read_pdb
from ._sdf import read_sdf
from ._xyz import read_xyz
from .molecule import Molecule
from .source import Source, StructureText, read_structure_text, source_name


def read_molecules(
    source: Source,
    format: str | None = None,
    *,
    hydrogens: str = "keep",
    waters: bool = True,
    metals: bool = True,
    altloc: str = "first",
    errors: str = "raise",
) -> list[Molecule]:
    """Read every molecule (pose, record, model) of a structure file.

    Args:
        source: a path or an open file (text or binary); ``.gz`` content is decompressed.
        format: ``"pdb"``, ``"cif"``, ``"sdf"``, ``"mol2"``, ``"pdbqt"`` or ``"xyz"``; by default from the
            file name's suffix (``.pdb``, ``.ent``, ``.cif``, ``.sdf``, ``.mol``, ``.mol2``, ``.pdbqt``,
            ``.xyz``, each optionally followed by ``.gz``).
        hydrogens: ``"keep"`` the hydrogens the file has (default); ``"remove"`` them; ``"add"`` every
            hydrogen explicitly, with coordinates. Hydrogens a file lacks are always counted implicitly
            (from bond orders and valence), which is what the typers use for donors.
        waters: keep water molecules (PDB/mmCIF/PDBQT; default ``True``, as GNINA does).
        metals: keep metal ions (default ``True``; they are typed by element).
        altloc: ``"first"`` keeps, for atoms with alternate locations, only the first location seen in the
            file (default); ``"all"`` keeps every location (OpenBabel's behaviour, which duplicates atoms).
        errors: ``"raise"`` on the first malformed record (default); ``"skip"`` leaves out each
            malformed SDF/MOL2 record or PDB/PDBQT model with a :class:`~voxbind.io.StructureWarning`
            naming it (record number, line, reason); a file with no readable molecule is still an error.

    Returns:
        One :class:`Molecule` per SDF/MOL2 record, PDB/PDBQT/mmCIF model or XYZ frame
        (``Molecule.record`` numbers them as the file does).

    Raises:
        InvalidFileError: the file cannot be read, or a record is malformed, empty, or has non-finite
            coordinates; the message names the file, the line or record, and the reason.
        InvalidArgumentError: an unknown ``format``, ``hydrogens`` or ``altloc``.
    """
    structure = read_structure_text(source, format)
    options: dict[str, Any] = {
        "hydrogens": hydrogens, "waters": waters, "metals": metals, "altloc": altloc, "errors": errors
    }  # fmt: skip
    return parse_molecules(structure, **options)


def parse_molecules(
    structure: StructureText,
    *,
    hydrogens: str = "keep",
    waters: bool = True,
    metals: bool = True,
    altloc: str = "first",
    errors: str = "raise",
) -> list[Molecule]:
    """The molecules of a structure file already read by :func:`~voxbind.io.read_structure_text` (the
    options as :func:`read_molecules`)."""
    check_choice("altloc", altloc, ALTLOCS)
    check_choice("hydrogens", hydrogens, HYDROGENS)
    check_choice("errors", errors, RECORD_ERRORS)
    skip = errors == "skip"
    path, fmt, lines = structure.name, structure.format, structure.lines
    if fmt == "sdf":
        molecules = read_sdf(lines, path, skip)
    elif fmt == "mol2":
        molecules = read_mol2(lines, path, skip)
    elif fmt == "xyz":
        molecules = read_xyz(lines, path)
    else:
        if fmt == "cif":
            lines = cif_to_pdb_lines(lines, path)
        options: dict[str, Any] = {"waters": waters, "metals": metals, "altloc": altloc, "skip_bad": skip}
        molecules = read_pdb(lines, path, pdbqt=fmt == "pdbqt", **options)
    if not molecules:
        raise InvalidFileError(path, "", "no readable molecules" if skip else "no molecules")
    if hydrogens != "keep":
        out = []
        for mol in molecules:
            rdmol = apply_hydrogens(mol.rdmol, hydrogens)
            check_atoms(rdmol, path, mol.source)
            out.append(dataclasses.replace(mol, rdmol=rdmol))
        molecules = out
    return molecules


def read_molecule(source: Source, format: str | None = None, **options) -> Molecule:
    """Read a file that holds exactly one molecule (see :func:`read_molecules` for the options).

    Raises:
        InvalidFileError: as :func:`read_molecules`, or when the file holds more than one molecule.
    """
    return only_one(read_molecules(source, format, **options), source)


def only_one(items: list, source: Source):
    """The single item of ``items`` read from ``source`` (a path, file or name); InvalidFileError when
    there are none or several."""
    if len(items) != 1:
        raise InvalidFileError(source_name(source), "", f"expected one molecule, found {len(items)}")
    return items[0]
