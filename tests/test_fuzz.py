"""Every reader on damaged and arbitrary input: a result or a VoxbindError subclass — never another
exception, a crash, or a large allocation or long run.

Inputs are small (at most a few kB), so what a reader allocates or spends is bounded by what it makes of
them; the test checks the time of each call and the growth of the process's peak memory over all of
them. The deliberately amplifying inputs (gzip bombs, headers announcing a billion atoms) have their own
tests in ``tests/io/test_structures.py``.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import resource
import time
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voxbind.atomtypes import ChannelMap, GninaTyper, MolCache2, read_gninatypes, read_typed_molecules
from voxbind.atomtypes.gninatypes import encode_gninatypes
from voxbind.data import read_types
from voxbind.errors import VoxbindError
from voxbind.io import read_dx, read_molecules, write_dx
from voxbind.train import load_checkpoint

from .io.test_structures import PDBQT_TWO_MODELS, SDF_TWO_POSES

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
CIF = """\
data_x
loop_
_atom_site.group_PDB
_atom_site.id
_atom_site.type_symbol
_atom_site.label_atom_id
_atom_site.label_comp_id
_atom_site.auth_seq_id
_atom_site.Cartn_x
_atom_site.Cartn_y
_atom_site.Cartn_z
ATOM 1 N N GLY 1 0.000 0.000 0.000
ATOM 2 C CA GLY 1 1.450 0.000 0.000
ATOM 3 C C GLY 1 2.000 1.420 0.000
ATOM 4 O O GLY 1 1.300 2.420 0.000
#
"""
XYZ = "3\nwater\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n"
TEXTS = {"pdb": PDB, "sdf": SDF_TWO_POSES, "mol2": MOL2, "pdbqt": PDBQT_TWO_MODELS, "cif": CIF, "xyz": XYZ}
TYPES = b"1 6.05 0.16 rec.pdb lig.sdf\n0 -6.05 4.28 rec.pdb lig2.sdf\n0 0 1.0 none lig3.sdf\n"
MAP = b"AliphaticCarbonXSHydrophobe\nNitrogen NitrogenXSAcceptor\nOxygen\n"
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOWEST = 10.0  # seconds any one call may take on a few kB of input
BYTES = b"\x00\x1f\x8b \n\r\t-+.09eExX$@<>#_MNCOHaAT"


def _damaged(data: bytes, cut: int, edits: list[tuple[int, int]]) -> bytes:
    out = bytearray(data[: cut % (len(data) + 1)])
    for position, value in edits:
        if out:
            out[position % len(out)] = value
    return bytes(out)


def _inputs(valid: bytes):
    """Damaged copies of ``valid`` (cut, bytes replaced, gzipped), or arbitrary bytes."""
    damaged = st.builds(
        _damaged,
        st.just(valid),
        st.integers(0, 2 * len(valid)),
        st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(BYTES) | st.integers(0, 255)), max_size=8),
    )
    return st.one_of(
        damaged, damaged.map(gzip.compress), st.binary(max_size=600), st.text(max_size=300).map(str.encode)
    )


@pytest.fixture(scope="module", autouse=True)
def bounded_memory():
    """The peak memory of the process may not grow by more than 512 MB over all the fuzzed calls."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    yield
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown < 512 * 1024, f"peak memory grew by {grown / 1024:.0f} MB while fuzzing the readers"


def _result_or_our_error(call) -> None:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.suppress(VoxbindError):
            call()
    assert time.perf_counter() - start < SLOWEST


def test_the_valid_inputs_read():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fmt, text in TEXTS.items():
            assert read_molecules(io.StringIO(text), fmt)


@FUZZ
@given(fmt=st.sampled_from(sorted(TEXTS)), data=st.data(), skip=st.booleans())
def test_structure_readers(fmt, data, skip):
    content = data.draw(_inputs(TEXTS[fmt].encode()))
    errors = "skip" if skip else "raise"
    _result_or_our_error(lambda: read_molecules(io.BytesIO(content), fmt, errors=errors))


@FUZZ
@given(content=_inputs(PDB.encode()))
def test_reading_and_typing_a_pdb_receptor(content):
    """The residue-template path of ``read_typed_molecules`` as well as the RDKit one."""
    _result_or_our_error(lambda: read_typed_molecules(io.BytesIO(content), GninaTyper(), format="pdb"))


RECORDS = encode_gninatypes(np.arange(30, dtype=np.float32).reshape(10, 3), np.arange(10))


@FUZZ
@given(content=_inputs(RECORDS))
def test_gninatypes_reader(content):
    _result_or_our_error(lambda: read_gninatypes(io.BytesIO(content)))


@FUZZ
@given(data=st.data())
def test_molcache2_reader(tmp_path_factory, data):
    from voxbind.atomtypes import GNINA_TYPE_NAMES, GNINA_XS_RADII, TypedAtoms, write_molcache2

    folder = tmp_path_factory.mktemp("cache")
    types = np.arange(5) % 28
    atoms = TypedAtoms(np.ones((5, 3), np.float32), types, GNINA_XS_RADII[types], GNINA_TYPE_NAMES)
    write_molcache2(folder / "good.molcache2", [("a", atoms), ("b/c", atoms)])
    (folder / "bad.molcache2").write_bytes(data.draw(_inputs((folder / "good.molcache2").read_bytes())))

    def read_all():
        cache = MolCache2(folder / "bad.molcache2")
        for name in cache:
            cache[name]

    _result_or_our_error(read_all)


@FUZZ
@given(data=st.data())
def test_dx_reader(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("dx")
    write_dx(folder / "good.dx", np.arange(8.0).reshape(2, 2, 2), (0, 0, 0), 0.5)
    (folder / "bad.dx").write_bytes(data.draw(_inputs((folder / "good.dx").read_bytes())))
    _result_or_our_error(lambda: read_dx(folder / "bad.dx"))


@FUZZ
@given(content=_inputs(TYPES), group=st.booleans(), labels=st.sampled_from([None, 0, 2, 3]))
def test_types_reader(tmp_path_factory, content, group, labels):
    path = tmp_path_factory.mktemp("types") / "x.types"
    path.write_bytes(content)
    _result_or_our_error(lambda: read_types(path, num_labels=labels, group=group))


@FUZZ
@given(content=_inputs(MAP))
def test_map_file_reader(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("map") / "x.map"
    path.write_bytes(content)
    _result_or_our_error(lambda: ChannelMap.from_file(path))


@FUZZ
@given(data=st.data())
def test_checkpoint_reader(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("checkpoint")
    buffer = io.BytesIO()
    torch.save({"model": {"w": torch.ones(3)}, "config": {"model": "default2018"}}, buffer)
    (folder / "x.pt").write_bytes(data.draw(_inputs(buffer.getvalue())))
    _result_or_our_error(lambda: load_checkpoint(folder / "x.pt"))
