"""Truncated and corrupted input: readers raise InvalidFileError and nothing else."""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voxbind.atomtypes import MolCache2, read_gninatypes
from voxbind.atomtypes.gninatypes import encode_gninatypes
from voxbind.io import InvalidFileError, read_molecules

from .test_structures import PDBQT_TWO_MODELS, SDF_TWO_POSES

PDB = """\
ATOM      1  N   GLY A   1      -0.966   0.493   1.500  1.00  0.00           N
ATOM      2  CA  GLY A   1       0.257   0.418   0.692  1.00  0.00           C
ATOM      3  C   GLY A   1      -0.094   0.017  -0.716  1.00  0.00           C
ATOM      4  O   GLY A   1      -1.056  -0.682  -0.923  1.00  0.00           O
ATOM      5  N   ALA A   2       0.650   0.460  -1.700  1.00  0.00           N
ATOM      6  CA  ALA A   2       0.400   0.100  -3.100  1.00  0.00           C
HETATM    7 ZN    ZN A 101       3.000   3.000   3.000  1.00  0.00          ZN
END
"""
MOL2 = """\
@<TRIPOS>MOLECULE
ethanol
 3 2 0 0 0
SMALL
NO_CHARGES

@<TRIPOS>ATOM
      1 C1          0.0000    0.0000    0.0000 C.3     1  LIG1        0.0000
      2 C2          1.5000    0.0000    0.0000 C.3     1  LIG1        0.0000
      3 O1          2.2000    1.2000    0.0000 O.3     1  LIG1        0.0000
@<TRIPOS>BOND
     1     1     2    1
     2     2     3    1
"""
TEXTS = {"pdb": PDB, "sdf": SDF_TWO_POSES, "mol2": MOL2, "pdbqt": PDBQT_TWO_MODELS}
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _corrupt(data: bytes, cut: int, edits: list[tuple[int, int]]) -> bytes:
    out = bytearray(data[: cut % (len(data) + 1)])
    for position, value in edits:
        if out:
            out[position % len(out)] = value
    return bytes(out)


def _only_our_error(call) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.suppress(InvalidFileError):
            call()


def test_clean_texts_read():
    for fmt, text in TEXTS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert read_molecules(io.StringIO(text), fmt)


@FUZZ
@given(
    fmt=st.sampled_from(sorted(TEXTS)),
    cut=st.integers(0, 5000),
    edits=st.lists(st.tuples(st.integers(0, 5000), st.sampled_from(b"\x00 \n-.9xE$@>MNaA")), max_size=6),
)
def test_structure_readers_raise_only_invalid_file_error(fmt, cut, edits):
    data = _corrupt(TEXTS[fmt].encode(), cut, edits)
    _only_our_error(lambda: read_molecules(io.BytesIO(data), fmt))


RECORDS = encode_gninatypes(np.arange(30, dtype=np.float32).reshape(10, 3), np.arange(10))


@FUZZ
@given(
    cut=st.integers(0, 200), edits=st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=6)
)
def test_gninatypes_reader_raises_only_invalid_file_error(cut, edits):
    data = _corrupt(RECORDS, cut, edits)
    _only_our_error(lambda: read_gninatypes(io.BytesIO(data)))


@FUZZ
@given(
    cut=st.integers(0, 400), edits=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)), max_size=6)
)
def test_molcache2_reader_raises_only_invalid_file_error(tmp_path_factory, cut, edits):
    from voxbind.atomtypes import GNINA_TYPE_NAMES, GNINA_XS_RADII, TypedAtoms, write_molcache2

    folder = tmp_path_factory.mktemp("cache")
    types = np.arange(5) % 28
    atoms = TypedAtoms(np.ones((5, 3), np.float32), types, GNINA_XS_RADII[types], GNINA_TYPE_NAMES)
    write_molcache2(folder / "good.molcache2", [("a", atoms), ("b/c", atoms)])
    data = _corrupt((folder / "good.molcache2").read_bytes(), cut, edits)
    (folder / "bad.molcache2").write_bytes(data)

    def read_all():
        cache = MolCache2(folder / "bad.molcache2")
        for name in cache:
            cache[name]

    _only_our_error(read_all)
