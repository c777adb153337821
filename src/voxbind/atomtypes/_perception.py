"""GNINA's typing rules over RDKit's perception, matched to OpenBabel's where the two differ.

GNINA types an atom from its element, OpenBabel's aromaticity and H-bond acceptor flags, and its
neighbours after OpenBabel has completed hydrogens by valence. The rules below are those of GNINA; the
corrections in :data:`RESIDUE_CORRECTIONS` reproduce what OpenBabel's bond-order perception does to
standard residues of PDB files (measured against libmolgrid; ``docs/atom-typing.md`` lists them).
"""

from __future__ import annotations

import numpy as np
from rdkit import Chem

from ..io.pdb_table import CONECT_PROP
from ._cycles import rings_with_metal_contacts
from .gnina import ELEMENT_TYPE, GENERIC_METAL, GNINA_INDEX, HYDROGEN, POLAR_HYDROGEN

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
#: Residues whose ring OpenBabel leaves non-aromatic: always (histidine, under its force-field names
#: too), or when the file has no hydrogens (TRP).
NON_AROMATIC_ALWAYS = frozenset({"HIS", "HID", "HIE", "HIP", "HSD", "HSE", "HSP"})
NON_AROMATIC_WITHOUT_H = frozenset({"TRP"})
#: Acceptor nitrogens that OpenBabel leaves without hydrogen in residues read without hydrogens.
BARE_NITROGEN_WITHOUT_H = {("TRP", "NE1"): _I["NitrogenXSAcceptor"]}
#: ``(residue, atom name, formal charge in the file) -> type`` for charged atoms read without hydrogens:
#: OpenBabel gives an arginine nitrogen the file charges +1 one hydrogen and keeps its lone pair.
CHARGED_CORRECTIONS: dict[tuple[str, str, int], int] = {
    ("ARG", "NH1", 1): _I["NitrogenXSDonorAcceptor"],
    ("ARG", "NH2", 1): _I["NitrogenXSDonorAcceptor"],
}
#: A backbone nitrogen read without hydrogens that lies on a ring (a chain closed on itself by a
#: disulfide or another cross-link) gets no hydrogen from OpenBabel; proline's is not affected.
RING_BACKBONE_NITROGEN = _I["NitrogenXSAcceptor"]


def is_ring_backbone_nitrogen(resname: str, name: str, heavy_degree: int, in_ring: bool) -> bool:
    """Whether a standard-residue atom without hydrogens falls under :data:`RING_BACKBONE_NITROGEN`."""
    return name == "N" and resname != "PRO" and heavy_degree == 2 and in_ring


def _explicit_h(atom: Chem.Atom) -> int:
    return sum(1 for n in atom.GetNeighbors() if n.GetAtomicNum() == 1)


def _residue_key(atom: Chem.Atom) -> tuple[str, str, tuple] | None:
    info = atom.GetPDBResidueInfo()
    if info is None or info.GetIsHeteroAtom():
        return None
    residue = (info.GetChainId(), info.GetResidueNumber(), info.GetInsertionCode())
    return info.GetResidueName().strip().upper(), info.GetName().strip().upper(), residue


def _mean_bond_angle(atom: Chem.Atom) -> float:
    """The mean angle (degrees) between the bonds of ``atom`` to its neighbours in the file."""
    conformer = atom.GetOwningMol().GetConformer()
    centre = np.asarray(conformer.GetAtomPosition(atom.GetIdx()))
    bonds = [np.asarray(conformer.GetAtomPosition(n.GetIdx())) - centre for n in atom.GetNeighbors()]
    cosines = [
        u @ v / (np.linalg.norm(u) * np.linalg.norm(v)) for k, u in enumerate(bonds) for v in bonds[k + 1 :]
    ]
    return float(np.degrees(np.arccos(np.clip(cosines, -1.0, 1.0))).mean()) if cosines else 0.0


def _residue(atom: Chem.Atom) -> tuple:
    info = atom.GetPDBResidueInfo()
    if info is None:
        return ()
    return (info.GetChainId(), info.GetResidueNumber(), info.GetInsertionCode(), info.GetResidueName())


def _residues_with_bond_orders(mol: Chem.Mol) -> set[tuple]:
    """The residues that have a multiple bond inside them: their bond orders came from a template."""
    out = set()
    for bond in mol.GetBonds():
        if bond.GetBondTypeAsDouble() > 1:
            first = _residue(bond.GetBeginAtom())
            if first == _residue(bond.GetEndAtom()):
                out.add(first)
    return out


