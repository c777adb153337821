"""Fixed-width decimal columns (a molfile's coordinates), parsed in one compiled pass.

A field is ``[spaces][sign]digits[.digits][spaces]`` with at most 15 significant digits: its value is the
integer of its digits divided by a power of ten, both exact in float64, so IEEE division rounds it
exactly as ``float()`` does. Anything else (exponents, other characters, longer fields) is left to the
caller's own parser.
"""

from __future__ import annotations

import numba as nb
import numpy as np

_POWERS = np.array([10.0**k for k in range(16)])


@nb.njit(cache=True, nogil=True)
def _parse(text, width, out, powers):
    for f in range(out.size):
        k = f * width
        end = k + width
        while k < end and text[k] == 32:  # leading spaces
            k += 1
        negative = False
        if k < end and (text[k] == 45 or text[k] == 43):  # - or +
            negative = text[k] == 45
            k += 1
        mantissa, digits, decimals, point = 0, 0, 0, False
        while k < end and text[k] != 32:
            c = text[k]
            if c == 46 and not point:  # .
                point = True
            elif 48 <= c <= 57:
                mantissa = mantissa * 10 + (c - 48)
                digits += 1
                if point:
                    decimals += 1
            else:
                return False
            k += 1
        while k < end and text[k] == 32:  # trailing spaces
            k += 1
        if k < end or digits == 0 or digits > 15:
            return False
        value = mantissa / powers[decimals]
        out[f] = -value if negative else value
    return True


def fixed_columns(fields: str, width: int) -> np.ndarray | None:
    """The numbers of ``fields``, a string of ``width``-character decimal fields, as float64 (equal to
    ``float`` of each field), or ``None`` when one of them is not a plain decimal this parser takes."""
    if len(fields) % width:
        return None
    try:
        text = np.frombuffer(fields.encode("ascii"), np.uint8)
    except UnicodeEncodeError:
        return None
    out = np.empty(len(fields) // width)
    return out if _parse(text, width, out, _POWERS) else None
