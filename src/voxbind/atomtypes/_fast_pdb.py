"""GNINA types of a PDB receptor from residue templates, with RDKit only for what the templates miss.

Typing an RDKit molecule of a 5,000-atom receptor is dominated by building and sanitising it. For the
residues that make up almost all of a receptor, RDKit's result is known in advance: bonds come from
distances (:mod:`._proximity`, RDKit's own rule), bond orders from the residue templates
(:mod:`._residues`, RDKit's own table), and the rest — hydrogen counts, hybridisation of nitrogens, the
corrections of :mod:`._perception` — follows from those in a few array operations.

A residue takes this path when it is a standard amino acid in ``ATOM`` records whose heavy atoms are
exactly its template's (``OXT`` optional), whose bonds are exactly the template's, whose bonds to other
residues are peptide or disulfide bonds to residues that qualify too, and whose atoms have charges and
valences RDKit accepts as they are. Waters and single-atom ions qualify as well. Every other residue
(ligands, cofactors, modified or incomplete residues, unusual protonation) is typed by RDKit on a small
block holding it and the residues bonded to it, which gives the same result as the whole molecule: every
rule looks at most two bonds away.
"""

from __future__ import annotations

import numpy as np

from ..io.pdb_table import PdbTable
from ._cycles import rings_with_metal_contacts
from ._perception import (
    BARE_NITROGEN_WITHOUT_H,
    CHARGED_CORRECTIONS,
    NON_AROMATIC_ALWAYS,
    NON_AROMATIC_WITHOUT_H,
    RESIDUE_CORRECTIONS,
    RING_BACKBONE_NITROGEN,
    gnina_type_indices,
)
from ._proximity import proximity_bonds
from ._residues import TEMPLATES, pdb_name
from .gnina import ELEMENT_TYPE, GENERIC_METAL, GNINA_INDEX, HYDROGEN, POLAR_HYDROGEN

_I = GNINA_INDEX
_CORRECTED = [(res.encode(), pdb_name(name), t) for (res, name), t in RESIDUE_CORRECTIONS.items()]
_BARE_NITROGEN = [(res.encode(), pdb_name(name), t) for (res, name), t in BARE_NITROGEN_WITHOUT_H.items()]
_BACKBONE_N = pdb_name("N")
_CHARGED = [(res.encode(), pdb_name(name), q, t) for (res, name, q), t in CHARGED_CORRECTIONS.items()]


def _per_atom(n: int, index: np.ndarray, weights=None) -> np.ndarray:
    return np.bincount(index, weights=weights, minlength=n)


class _Graph:
    """Bonds of the table, split into heavy–heavy and hydrogen–heavy, with per-atom sums."""

    def __init__(self, table: PdbTable):
        z = table.element
        self.n = n = z.size
        water = table.resname == b"HOH"
        i, j = proximity_bonds(table.coords, z, table.residue, water)
        heavy = z != 1
        hh = heavy[i] & heavy[j]
        self.i, self.j = i[hh], j[hh]
        h_bonds = heavy[i] != heavy[j]
        self.h_atom = np.where(heavy[i[h_bonds]], j[h_bonds], i[h_bonds])
        self.h_partner = np.where(heavy[i[h_bonds]], i[h_bonds], j[h_bonds])
        self.explicit_h = _per_atom(n, self.h_partner)
        self.heavy_degree = _per_atom(n, self.i) + _per_atom(n, self.j)


