"""Fixed-width decimal columns: the compiled parser gives ``float()`` of each field, or declines."""

import random

import numpy as np
import pytest

from voxbind.io._fixed import fixed_columns


def test_plain_decimals_equal_float_of_each_field_bit_for_bit():
    rng = random.Random(1)
    fields = [f"{rng.uniform(-9999, 9999):10.4f}" for _ in range(3000)]
    fields += [f"{rng.uniform(-99, 99):.{rng.randint(0, 6)}f}".rjust(10) for _ in range(3000)]
    fields += ["   -0.0000", "+1.5      ", "      7   ", "  .5      ", "  -5.     ", "0000012345"]
    got = fixed_columns("".join(fields), 10)
    want = np.array([float(f) for f in fields])
    assert got is not None
    assert got.tobytes() == want.tobytes()  # signed zeros included


@pytest.mark.parametrize(
    "field",
    [
        "  1.0e+00 ",
        "    1.2.3 ",
        "   1 2    ",
        "    -     ",
        "          ",
        "   nan    ",
        "  1,5     ",
        "1234567890123456",
    ],
)
def test_anything_else_is_declined(field):
    """Exponents, two points, inner spaces, no digits, other characters, more than 15 digits."""
    assert fixed_columns(field, len(field)) is None
    assert fixed_columns("    1.0000".rjust(len(field)) + field, len(field)) is None


def test_a_length_that_is_not_whole_fields_is_declined():
    assert fixed_columns("    1.0000   2.0", 10) is None
