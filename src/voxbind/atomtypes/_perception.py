"""GNINA's typing rules over RDKit's perception, matched to OpenBabel's where the two differ.

GNINA types an atom from its element, OpenBabel's aromaticity and H-bond acceptor flags, and its
neighbours after OpenBabel has completed hydrogens by valence. The rules below are those of GNINA; the
corrections in :data:`RESIDUE_CORRECTIONS` reproduce what OpenBabel's bond-order perception does to
standard residues of PDB files (measured against libmolgrid; ``docs/atom-typing.md`` lists them).
"""

from __future__ import annotations

import numpy as np
from rdkit import Chem

from .gnina import ELEMENT_TYPE, GENERIC_METAL, GNINA_INDEX, HYDROGEN, POLAR_HYDROGEN

_SP2 = Chem.HybridizationType.SP2
_SP3 = Chem.HybridizationType.SP3
_POLAR_PARTNERS = frozenset({7, 8, 15, 16})

_I = GNINA_INDEX
#: ``(residue, atom name) -> type`` where OpenBabel's reading of a PDB residue without those hydrogens
#: differs from the chemistry RDKit's residue templates give. Applied only when the atom (or, for
#: aromaticity, the residue) carries no explicit hydrogens in the file.
RESIDUE_CORRECTIONS: dict[tuple[str, str], int] = {
    # arginine: the double bond goes to NE; both terminal nitrogens are sp2 amine donors
    ("ARG", "NE"): _I["NitrogenXSAcceptor"],
    ("ARG", "NH1"): _I["NitrogenXSDonor"],
    ("ARG", "NH2"): _I["NitrogenXSDonor"],
    # histidine: the ring is not aromatic and NE2 carries no hydrogen
    ("HIS", "NE2"): _I["NitrogenXSAcceptor"],
}
#: Residues whose ring OpenBabel leaves non-aromatic: always (HIS), or when the file has no hydrogens (TRP).
NON_AROMATIC_ALWAYS = frozenset({"HIS"})
NON_AROMATIC_WITHOUT_H = frozenset({"TRP"})
#: Acceptor nitrogens that OpenBabel leaves without hydrogen in residues read without hydrogens.
BARE_NITROGEN_WITHOUT_H = {("TRP", "NE1"): _I["NitrogenXSAcceptor"]}


def _explicit_h(atom: Chem.Atom) -> int:
    return sum(1 for n in atom.GetNeighbors() if n.GetAtomicNum() == 1)


def _residue_key(atom: Chem.Atom) -> tuple[str, str, tuple] | None:
    info = atom.GetPDBResidueInfo()
    if info is None or info.GetIsHeteroAtom():
        return None
    residue = (info.GetChainId(), info.GetResidueNumber(), info.GetInsertionCode())
    return info.GetResidueName().strip().upper(), info.GetName().strip().upper(), residue


def _residues_with_h(mol: Chem.Mol) -> set[tuple]:
    found = set()
    for atom in mol.GetAtoms():
        if atom.GetAtomicNum() == 1:
            info = atom.GetPDBResidueInfo()
            if info is not None:
                found.add((info.GetChainId(), info.GetResidueNumber(), info.GetInsertionCode()))
    return found