def _shaped_residues(table: PdbTable, graph: _Graph, gid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(shaped, order)``: residues that are exactly their template, and every heavy bond's order."""
    t = TEMPLATES
    residue = table.residue
    n_res = int(residue.max()) + 1
    heavy = table.element != 1
    known = gid >= 0
    heavy_count = _per_atom(n_res, residue[heavy])
    known_count = _per_atom(n_res, residue[known])
    tres = np.full(n_res, -1, dtype=np.int64)
    tres[residue[known]] = t.residue[gid[known]]
    consistent = np.ones(n_res, dtype=bool)
    consistent[residue[known][t.residue[gid[known]] != tres[residue[known]]]] = False
    bits = np.zeros(n_res, dtype=np.int64)
    np.bitwise_or.at(bits, residue[known], t.bit[gid[known]])
    bit_sum = _per_atom(n_res, residue[known], t.bit[gid[known]].astype(np.float64))
    required = t.required[np.maximum(tres, 0)]
    shaped = (
        (heavy_count > 0)
        & (heavy_count == known_count)
        & consistent
        & (bit_sum == bits)
        & ((bits & required) == required)
    )
    i, j = graph.i, graph.j
    gi, gj = gid[i], gid[j]
    same = residue[i] == residue[j]
    order = np.ones(i.size, dtype=np.int64)
    pair = np.minimum(gi, gj) * t.size + np.maximum(gi, gj)
    pos = np.minimum(np.searchsorted(t.bond_keys, pair), t.bond_keys.size - 1)
    in_template = same & (gi >= 0) & (gj >= 0) & (t.bond_keys[pos] == pair)
    order[in_template] = t.bond_order[pos[in_template]]
    found = _per_atom(n_res, residue[i[in_template]])
    has_oxt = np.zeros(n_res, dtype=bool)
    has_oxt[residue[known & t.oxt[np.maximum(gid, 0)]]] = True
    expected = t.bond_count[np.maximum(tres, 0)] - (~has_oxt).astype(np.int64)
    shaped &= found == expected
    shaped[residue[i[same & ~in_template]]] = False
    across = ~same
    gi_a, gj_a = np.maximum(gi[across], 0), np.maximum(gj[across], 0)
    link_ok = (gi[across] >= 0) & (gj[across] >= 0)
    link_ok &= (
        (t.backbone_c[gi_a] & t.backbone_n[gj_a])
        | (t.backbone_n[gi_a] & t.backbone_c[gj_a])
        | (t.sulfur_link[gi_a] & t.sulfur_link[gj_a])
    )
    ends = np.concatenate([i[across], j[across]])
    links = _per_atom(graph.n, ends)
    bad_ends = np.concatenate([i[across][~link_ok], j[across][~link_ok], np.flatnonzero(links > 1)])
    shaped[residue[bad_ends]] = False
    return shaped, order


def _with_partners(residue: np.ndarray, graph: _Graph, ok: np.ndarray) -> np.ndarray:
    """Residues of ``ok`` whose bonded residues are all in ``ok`` too."""
    ri, rj = residue[graph.i], residue[graph.j]
    out = ok.copy()
    out[ri[~ok[rj]]] = False
    out[rj[~ok[ri]]] = False
    return out


def _template_types(table: PdbTable, graph: _Graph, gid: np.ndarray, order: np.ndarray, ok: np.ndarray):
    """Types of the atoms of template residues ``ok`` (``(N,)`` mask); returns ``(types, valid)``."""
    n, z, residue = graph.n, table.element, table.residue
    i, j = graph.i, graph.j
    heavy_valence = _per_atom(n, i, order) + _per_atom(n, j, order)
    has_double = _per_atom(n, np.concatenate([i, j]), np.tile(order == 2, 2).astype(np.float64)) > 0
    hetero_neighbour = (_per_atom(n, i, (z[j] != 6) * 1.0) + _per_atom(n, j, (z[i] != 6) * 1.0)) > 0
    neighbour_double = (_per_atom(n, i, has_double[j] * 1.0) + _per_atom(n, j, has_double[i] * 1.0)) > 0
    eh = graph.explicit_h
    explicit = heavy_valence + eh
    charge = table.charge.copy()
    charge[(z == 7) & (charge == 0) & (explicit == 4)] = 1  # RDKit's reader makes 4-valent N an N+
    base = np.select(
        [
            (z == 6) & (charge == 0),
            (z == 7) & (charge >= 0),
            (z == 8) & (charge <= 0),
            (z == 16) & (charge <= 0),
        ],
        [4, 3 + charge, 2 + charge, np.where(charge < 0, 1, 2)],
        -1,
    )
    sulfur_valence = np.where(explicit <= 2, 2, np.where(explicit <= 4, 4, 6))
    allowed = np.where((z == 16) & (charge == 0), sulfur_valence, base)
    implicit = allowed - explicit
    valid = (allowed >= 0) & (implicit >= 0)
    total_h = eh + np.maximum(implicit, 0)
    aromatic = np.zeros(n, dtype=bool)
    aromatic[gid >= 0] = TEMPLATES.aromatic[gid[gid >= 0]]
    valid &= ~(aromatic & (charge != 0))  # a charged ring atom may break aromaticity: left to RDKit
    types = np.full(n, -1, dtype=np.int64)
    types[z == 6] = (2 + 2 * aromatic + hetero_neighbour)[z == 6]
    sp2 = aromatic | has_double | ((charge == 0) & neighbour_double)
    x = graph.heavy_degree + total_h
    acceptor = ~(((x == 4) & ~sp2) | ((x == 3) & sp2))
    donor = total_h > 0
    nitrogen = np.select(
        [acceptor & donor, acceptor, donor],
        [_I["NitrogenXSDonorAcceptor"], _I["NitrogenXSAcceptor"], _I["NitrogenXSDonor"]],
        _I["Nitrogen"],
    )
    types[z == 7] = nitrogen[z == 7]
    oxygen = np.where(donor, _I["OxygenXSDonorAcceptor"], _I["OxygenXSAcceptor"])
    types[z == 8] = oxygen[z == 8]
    types[z == 16] = np.where(charge < 0, _I["SulfurAcceptor"], _I["Sulfur"])[z == 16]
    # OpenBabel's outcome on residues read without hydrogens (see _perception.RESIDUE_CORRECTIONS)
    resname = table.resname
    ring_h = np.zeros(int(residue.max()) + 1, dtype=bool)
    ring_h[residue[aromatic & (eh > 0)]] = True
    trp = np.isin(resname, [r.encode() for r in NON_AROMATIC_WITHOUT_H])
    his = np.isin(resname, [r.encode() for r in NON_AROMATIC_ALWAYS])
    dearomatise = (z == 6) & aromatic & (his | (trp & ~ring_h[residue]))
    types[dearomatise] -= 2
    bare = (eh == 0) & ok
    for res, name, t in _CORRECTED:
        types[bare & (resname == res) & (table.name == name)] = t
    for res, name, t in _BARE_NITROGEN:
        types[bare & (resname == res) & (table.name == name) & ~ring_h[residue]] = t
    for res, name, q, t in _CHARGED:
        types[bare & (resname == res) & (table.name == name) & (table.charge == q)] = t
    _carboxylates(table, graph, types, bare & (z == 8) & (graph.heavy_degree == 1))
    types[z == 1] = HYDROGEN
    types[graph.h_atom] = np.where(np.isin(z[graph.h_partner], (7, 8, 15, 16)), POLAR_HYDROGEN, HYDROGEN)
    return types, valid


def _carboxylates(table: PdbTable, graph: _Graph, types: np.ndarray, lone_o: np.ndarray) -> None:
    """OpenBabel's z-order choice on carboxylates read without hydrogens, with the file's charges (see
    ``_carboxylate_oxygen``)."""
    i, j = graph.i, graph.j
    carbon = np.full(graph.n, -1, dtype=np.int64)
    o_first = lone_o[i] & (table.element[j] == 6)
    o_second = lone_o[j] & (table.element[i] == 6)
    carbon[i[o_first]] = j[o_first]
    carbon[j[o_second]] = i[o_second]
    oxygens = np.flatnonzero(carbon >= 0)
    if not oxygens.size:
        return
    per_carbon = np.bincount(carbon[oxygens], minlength=graph.n)
    pairs = oxygens[per_carbon[carbon[oxygens]] == 2]
    pairs = pairs[np.argsort(carbon[pairs], kind="stable")].reshape(-1, 2)
    za, zb = table.coords[pairs[:, 0], 2], table.coords[pairs[:, 1], 2]
    qa, qb = table.charge[pairs[:, 0]], table.charge[pairs[:, 1]]
    types[pairs[:, 0]] = np.where((za > zb) & (qa == 0), _I["OxygenXSDonorAcceptor"], _I["OxygenXSAcceptor"])
    types[pairs[:, 1]] = np.where((zb > za) & (qb == 0), _I["OxygenXSDonorAcceptor"], _I["OxygenXSAcceptor"])


def _lone_atoms(table: PdbTable, graph: _Graph, types: np.ndarray) -> np.ndarray:
    """Type waters and single-atom ions (one heavy atom, no heavy bonds) in ``types``; their residues."""
    z, residue = table.element, table.residue
    heavy = z != 1
    n_res = int(residue.max()) + 1
    single = (_per_atom(n_res, residue[heavy]) == 1)[residue] & heavy & (graph.heavy_degree == 0)
    water = single & (z == 8) & (table.charge == 0) & (graph.explicit_h <= 2)
    ion = single & ~np.isin(z, (6, 7, 8, 16, 34))
    types[water] = _I["OxygenXSDonorAcceptor"]
    types[ion] = [ELEMENT_TYPE.get(int(e), GENERIC_METAL) for e in z[ion]]
    lone = np.zeros(n_res, dtype=bool)
    lone[residue[water | ion]] = True
    return lone


def pdb_gnina_types(table: PdbTable) -> np.ndarray:
    """``(N,)`` int64 GNINA type of every atom of ``table``, equal to typing the RDKit molecule."""
    graph = _Graph(table)
    residue = table.residue
    keys = np.char.add(table.resname, table.name)
    gid = TEMPLATES.lookup(keys)
    usable = (gid >= 0) & ~table.hetero & (table.element != 1)
    usable &= TEMPLATES.element[np.maximum(gid, 0)] == table.element
    gid = np.where(usable, gid, -1)
    shaped, order = _shaped_residues(table, graph, gid)
    ok_atoms = shaped[residue]
    types, valid = _template_types(table, graph, gid, order, ok_atoms)
    invalid_res = np.zeros(shaped.size, dtype=bool)
    invalid_res[residue[~valid & (table.element != 1)]] = True
    # RDKit's view of a residue depends on its neighbours' bond orders and valences (conjugation)
    templated = _with_partners(residue, graph, shaped & ~invalid_res)
    lone = ~templated[residue] & (table.element != 1)
    types[lone] = -1
    lone_res = _lone_atoms(table, graph, types)
    done = templated | lone_res
    out = types
    if not done.all():
        rest = ~done
        context = rest.copy()
        ri, rj = residue[graph.i], residue[graph.j]
        context[ri[rest[rj]]] = True
        context[rj[rest[ri]]] = True
        rows = np.flatnonzero(context[residue])
        block_types = gnina_type_indices(table.rdkit_molecule(rows))
        wanted = rest[residue[rows]]
        out[rows[wanted]] = block_types[wanted]
    _ring_backbone_nitrogens(table, graph, out)
    return out


def _ring_backbone_nitrogens(table: PdbTable, graph: _Graph, types: np.ndarray) -> None:
    """Apply :data:`._perception.RING_BACKBONE_NITROGEN` with rings of the whole receptor: a ring through
    a disulfide bond spans residues that a template residue or a block typed by RDKit do not see whole."""
    candidates = (
        (table.name == _BACKBONE_N)
        & (table.resname != b"PRO")
        & ~table.hetero
        & (graph.explicit_h == 0)
        & (graph.heavy_degree == 2)
    )
    if candidates.any():
        rings = rings_with_metal_contacts(table.coords, table.element, graph.i, graph.j)
        types[candidates & rings] = RING_BACKBONE_NITROGEN