def _planar(atom: Chem.Atom, ordered: set[tuple]) -> bool:
    """Whether ``atom`` (a neighbour of a PDBQT nitrogen) is unsaturated as OpenBabel sees it: aromatic,
    or with a multiple bond to an atom that can hold one (not a hydroxyl oxygen the file protonated);
    in a residue whose bonds were all read single (no template, ``ordered`` lacks it), by its bond
    angles averaging over 115 degrees."""
    if atom.GetIsAromatic():
        return True
    for bond in atom.GetBonds():
        partner = bond.GetOtherAtom(atom)
        if bond.GetBondTypeAsDouble() > 1 and not (
            partner.GetAtomicNum() in (8, 16) and _explicit_h(partner)
        ):
            return True
    return _residue(atom) not in ordered and atom.GetDegree() >= 3 and _mean_bond_angle(atom) > 115.0


def _conjugated(atom: Chem.Atom, ordered: set[tuple]) -> bool:
    """Whether a nitrogen is conjugated (sp2): in a planar ring, or bonded to a planar heavy atom."""
    if atom.IsInRing() and _mean_bond_angle(atom) > 100.0:
        return True
    return any(n.GetAtomicNum() > 1 and _planar(n, ordered) for n in atom.GetNeighbors())


def _autodock_type(atom: Chem.Atom, ad_type: str, ordered: set[tuple]) -> int:
    """GNINA's rules for one heavy atom of a PDBQT file, as OpenBabel applies them: it takes only the
    element from the AutoDock type and perceives the rest itself; its bond-order perception fails to
    kekulize the rings of a PDBQT file (it warns so), which leaves no carbon aromatic, and no sulfur is
    an acceptor. The hydrogens are the file's explicit polar ones and those implied by valence."""
    z = atom.GetAtomicNum()
    hetero = any(n.GetAtomicNum() not in (1, 6) for n in atom.GetNeighbors())
    h_bonded = _explicit_h(atom) > 0
    acceptor = ad_type.upper() in ("NA", "NS")
    if z == 6:
        return 2 + (1 if hetero else 0)
    if z == 7:
        # OpenBabel's rule on its own perception: a lone pair unless the nitrogen is sp2 with three
        # connections or sp3 with four. A PDBQT file's polar hydrogens are explicit, so the connections
        # are the file's; an acceptor type (NA) keeps its lone pair, an N with two connections has none
        # (a metal ligand, or a hydrogen the file leaves out), and one with three is sp2 when conjugated.
        degree = atom.GetDegree()
        lone_pair = acceptor or (degree == 3 and not _conjugated(atom, ordered))
        if lone_pair:
            return _I["NitrogenXSDonorAcceptor"] if h_bonded else _I["NitrogenXSAcceptor"]
        return _I["NitrogenXSDonor"] if h_bonded else _I["Nitrogen"]
    if z == 8:
        return _I["OxygenXSDonorAcceptor"] if h_bonded else _I["OxygenXSAcceptor"]
    if z in (16, 34):
        return _I["Sulfur"]
    return ELEMENT_TYPE.get(z, GENERIC_METAL)


_QUERIES = {
    name: Chem.MolFromSmarts(smarts)
    for name, smarts in {
        "aromatic_c": "[c]",
        "hetero_c": "[#6;$([#6]~[!#1;!#6])]",
        "h_bonded": "[!#1;!H0]",
        # OpenBabel's hybridisation of nitrogen (its INTHYB table: sp wins over sp2 over sp3), which
        # its acceptor rule and its placing of hydrogens use (RDKit's differs next to charges)
        "n_sp": "[#7;$([#7]#*),$([#7;D2](=*)=*)]",
        "n_sp2": "[#7;a,$([#7]=*),$([#7][#6,#7,#8]=,:,#*)]",
        "s_anion": "[#16;-1]",
        "polar_h": "[#1;$([#1]~[#7,#8,#15,#16])]",
        "candidates": "[$([#7]),$([#8;D1]),$([#6,#7;R])]",
    }.items()
}
_ELEMENTS = {z: Chem.MolFromSmarts(f"[#{z}]") for z in (1, 6, 7, 8, 16, 34, *ELEMENT_TYPE)}