def _base_type(atom: Chem.Atom, aromatic: bool, ad_type: str | None) -> int:
    """GNINA's rules for one heavy atom (hydrogens are handled by the caller)."""
    z = atom.GetAtomicNum()
    neighbours = atom.GetNeighbors()
    hetero = any(n.GetAtomicNum() not in (1, 6) for n in neighbours)
    if ad_type is not None:  # PDBQT: the AutoDock type says aromatic / acceptor; hydrogens are explicit
        h_bonded = _explicit_h(atom) > 0
        aromatic = ad_type.upper() == "A"
        acceptor = ad_type.upper() in ("NA", "OA", "SA", "NS", "OS")
    else:
        h_bonded = atom.GetTotalNumHs(includeNeighbors=True) > 0
        acceptor = None
    if z == 6:
        return (4 if aromatic else 2) + (1 if hetero else 0)
    if z == 7:
        if acceptor is None:
            degree = atom.GetDegree() + atom.GetTotalNumHs()
            hyb = atom.GetHybridization()
            acceptor = not ((degree == 4 and hyb == _SP3) or (degree == 3 and hyb == _SP2))
        if acceptor:
            return _I["NitrogenXSDonorAcceptor"] if h_bonded else _I["NitrogenXSAcceptor"]
        return _I["NitrogenXSDonor"] if h_bonded else _I["Nitrogen"]
    if z == 8:
        return _I["OxygenXSDonorAcceptor"] if h_bonded else _I["OxygenXSAcceptor"]
    if z == 16:
        if ad_type is not None:
            return _I["SulfurAcceptor"] if acceptor else _I["Sulfur"]
        return _I["SulfurAcceptor"] if atom.GetFormalCharge() == -1 else _I["Sulfur"]
    if z == 34:
        return _I["Sulfur"]
    return ELEMENT_TYPE.get(z, GENERIC_METAL)


def gnina_type_indices(mol: Chem.Mol) -> np.ndarray:
    """GNINA type index (0-27) of every atom of an RDKit molecule, hydrogens included.

    Returns:
        ``(N,)`` int64. Unknown elements (``*`` atoms included) come out GenericMetal (26).
    """
    with_h = _residues_with_h(mol)
    out = np.empty(mol.GetNumAtoms(), dtype=np.int64)
    for atom in mol.GetAtoms():
        i = atom.GetIdx()
        ad_type = atom.GetProp("ad_type") if atom.HasProp("ad_type") else None
        if atom.GetAtomicNum() == 1:
            polar = any(n.GetAtomicNum() in _POLAR_PARTNERS for n in atom.GetNeighbors())
            out[i] = POLAR_HYDROGEN if polar else HYDROGEN
            continue
        aromatic = atom.GetIsAromatic()
        key = _residue_key(atom) if ad_type is None else None
        if key is not None:
            resname, name, residue = key
            residue_has_h = residue in with_h
            if resname in NON_AROMATIC_ALWAYS or (resname in NON_AROMATIC_WITHOUT_H and not residue_has_h):
                aromatic = False
        out[i] = _base_type(atom, aromatic, ad_type)
        if key is None or _explicit_h(atom):
            continue
        correction = RESIDUE_CORRECTIONS.get((resname, name))
        if correction is None and atom.GetAtomicNum() == 8:
            correction = _carboxylate_oxygen(atom)
        if correction is None and not residue_has_h:
            correction = BARE_NITROGEN_WITHOUT_H.get((resname, name))
        if correction is not None:
            out[i] = correction
    return out


def _carboxylate_oxygen(atom: Chem.Atom) -> int | None:
    """OpenBabel's choice for an oxygen of a carboxylate read without hydrogens, or None.

    OpenBabel orders atoms by z coordinate when it connects them, so the carboxylate oxygen with the
    larger z is the one that ends up protonated (``OxygenXSDonorAcceptor``); the other takes the double
    bond (``OxygenXSAcceptor``).
    """
    carbon = next((n for n in atom.GetNeighbors() if n.GetAtomicNum() == 6), None)
    if carbon is None or atom.GetDegree() != 1:
        return None
    oxygens = [n for n in carbon.GetNeighbors() if n.GetAtomicNum() == 8 and n.GetDegree() == 1]
    if len(oxygens) != 2:
        return None
    other = oxygens[1] if oxygens[0].GetIdx() == atom.GetIdx() else oxygens[0]
    conf = atom.GetOwningMol().GetConformer()
    mine, theirs = conf.GetAtomPosition(atom.GetIdx()).z, conf.GetAtomPosition(other.GetIdx()).z
    return _I["OxygenXSDonorAcceptor"] if mine > theirs else _I["OxygenXSAcceptor"]
