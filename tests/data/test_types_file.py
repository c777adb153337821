"""``.types`` parsing: labels, groups, comments, ``none``, variable molecule counts, errors."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_adjacent_malformed_lines_are_reported_not_shifted(tmp_path):
    """A stray number on one line and a missing column on the next keep the token count of two good
    lines: the vectorised parser must not read the stray number as the next line's label."""
    path = _write(tmp_path, "1 6.0 rec.pdb lig1.sdf 3.5\n1 rec.pdb lig2.sdf\n0 5.0 rec.pdb lig3.sdf\n")
    with pytest.raises(InvalidFileError, match="line 2"):
        read_types(path, num_labels=2)
    with pytest.raises(InvalidFileError):
        read_types(path)


@pytest.mark.parametrize("label", ["nan", "inf", "-inf", "1e39"])
def test_non_finite_labels_are_refused(tmp_path, label):
    path = _write(tmp_path, f"1 6.0 rec.pdb lig.sdf\n1 {label} rec.pdb lig.sdf\n")
    with pytest.raises(InvalidFileError, match="line 2: labels must be finite"):
        read_types(path)


_NUMBERS = ["0", "1", "-2", "6.05", ".5", "1e3", "1_0", "3"] * 8 + ["nan", "inf", "1e39", "2e62", "2.5"]
_NAMES = ["rec.pdb", "lig.sdf", "a/b.gninatypes", "none"] * 8 + ["x#y", "é.sdf", "3.5"]
_SPACES = [" "] * 30 + ["  ", "\t", "\x0b", "\x1f", "\xa0"]
_ENDS = ["\n"] * 30 + ["\r\n", "\r", ""]


@st.composite
def _types_file(draw) -> tuple[bytes, int | None, bool]:
    """``(content, num_labels + group or None, group)``: mostly well-formed files (an optional integer
    group, a fixed number of labels and files per line), with some lines damaged — a token added,
    dropped or replaced, odd whitespace and line ends, blank lines."""
    group = draw(st.booleans())
    labels, files = draw(st.integers(0, 3)), draw(st.integers(1, 3))
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        tokens = [draw(st.sampled_from(["0", "1", "-2", "7"]))] if group else []
        tokens += [draw(st.sampled_from(_NUMBERS)) for _ in range(labels)]
        tokens += [draw(st.sampled_from(_NAMES)) for _ in range(files)]
        damage = draw(st.sampled_from(["none"] * 30 + ["add", "drop", "replace", "blank"]))
        if damage == "add":
            tokens.insert(draw(st.integers(0, len(tokens))), draw(st.sampled_from(_NUMBERS + _NAMES)))
        elif damage == "drop":
            del tokens[draw(st.integers(0, len(tokens) - 1))]
        elif damage == "replace":
            tokens[draw(st.integers(0, len(tokens) - 1))] = draw(st.sampled_from(_NUMBERS + _NAMES))
        elif damage == "blank":
            tokens = []
        line = "".join(draw(st.sampled_from(_SPACES)) + t for t in tokens)
        lines.append(line + draw(st.sampled_from(_ENDS)))
    count = draw(st.sampled_from([None, labels + group, labels + group, draw(st.integers(0, 4))]))
    return "".join(lines).encode(), count, group


@settings(max_examples=1000, deadline=None)
@given(case=_types_file())
def test_the_vectorised_parser_returns_what_the_line_parser_returns(case):
    """Whatever the vectorised parser accepts, the line-by-line parser reads the same."""
    from voxbind.data.types_file import _parse, _parse_uniform

    data, count, group = case
    fast = _parse_uniform(data, count, group)
    if fast is None:
        return
    text = data.decode("utf-8", errors="replace")
    careful = _parse(io.StringIO(text, newline=None), "x.types", count, group)
    labels, groups, molecules, names, lines = fast
    np.testing.assert_array_equal(labels, careful[0])
    assert (groups is None) == (careful[1] is None)
    if groups is not None:
        np.testing.assert_array_equal(groups, careful[1])
    np.testing.assert_array_equal(molecules, careful[2])
    assert list(names) == list(careful[3])
    np.testing.assert_array_equal(lines, careful[4])