def _mask(mol: Chem.Mol, query: Chem.Mol) -> np.ndarray:
    out = np.zeros(mol.GetNumAtoms(), dtype=bool)
    matches = mol.GetSubstructMatches(query, uniquify=False, maxMatches=mol.GetNumAtoms() + 1)
    if matches:
        out[np.fromiter((m[0] for m in matches), np.int64, len(matches))] = True
    return out


def gnina_type_indices(mol: Chem.Mol) -> np.ndarray:
    """GNINA type index (0-27) of every atom of an RDKit molecule, hydrogens included.

    Returns:
        ``(N,)`` int64. Unknown elements (``*`` atoms included), and only they, come out GenericMetal (26).
    """
    n = mol.GetNumAtoms()
    if n and mol.GetAtomWithIdx(0).HasProp("ad_type"):
        return _gnina_types_per_atom(mol)
    out = np.full(n, GENERIC_METAL, dtype=np.int64)
    element = {z: _mask(mol, q) for z, q in _ELEMENTS.items()}
    for z, t in ELEMENT_TYPE.items():
        out[element[z]] = t
    out[element[34]] = _I["Sulfur"]
    f = {name: _mask(mol, q) for name, q in _QUERIES.items()}
    out[element[1]] = np.where(f["polar_h"][element[1]], POLAR_HYDROGEN, HYDROGEN)
    carbon = element[6]
    out[carbon] = 2 + 2 * f["aromatic_c"][carbon] + f["hetero_c"][carbon]
    nitrogen = np.flatnonzero(element[7])
    hybridisation = np.where(f["n_sp"][nitrogen], 1, np.where(f["n_sp2"][nitrogen], 2, 3))
    for i, hyb in zip(nitrogen.tolist(), hybridisation.tolist(), strict=True):
        out[i] = _nitrogen_type(mol.GetAtomWithIdx(i), hyb)
    oxygen = element[8]
    out[oxygen] = np.where(f["h_bonded"][oxygen], _I["OxygenXSDonorAcceptor"], _I["OxygenXSAcceptor"])
    sulfur = element[16]
    out[sulfur] = np.where(f["s_anion"][sulfur], _I["SulfurAcceptor"], _I["Sulfur"])
    _correct_residues(mol, out, np.flatnonzero(f["candidates"]))
    return out


def _nitrogen_type(atom: Chem.Atom, hyb: int) -> int:
    """GNINA's type of a nitrogen, as OpenBabel completes and types it.

    OpenBabel places the hydrogens a nitrogen lacks one at a time, and cannot place one on an atom that
    already has three connections and is sp2 (or two and is sp): such a nitrogen keeps the connections
    it has. It has no lone pair when sp3 with four connections or sp2 with three.

    Args:
        atom: the nitrogen, its file's hydrogens as neighbours and the rest implicit.
        hyb: its hybridisation as OpenBabel assigns it (1, 2 or 3).
    """
    connections = atom.GetDegree()
    hydrogens = sum(1 for n in atom.GetNeighbors() if n.GetAtomicNum() == 1)
    for _ in range(atom.GetTotalNumHs()):  # the hydrogens the file leaves out
        if (connections == 2 and hyb == 1) or (connections == 3 and hyb < 3) or connections >= 4:
            break
        connections += 1
        hydrogens += 1
    acceptor = not ((connections == 4 and hyb == 3) or (connections == 3 and hyb == 2))
    if acceptor:
        return _I["NitrogenXSDonorAcceptor"] if hydrogens else _I["NitrogenXSAcceptor"]
    return _I["NitrogenXSDonor"] if hydrogens else _I["Nitrogen"]


