"""``.types`` parsing: labels, groups, comments, ``none``, variable molecule counts, errors."""

from __future__ import annotations

import numpy as np
import pytest

from voxbind.data import read_types
from voxbind.errors import InvalidFileError

from ..conftest import shared_data


def _write(tmp_path, text, name="x.types"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_labels_comments_blank_lines_and_none(tmp_path):
    path = _write(
        tmp_path,
        "# a header comment\n"
        "1 6.05 0.16 rec.pdb lig.sdf   # trailing comment\n"
        "\n"
        "0 -6.05 4.28 rec.pdb lig2.sdf\n"
        "0 0 1.0 none lig3.sdf\n",
    )
    t = read_types(path)
    assert len(t) == 3
    assert t.num_labels == 3
    np.testing.assert_array_equal(t.labels[1], np.float32([0, -6.05, 4.28]))
    assert t.files(0) == ["rec.pdb", "lig.sdf"]
    assert t.files(2) == [None, "lig3.sdf"]
    assert list(t.line_numbers) == [2, 4, 5]
    assert len(t.names) == 4  # rec.pdb stored once
    assert t.receptors().tolist() == [0, 0, -1]
    assert t.resolve("rec.pdb") == tmp_path / "rec.pdb"


def test_explicit_label_count_and_data_root(tmp_path):
    path = _write(tmp_path, "1 2 3 rec.pdb lig.sdf\n")
    t = read_types(path, num_labels=1, data_root="/data")
    assert t.num_labels == 1
    assert t.files(0) == ["2", "3", "rec.pdb", "lig.sdf"]
    assert str(t.resolve("rec.pdb")) == "/data/rec.pdb"


def test_group_column_and_uneven_molecule_counts():
    t = read_types(shared_data() / "gnina-testdata" / "grouped.types", group=True)
    assert t.groups.tolist()[:10] == [0] * 5 + [1] * 5
    assert t.num_labels == 2
    assert t.files(9) == [None, None]  # "1 -1 0 none": no molecule at all
    assert t.molecules.shape == (25, 2)


def test_no_labels():
    t = read_types(shared_data() / "gnina-extra" / "toy" / "test_nolabels.types")
    assert t.labels.shape == (3, 0)
    assert t.files(2) == ["r1.pdb", "l2.sdf"]


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        ("1 2 rec.pdb lig.sdf\n1 2 3 rec.pdb\n", "line 2", "more numeric columns"),
        ("1 2\n", "line 1", "no molecule file"),
        ("1 rec.pdb\nx.pdb lig.sdf\n", "line 2", "non-numeric label"),
        ("# only a comment\n", "", "no examples"),
    ],
)
def test_errors_name_the_line(tmp_path, text, where, reason):
    with pytest.raises(InvalidFileError) as err:
        read_types(_write(tmp_path, text))
    assert err.value.where == where
    assert reason in err.value.reason


def test_non_integer_group(tmp_path):
    with pytest.raises(InvalidFileError, match=r"line 1.*group id"):
        read_types(_write(tmp_path, "1.5 1 rec.pdb lig.sdf\n"), group=True)


def test_missing_file():
    with pytest.raises(InvalidFileError, match="cannot read"):
        read_types("/nonexistent/file.types")


def test_the_vectorised_and_line_by_line_parsers_agree(tmp_path):
    rng = np.random.default_rng(0)
    lines = [
        f"{rng.integers(2)} {rng.normal():.3f} {rng.uniform(0, 9):.2f} r{rng.integers(5)}.pdb "
        f"{'none' if k % 7 == 0 else f'l{k}.sdf'}"
        for k in range(200)
    ]
    fast = read_types(_write(tmp_path, "\n".join(lines) + "\n\n", "fast.types"))
    slow = read_types(
        _write(tmp_path, "# forces the line-by-line parser\n" + "\n".join(lines) + "\n", "slow.types")
    )
    np.testing.assert_array_equal(fast.labels, slow.labels)
    np.testing.assert_array_equal(fast.molecules, slow.molecules)
    assert list(fast.names) == list(slow.names)
    np.testing.assert_array_equal(fast.line_numbers + 1, slow.line_numbers)
    assert fast.files(7) == [slow.files(7)[0], None]
