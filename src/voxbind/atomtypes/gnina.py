"""GNINA's 28 atom types: names, elements and radii, in GNINA's index order."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class GninaType(NamedTuple):
    """One GNINA atom type.

    Attributes:
        name: GNINA's name (``"NitrogenXSDonorAcceptor"``).
        element: atomic number (0 for GenericMetal).
        xs_radius: X-Score radius in Å (GNINA's default gridding radius; assumes heavy atoms only).
        covalent_radius: covalent radius in Å.
        hydrophobe, donor, acceptor: X-Score flags.
    """

    name: str
    element: int
    xs_radius: float
    covalent_radius: float
    hydrophobe: bool
    donor: bool
    acceptor: bool


_T = GninaType
GNINA_TYPES: tuple[GninaType, ...] = (
    _T("Hydrogen", 1, 0.37, 0.37, False, False, False),
    _T("PolarHydrogen", 1, 0.37, 0.37, False, False, False),
    _T("AliphaticCarbonXSHydrophobe", 6, 1.9, 0.77, True, False, False),
    _T("AliphaticCarbonXSNonHydrophobe", 6, 1.9, 0.77, False, False, False),
    _T("AromaticCarbonXSHydrophobe", 6, 1.9, 0.77, True, False, False),
    _T("AromaticCarbonXSNonHydrophobe", 6, 1.9, 0.77, False, False, False),
    _T("Nitrogen", 7, 1.8, 0.75, False, False, False),
    _T("NitrogenXSDonor", 7, 1.8, 0.75, False, True, False),
    _T("NitrogenXSDonorAcceptor", 7, 1.8, 0.75, False, True, True),
    _T("NitrogenXSAcceptor", 7, 1.8, 0.75, False, False, True),
    _T("Oxygen", 8, 1.7, 0.73, False, False, False),
    _T("OxygenXSDonor", 8, 1.7, 0.73, False, True, False),
    _T("OxygenXSDonorAcceptor", 8, 1.7, 0.73, False, True, True),
    _T("OxygenXSAcceptor", 8, 1.7, 0.73, False, False, True),
    _T("Sulfur", 16, 2.0, 1.02, False, False, False),
    _T("SulfurAcceptor", 16, 2.0, 1.02, False, False, False),
    _T("Phosphorus", 15, 2.1, 1.06, False, False, False),
    _T("Fluorine", 9, 1.5, 0.71, True, False, False),
    _T("Chlorine", 17, 1.8, 0.99, True, False, False),
    _T("Bromine", 35, 2.0, 1.14, True, False, False),
    _T("Iodine", 53, 2.2, 1.33, True, False, False),
    _T("Magnesium", 12, 1.2, 1.30, False, True, False),
    _T("Manganese", 25, 1.2, 1.39, False, True, False),
    _T("Zinc", 30, 1.2, 1.31, False, True, False),
    _T("Calcium", 20, 1.2, 1.74, False, True, False),
    _T("Iron", 26, 1.2, 1.25, False, True, False),
    _T("GenericMetal", 0, 1.2, 1.75, False, True, False),
    _T("Boron", 5, 1.92, 0.90, True, False, False),
)
del _T

GNINA_TYPE_NAMES: tuple[str, ...] = tuple(t.name for t in GNINA_TYPES)
GNINA_INDEX: dict[str, int] = {name: i for i, name in enumerate(GNINA_TYPE_NAMES)}
#: ``(28,)`` float32 X-Score radii (Å) and covalent radii (Å), by type index.
GNINA_XS_RADII = np.array([t.xs_radius for t in GNINA_TYPES], dtype=np.float32)
GNINA_COVALENT_RADII = np.array([t.covalent_radius for t in GNINA_TYPES], dtype=np.float32)
#: Type index of each element that GNINA types by element alone.
ELEMENT_TYPE = {15: 16, 9: 17, 17: 18, 35: 19, 53: 20, 12: 21, 25: 22, 30: 23, 20: 24, 26: 25, 5: 27}
HYDROGEN, POLAR_HYDROGEN, GENERIC_METAL = 0, 1, 26