def _correct_residues(mol: Chem.Mol, out: np.ndarray, candidates: np.ndarray) -> None:
    """Apply OpenBabel's outcome to standard-residue atoms (see :data:`RESIDUE_CORRECTIONS`)."""
    keyed = []
    residue_has_h: dict[tuple, bool] = {}
    for i in candidates.tolist():
        atom = mol.GetAtomWithIdx(i)
        key = _residue_key(atom)
        if key is None:
            continue
        explicit = _explicit_h(atom)
        keyed.append((atom, key, explicit))
        if key[0] in NON_AROMATIC_WITHOUT_H and atom.IsInRing():
            residue_has_h[key[2]] = residue_has_h.get(key[2], False) or explicit > 0
    rings: list[np.ndarray] = []

    def in_ring(i: int) -> bool:  # computed once, only for a molecule that asks
        if not rings:
            rings.append(_ring_atoms(mol))
        return bool(rings[0][i])

    for atom, (resname, name, residue), explicit in keyed:
        i = atom.GetIdx()
        aromatic_ring = atom.GetAtomicNum() == 6 and atom.GetIsAromatic()
        if aromatic_ring and (
            resname in NON_AROMATIC_ALWAYS
            or (resname in NON_AROMATIC_WITHOUT_H and not residue_has_h.get(residue, False))
        ):
            out[i] -= 2  # the aliphatic twin of the aromatic carbon type
        if explicit:
            continue
        correction = CHARGED_CORRECTIONS.get((resname, name, atom.GetFormalCharge()))
        if correction is None and is_ring_backbone_nitrogen(resname, name, atom.GetDegree(), in_ring(i)):
            correction = RING_BACKBONE_NITROGEN
        if correction is None:
            correction = RESIDUE_CORRECTIONS.get((resname, name))
        if correction is None and atom.GetAtomicNum() == 8:
            correction = _carboxylate_oxygen(atom)
        if correction is None and not residue_has_h.get(residue, False):
            correction = BARE_NITROGEN_WITHOUT_H.get((resname, name))
        if correction is not None:
            out[i] = correction


def _ring_atoms(mol: Chem.Mol) -> np.ndarray:
    """``(N,)`` bool: atoms on a ring as OpenBabel sees rings, metal contacts included."""
    if not mol.GetNumConformers():
        return np.array([atom.IsInRing() for atom in mol.GetAtoms()], dtype=bool)
    pairs = np.array([(b.GetBeginAtomIdx(), b.GetEndAtomIdx()) for b in mol.GetBonds()], dtype=np.int64)
    pairs = pairs.reshape(-1, 2)
    element = np.array([atom.GetAtomicNum() for atom in mol.GetAtoms()])
    coords = np.asarray(mol.GetConformer().GetPositions())
    return rings_with_metal_contacts(coords, element, pairs[:, 0], pairs[:, 1])


def _gnina_types_per_atom(mol: Chem.Mol) -> np.ndarray:
    """Per-atom typing for molecules with AutoDock types (PDBQT)."""
    out = np.empty(mol.GetNumAtoms(), dtype=np.int64)
    ordered = _residues_with_bond_orders(mol)
    for atom in mol.GetAtoms():
        i = atom.GetIdx()
        if atom.GetAtomicNum() == 1:
            polar = any(n.GetAtomicNum() in _POLAR_PARTNERS for n in atom.GetNeighbors())
            out[i] = POLAR_HYDROGEN if polar else HYDROGEN
        else:
            out[i] = _autodock_type(atom, atom.GetProp("ad_type"), ordered)
    return out


def _carboxylate_oxygen(atom: Chem.Atom) -> int | None:
    """OpenBabel's choice for an oxygen of a carboxylate read without hydrogens, or None.

    OpenBabel orders atoms by z coordinate when it connects them (in file order when ``CONECT``
    records give the bonds), so the carboxylate oxygen with the larger z (the later one) keeps a single
    bond and ends up protonated (``OxygenXSDonorAcceptor``), unless the file gives it a negative
    charge; the other takes the double bond (``OxygenXSAcceptor``). Measured on the typing corpus.
    """
    carbon = next((n for n in atom.GetNeighbors() if n.GetAtomicNum() == 6), None)
    if carbon is None or atom.GetDegree() != 1:
        return None
    oxygens = [n for n in carbon.GetNeighbors() if n.GetAtomicNum() == 8 and n.GetDegree() == 1]
    if len(oxygens) != 2:
        return None
    other = oxygens[1] if oxygens[0].GetIdx() == atom.GetIdx() else oxygens[0]
    if atom.HasProp(CONECT_PROP) and other.HasProp(CONECT_PROP):  # bonds made in file order
        mine, theirs = atom.GetIdx(), other.GetIdx()
    else:
        conf = atom.GetOwningMol().GetConformer()
        mine, theirs = conf.GetAtomPosition(atom.GetIdx()).z, conf.GetAtomPosition(other.GetIdx()).z
    protonated = mine > theirs and atom.GetFormalCharge() == 0
    return _I["OxygenXSDonorAcceptor"] if protonated else _I["OxygenXSAcceptor"]
