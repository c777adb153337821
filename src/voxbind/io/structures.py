"""Reading structure files into :class:`~voxbind.io.Molecule` objects."""

from __future__ import annotations

from ..errors import InvalidFileError
from ._chem import apply_hydrogens, check_atoms
from ._cif import cif_to_pdb_lines
from ._mol2 import read_mol2
from ._pdb import read_pdb
from ._sdf import read_sdf
from ._source import Source, detect_format, read_text, source_name, text_lines
from ._xyz import read_xyz
from .molecule import Molecule


def read_molecules(
    source: Source,
    format: str | None = None,
    *,
    hydrogens: str = "keep",
    waters: bool = True,
    metals: bool = True,
    altloc: str = "first",
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

    Returns:
        One :class:`Molecule` per SDF/MOL2 record, PDB/PDBQT/mmCIF model or XYZ frame.

    Raises:
        InvalidFileError: the file cannot be read, or a record is malformed, empty, or has non-finite
            coordinates; the message names the file, the line or record, and the reason.
    """
    if altloc not in ("first", "all"):
        raise ValueError(f"altloc must be 'first' or 'all', not {altloc!r}")
    if hydrogens not in ("keep", "remove", "add"):
        raise ValueError(f"hydrogens must be 'keep', 'remove' or 'add', not {hydrogens!r}")
    path = source_name(source)
    fmt = detect_format(source, format)
    lines = text_lines(read_text(source))
    if fmt == "sdf":
        molecules = read_sdf(lines, path)
    elif fmt == "mol2":
        molecules = read_mol2(lines, path)
    elif fmt == "xyz":
        molecules = read_xyz(lines, path)
    else:
        if fmt == "cif":
            lines = cif_to_pdb_lines(lines, path)
        molecules = read_pdb(lines, path, pdbqt=fmt == "pdbqt", waters=waters, metals=metals, altloc=altloc)
    if not molecules:
        raise InvalidFileError(path, "", "no molecules")
    if hydrogens != "keep":
        out = []
        for mol in molecules:
            rdmol = apply_hydrogens(mol.rdmol, hydrogens)
            check_atoms(rdmol, path, mol.source)
            out.append(Molecule(rdmol, mol.name, mol.source, mol.properties, mol.bond_orders_guessed))
        molecules = out
    return molecules


def read_molecule(source: Source, format: str | None = None, **options) -> Molecule:
    """Read a file that holds exactly one molecule (see :func:`read_molecules` for the options).

    Raises:
        InvalidFileError: as :func:`read_molecules`, or when the file holds more than one molecule.
    """
    return only_one(read_molecules(source, format, **options), source)


def only_one(items: list, source: Source):
    """The single item of ``items`` read from ``source``; InvalidFileError when there are 0 or several."""
    if len(items) != 1:
        raise InvalidFileError(source_name(source), "", f"expected one molecule, found {len(items)}")
    return items[0]
