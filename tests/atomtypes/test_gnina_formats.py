"""GNINA's binary formats: gninatypes and molcache2."""

from __future__ import annotations

import numpy as np
import pytest

from voxbind.atomtypes import (
    GNINA_TYPE_NAMES,
    GNINA_XS_RADII,
    MolCache2,
    TypedAtoms,
    read_gninatypes,
    write_gninatypes,
    write_molcache2,
)
from voxbind.errors import InvalidFileError

from ..conftest import shared_data


def test_reads_a_known_gninatypes_file():
    atoms = read_gninatypes(shared_data() / "gnina-testdata/structs/4kqp/4kqp_min_0.gninatypes")
    assert atoms.num_atoms == 16
    np.testing.assert_allclose(atoms.coords[0], [25.1355, 8.2622, 32.1814], atol=1e-4)
    assert atoms.types[0] == 7
    assert atoms.channel_names == GNINA_TYPE_NAMES
    np.testing.assert_array_equal(atoms.radii, GNINA_XS_RADII[atoms.types])


def _random_atoms(rng, n):
    coords = rng.normal(scale=20.0, size=(n, 3)).astype(np.float32)
    types = rng.integers(0, 28, n)
    return TypedAtoms(coords, types, GNINA_XS_RADII[types], GNINA_TYPE_NAMES)


def test_gninatypes_round_trip_is_exact(tmp_path):
    atoms = _random_atoms(np.random.default_rng(0), 57)
    write_gninatypes(tmp_path / "a.gninatypes", atoms)
    assert (tmp_path / "a.gninatypes").stat().st_size == 57 * 16
    back = read_gninatypes(tmp_path / "a.gninatypes")
    np.testing.assert_array_equal(back.coords, atoms.coords)
    np.testing.assert_array_equal(back.types, atoms.types)


def test_molcache2_reads_the_shared_cache_like_the_gninatypes_files():
    root = shared_data() / "gnina-testdata"
    cache = MolCache2(root / "lig.molcache2")
    assert len(cache) == 1000
    assert "4kqp/4kqp_min_0.gninatypes" in cache
    from_cache = cache["4kqp/4kqp_min_0.gninatypes"]
    from_file = read_gninatypes(root / "structs/4kqp/4kqp_min_0.gninatypes")
    np.testing.assert_array_equal(from_cache.coords, from_file.coords)
    np.testing.assert_array_equal(from_cache.types, from_file.types)


def test_molcache2_round_trip_is_exact(tmp_path):
    rng = np.random.default_rng(1)
    items = [(f"mol/{k}.gninatypes", _random_atoms(rng, k + 1)) for k in range(20)]
    write_molcache2(tmp_path / "c.molcache2", items)
    cache = MolCache2(tmp_path / "c.molcache2")
    assert list(cache) == [name for name, _ in items]
    for name, atoms in items:
        np.testing.assert_array_equal(cache[name].coords, atoms.coords)
        np.testing.assert_array_equal(cache[name].types, atoms.types)


def test_bad_binary_input_names_the_record(tmp_path):
    path = tmp_path / "bad.gninatypes"
    path.write_bytes(np.array([1.0, 2.0, 3.0], "<f4").tobytes() + np.array([99], "<i4").tobytes())
    with pytest.raises(InvalidFileError, match=r"record 1.*type 99"):
        read_gninatypes(path)
    path.write_bytes(b"\x00" * 20)
    with pytest.raises(InvalidFileError, match="truncated"):
        read_gninatypes(path)
    (tmp_path / "x.molcache2").write_bytes(b"\x00\x00\x00\x00" + b"\x00" * 8)
    with pytest.raises(InvalidFileError, match="not a molcache2"):
        MolCache2(tmp_path / "x.molcache2")


def test_rewriting_a_cache_another_process_has_mapped_leaves_that_process_reading_the_old_one(tmp_path):
    """Rewriting a mapped .molcache2 in place would end the reader with SIGBUS; written under another
    name and renamed, the reader keeps its (complete) old file. Run in a child process, which a SIGBUS
    would kill."""
    import subprocess
    import sys

    script = f"""
import numpy as np
from voxbind.atomtypes import GNINA_TYPE_NAMES, GNINA_XS_RADII, MolCache2, TypedAtoms, write_molcache2
types = np.arange(100) % 28
atoms = TypedAtoms(np.ones((100, 3), np.float32), types, GNINA_XS_RADII[types], GNINA_TYPE_NAMES)
path = "{tmp_path / "c.molcache2"}"
write_molcache2(path, [(f"m{{k}}", atoms) for k in range(200)])
old = MolCache2(path)
write_molcache2(path, [("small", TypedAtoms(atoms.coords[:1], types[:1], atoms.radii[:1], GNINA_TYPE_NAMES))])
assert all(old[name].num_atoms == 100 for name in old) and len(MolCache2(path)) == 1
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize(
    ("cut", "reason"), [("no index", "incomplete: its writer did not finish"), ("end", "truncated")]
)
def test_an_unfinished_or_truncated_cache_says_so(tmp_path, cut, reason):
    types = np.arange(5) % 28
    atoms = TypedAtoms(np.ones((5, 3), np.float32), types, GNINA_XS_RADII[types], GNINA_TYPE_NAMES)
    path = tmp_path / "c.molcache2"
    write_molcache2(path, [("a", atoms), ("b", atoms)])
    data = path.read_bytes()
    unfinished = data[:4] + bytes(8) + data[12:]  # what a writer leaves before the index offset
    path.write_bytes(unfinished if cut == "no index" else data[:40])
    with pytest.raises(InvalidFileError, match=reason):
        MolCache2(path)
