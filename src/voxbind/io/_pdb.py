"""PDB and PDBQT (multi-MODEL docking output): validated line by line, then built with RDKit."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Any

from rdkit import Chem

from ..errors import InvalidFileError, StructureWarning
from ._bond_perception import perceive_bond_orders
from ._chem import check_atoms, collect, sanitize
from ._standard_residues import standard_atom_names
from .molecule import Molecule

#: Element symbols, upper case (PDB columns 77-78 hold them so).
ELEMENTS = frozenset(Chem.GetPeriodicTable().GetElementSymbol(z).upper() for z in range(1, 119))
#: The largest coordinate magnitude a structure may have (Å), as the gridder accepts.
MAX_COORDINATE = 1e5
WATERS = frozenset({"HOH", "WAT", "H2O", "DOD", "SOL", "TIP", "TIP3"})
#: Residues whose bond orders RDKit's PDB reader knows (amino acids, their common variants, nucleotides).
STANDARD_RESIDUES = frozenset(
    [
        "ALA",
        "ARG",
        "ASN",
        "ASP",
        "CYS",
        "GLN",
        "GLU",
        "GLY",
        "HIS",
        "ILE",
        "LEU",
        "LYS",
        "MET",
        "PHE",
        "PRO",
        "SER",
        "THR",
        "TRP",
        "TYR",
        "VAL",
        "HID",
        "HIE",
        "HIP",
        "HSD",
        "HSE",
        "HSP",
        "CYX",
        "CYM",
        "ASH",
        "GLH",
        "LYN",
        "MSE",
        "SEC",
        "PYL",
        "ACE",
        "NME",
        "NH2",
        "A",
        "C",
        "G",
        "U",
        "I",
        "DA",
        "DC",
        "DG",
        "DT",
        "DI",
    ]
)
METALS = frozenset(
    [
        "LI",
        "BE",
        "NA",
        "MG",
        "AL",
        "K",
        "CA",
        "SC",
        "TI",
        "V",
        "CR",
        "MN",
        "FE",
        "CO",
        "NI",
        "CU",
        "ZN",
        "GA",
        "RB",
        "SR",
        "Y",
        "ZR",
        "MO",
        "RU",
        "RH",
        "PD",
        "AG",
        "CD",
        "IN",
        "SN",
        "CS",
        "BA",
        "LA",
        "CE",
        "PT",
        "AU",
        "HG",
        "TL",
        "PB",
        "BI",
    ]
)
#: AutoDock atom type → element, for PDBQT.
AD_ELEMENTS = {
    "A": "C", "C": "C", "CG0": "C", "CG1": "C", "CG2": "C", "CG3": "C", "G0": "C", "G1": "C",
    "G2": "C", "G3": "C", "N": "N", "NA": "N", "NS": "N", "O": "O", "OA": "O", "OS": "O",
    "S": "S", "SA": "S", "H": "H", "HD": "H", "HS": "H", "P": "P", "F": "F", "CL": "Cl", "BR": "Br",
    "I": "I", "MG": "Mg", "MN": "Mn", "ZN": "Zn", "CA": "Ca", "FE": "Fe", "B": "B", "SE": "Se",
    "SI": "Si", "K": "K", "NA+": "Na", "W": "O",
}  # fmt: skip


def warn_guessed_bond_orders(where: str, residues: set[str]) -> None:
    """Warn (:class:`StructureWarning`) that the bond orders of these residues (no template) are guessed."""
    if residues:
        warnings.warn(
            f"{where}: no bond orders for residue(s) {', '.join(sorted(residues))}; "
            "bond orders perceived from geometry, hydrogens from valence",
            StructureWarning,
            stacklevel=4,
        )


def guessed_residue(resname: str) -> bool:
    """Whether a HETATM residue of this name gets its bond orders guessed (not a known residue)."""
    return resname not in WATERS | METALS | STANDARD_RESIDUES


def _has_atoms(records: list[tuple[int, str]]) -> bool:
    return any(line[:6].upper() in ("ATOM  ", "HETATM") for _, line in records)


def pdb_models(lines: Iterable[str]):
    """Yield ``(model number, [(line number, line), ...])`` for each MODEL (or the whole file)."""
    current: list[tuple[int, str]] = []
    number = 0
    for lineno, line in enumerate(lines, 1):
        record = line[:6].upper()
        if record.startswith("MODEL"):
            if _has_atoms(current):
                number += 1
                yield number, current
            current = []
        elif record.startswith("ENDMDL"):
            number += 1
            yield number, current
            current = []
        elif record in ("ATOM  ", "HETATM") or record.startswith(("REMARK", "CONECT")):
            current.append((lineno, line))
    if _has_atoms(current):
        yield number + 1, current


def _field(line: str, start: int, stop: int) -> str:
    return line[start:stop].strip()


def _check_atom_line(line: str, path: str, lineno: int, pdbqt: bool) -> tuple[float, float, float]:
    if len(line.rstrip()) < 54:
        raise InvalidFileError(path, f"line {lineno}", f"atom record too short for coordinates: {line!r}")
    try:
        xyz = (float(line[30:38]), float(line[38:46]), float(line[46:54]))
    except ValueError:
        raise InvalidFileError(path, f"line {lineno}", f"bad coordinates {line[30:54]!r}") from None
    if not all(math.isfinite(v) for v in xyz):
        raise InvalidFileError(path, f"line {lineno}", f"non-finite coordinates {line[30:54]!r}")
    if max(abs(v) for v in xyz) > MAX_COORDINATE:
        raise InvalidFileError(path, f"line {lineno}", f"coordinates {xyz} beyond ±{MAX_COORDINATE:g} Å")
    element = "" if pdbqt else line[76:78].strip()
    if element and element.upper() not in ELEMENTS:
        raise InvalidFileError(path, f"line {lineno}", f"unknown element {element!r} (columns 77-78)")
    return xyz


def _pdbqt_to_pdb(line: str, path: str, lineno: int) -> tuple[str, str]:
    """One PDBQT atom line as a PDB atom line with the element in columns 77-78, and its AD type."""
    ad_type = line[77:80].strip() if len(line) > 77 else ""
    if not ad_type:
        parts = line[54:].split()
        ad_type = parts[-1] if parts else ""
    element = AD_ELEMENTS.get(ad_type.upper())
    if element is None:
        raise InvalidFileError(path, f"line {lineno}", f"unknown AutoDock atom type {ad_type!r}")
    return f"{line[:54].ljust(54)}  1.00  0.00          {element:>2}", ad_type


def read_pdb(
    lines: list[str],
    path: str,
    *,
    pdbqt: bool = False,
    waters: bool = True,
    metals: bool = True,
    altloc: str = "first",
    skip_bad: bool = False,
) -> list[Molecule]:
    title = next((ln[10:].strip() for ln in lines if ln.startswith(("HEADER", "COMPND"))), "")
    options: dict[str, Any] = {"pdbqt": pdbqt, "waters": waters, "metals": metals, "altloc": altloc}
    out = collect(
        pdb_models(lines), lambda item: pdb_model(item[0], item[1], path, title, **options), skip_bad
    )
    if not out:
        raise InvalidFileError(path, "", "no ATOM or HETATM records")
    return out


def pdb_model(
    model: int, records: list[tuple[int, str]], path: str, title: str, *, pdbqt, waters, metals, altloc
) -> Molecule:
    where = f"model {model}"
    keep: list[str] = []
    ad_types: list[str] = []
    remarks: dict[str, str] = {}
    first_alt = None
    guessed: set[str] = set()
    for lineno, line in records:
        record = line[:6].upper()
        if record.startswith("REMARK"):
            if "VINA RESULT" in line or "MINIMIZEDAFFINITY" in line.upper() or "CNN" in line.upper():
                key, _, value = line[6:].strip().partition(":")
                remarks[key.strip()] = value.strip()
            continue
        if record.startswith("CONECT"):
            keep.append(line)
            continue
        _check_atom_line(line, path, lineno, pdbqt)
        alt = line[16] if len(line) > 16 else " "
        if alt != " " and altloc == "first":
            first_alt = first_alt or alt
            if alt != first_alt:
                continue
        resname = _field(line, 17, 20).upper()
        if not waters and resname in WATERS:
            continue
        if not metals and resname in METALS and _field(line, 12, 16).upper() == resname:
            continue
        if pdbqt:
            line, ad_type = _pdbqt_to_pdb(line, path, lineno)
            ad_types.append(ad_type)
        elif guessed_residue(resname):
            guessed.add(resname)
        keep.append(line)
    if not any(ln[:6].upper() in ("ATOM  ", "HETATM") for ln in keep):
        raise InvalidFileError(path, where, "no atoms")
    mol = pdb_block_molecule(keep, path, where, ad_types if pdbqt else None)
    warn_guessed_bond_orders(f"{path}, {where}", guessed)
    source = f"{path}, {where}"
    return Molecule(mol, title, source, remarks, bond_orders_guessed=bool(guessed) or pdbqt, record=model)


def pdb_block_molecule(
    lines: list[str], path: str, where: str, ad_types: list[str] | None = None
) -> Chem.Mol:
    """The RDKit molecule of PDB atom (and ``CONECT``) lines, as every PDB reader of voxbind builds it.

    Bonds come from distances and RDKit's residue templates. For the atoms of residues without a
    template (ligands, cofactors, modified residues) whose bonds the file leaves single, bond orders are
    perceived from geometry as OpenBabel does (:mod:`._bond_perception`); PDBQT atoms (``ad_types``
    given) keep single bonds, as OpenBabel's kekulisation of them fails. Hydrogens the file lacks are
    implied by valence.

    Raises:
        InvalidFileError: RDKit cannot build the atom records, or they have no coordinates.
    """
    # flavor 1: keep every alternate location left after our own altloc choice (RDKit keeps only "A")
    mol = Chem.MolFromPDBBlock("\n".join(lines) + "\nEND\n", removeHs=False, sanitize=False, flavor=1)
    if mol is None:
        raise InvalidFileError(path, where, "RDKit could not build the structure from its atom records")
    check_atoms(mol, path, where)
    conect = _conect_serials(lines)
    types: list[str | None] = list(ad_types) if ad_types else [None] * mol.GetNumAtoms()
    for atom, ad_type in zip(mol.GetAtoms(), types, strict=False):
        atom.SetNoImplicit(False)  # hydrogens the file lacks are implied by valence, as OpenBabel does
        if ad_type is not None:
            atom.SetProp("ad_type", ad_type)
        info = atom.GetPDBResidueInfo()
        if conect and info is not None and info.GetSerialNumber() in conect:
            atom.SetBoolProp(CONECT_PROP, True)  # its bonds come from the file, in file order
    if ad_types is None:
        perceive_bond_orders(mol, _untemplated_atoms(mol))
    sanitize(mol, f"{path}, {where}")
    return mol


#: Atom property: the atom's bonds are listed in the file's ``CONECT`` records.
CONECT_PROP = "conect"


def _conect_serials(lines: list[str]) -> set[int]:
    """The atom serial numbers named in ``CONECT`` records."""
    serials = set()
    for line in lines:
        if line[:6].upper().startswith("CONECT"):
            for start in range(6, min(len(line.rstrip()), 31), 5):
                field = line[start : start + 5].strip()
                if field.isdigit():
                    serials.add(int(field))
    return serials


def _untemplated_atoms(mol: Chem.Mol) -> list[int]:
    """Atoms whose bonds came without orders: those of residues to which neither RDKit's residue
    templates nor the file's ``CONECT`` records gave a multiple bond (ligands, cofactors, residue names
    RDKit does not know, such as CHARMM's HSD), and the heavy atoms of standard residues that their
    template does not name (a force field's caps, such as CHARMM's acetyl ``CAY CY OY``)."""
    residues: dict[tuple, list[int]] = {}
    for atom in mol.GetAtoms():
        info = atom.GetPDBResidueInfo()
        if info is None or info.GetResidueName().strip().upper() in WATERS:
            continue
        key = (info.GetResidueName(), info.GetChainId(), info.GetResidueNumber(), info.GetInsertionCode())
        residues.setdefault(key, []).append(atom.GetIdx())
    out = []
    for key, atoms in residues.items():
        members = set(atoms)
        orders = [
            bond.GetBondTypeAsDouble()
            for i in atoms
            for bond in mol.GetAtomWithIdx(i).GetBonds()
            if bond.GetOtherAtomIdx(i) in members
        ]
        if all(order == 1.0 for order in orders):
            out += atoms
            continue
        named = standard_atom_names(key[0].strip().upper())
        if named is not None:
            out += [
                i
                for i in atoms
                if mol.GetAtomWithIdx(i).GetAtomicNum() > 1
                and mol.GetAtomWithIdx(i).GetPDBResidueInfo().GetName().strip().upper() not in named
            ]
    return out
