"""An optimistic JSON Lines reading gives the checked reading's rows, or says to read
again: never other rows, never fewer.

The optimistic reading takes its types from the first lines and parses the rest with
them, as the checked reading parses; polars then refuses a value of another type,
and the compiled key check (``_jsonkeys``, tested on its own in ``test_jsonkeys``)
finds a key the first lines lacked, which polars would leave out.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import pipewarden as pw
from pipewarden.errors import ReadAgainError, SourceError
from pipewarden.io import _jsonl, iter_frames

KEYS = ["a", "b", "c", "d", "é k"]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.integers(2**63, 2**64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
)
VALUES = st.one_of(
    SCALARS,
    st.lists(st.one_of(st.none(), st.integers(-9, 9), st.floats(-1, 1)), max_size=3),
    st.dictionaries(st.sampled_from(["x", "y"]), SCALARS, max_size=2),
)


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.permutations(KEYS))[: draw(st.integers(0, len(KEYS)))]
    return {key: draw(VALUES) for key in keys}


def write(path: Path, lines: list[dict[str, Any]], *, style: dict[str, Any]) -> None:
    end = "\r\n" if style["crlf"] else "\n"
    text = end.join(
        json.dumps(line, ensure_ascii=style["ascii"], separators=style["separators"])
        for line in lines
    )
    path.write_bytes((text + (end if style["final_newline"] else "")).encode())


STYLES = st.fixed_dictionaries(
    {
        "crlf": st.booleans(),
        "ascii": st.booleans(),
        "separators": st.sampled_from([(",", ":"), (", ", ": ")]),
        "final_newline": st.booleans(),
    }
)


def read(path: Path, *, optimistic: bool) -> pl.DataFrame:
    """The file read in pieces of 4 lines: many piece boundaries."""
    frames = list(_jsonl.jsonl_frames(path, path.name, 4, optimistic=optimistic))
    return pl.concat(frames, how="vertical")


def checked(path: Path) -> pl.DataFrame | None:
    try:
        return read(path, optimistic=False)
    except SourceError:
        return None


@pytest.fixture(autouse=True)
def first_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Types from the first 3 lines."""
    monkeypatch.setattr(_jsonl, "INFER_LINES", 3)


@settings(max_examples=400, deadline=None)
@given(lines=st.lists(records(), min_size=1, max_size=12), style=STYLES)
def test_an_optimistic_read_is_the_checked_read_or_reads_again(
    lines: list[dict[str, Any]], style: dict[str, Any]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rows.jsonl"
        write(path, lines, style=style)
        want = checked(path)
        try:
            got = read(path, optimistic=True)
        except ReadAgainError:
            return
        except SourceError:  # the head itself does not read: the checked error
            assert want is None
            return
        assert want is not None, "optimistic accepted a file polars refuses"
        assert_frame_equal(got, want)


TYPED = {
    "i": st.integers(-(2**63), 2**63 - 1),
    "f": st.floats(allow_nan=False, allow_infinity=False),
    "s": st.text(),
    "b": st.booleans(),
    "l": st.lists(st.integers(-5, 5), min_size=1, max_size=3),
}


@st.composite
def typed_records(draw: st.DrawFn, *, full: bool) -> dict[str, Any]:
    """Records whose keys keep one type each (null or missing, when not ``full``),
    in an order of their own when not ``full``."""
    record = {}
    keys = list(TYPED) if full else draw(st.permutations(list(TYPED)))
    for key in keys:
        values = TYPED[key]
        kind = "value" if full else draw(st.sampled_from(["value", "null", "missing"]))
        if kind != "missing":
            record[key] = draw(values) if kind == "value" else None
    return record


@settings(max_examples=200, deadline=None)
@given(
    head=st.lists(typed_records(full=True), min_size=3, max_size=3),
    rest=st.lists(typed_records(full=False), max_size=30),
    style=STYLES,
)
def test_lines_that_keep_the_first_lines_types_read_optimistically(
    head: list[dict[str, Any]], rest: list[dict[str, Any]], style: dict[str, Any]
) -> None:
    """The reading does not go back for a file whose lines keep their types: the
    optimistic path is really taken, and gives the checked rows."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "typed.jsonl"
        write(path, head + rest, style=style)
        want = read(path, optimistic=False)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_jsonl, "_checked_frames", None)  # never this way
            assert_frame_equal(read(path, optimistic=True), want)


def test_records_inside_records_are_read_the_checked_way(tmp_path: Path) -> None:
    """polars orders a nested record's fields by the lines' shapes in a way a
    reading from the first lines cannot know (here: x, y three times, then y, x in a
    line without "a", gives y, x), so a file with nested records is read the
    checked way at once."""
    path = tmp_path / "nested.jsonl"
    head = '{"a": 1, "n": {"x": 1, "y": "a"}}\n'
    path.write_text(head * 3 + '{"n": {"y": "b", "x": 2}}\n')
    got = read(path, optimistic=True)
    assert got.schema["n"] == pl.Struct({"y": pl.String, "x": pl.Int64})
    assert_frame_equal(got, read(path, optimistic=False))


@pytest.mark.parametrize(
    ("empty", "later"),
    [("[]", "[1]"), ("[null]", "[1]"), ("[[]]", "[[1]]"), ("[[null]]", "[[1]]")],
)
def test_lists_of_nulls_in_the_first_lines_are_read_the_checked_way(
    tmp_path: Path, empty: str, later: str
) -> None:
    """Given lists of nulls as the type, polars reads later numbers in them as nulls,
    silently; such a file is read the checked way at once."""
    path = tmp_path / "lists.jsonl"
    path.write_text(f'{{"a": {empty}}}\n' * 3 + f'{{"a": {later}}}\n')
    got = read(path, optimistic=True)
    assert_frame_equal(got, read(path, optimistic=False))
    assert 1 in got.get_column("a").explode().explode().to_list()


JSON_VALUES = [
    "null", "true", "1", "-0.0", "1.5", "1e3", "99999999999999999999", '"x"', '""',
    "[]", "[null]", "[1]", "[1.5]", '["x"]', "[[1]]", "[[null]]", '{"b":1}',
    '[{"b":1}]', '[1,"x"]', "{}",
]  # fmt: skip


@pytest.mark.parametrize("head", JSON_VALUES)
def test_every_later_value_reads_again_or_as_the_checked_reading(
    tmp_path: Path, head: str
) -> None:
    """Three lines of one value, then one of another, for every pair of JSON values
    of every kind polars infers: the optimistic reading reads again, refuses what
    the checked one refuses, or gives its rows."""
    path = tmp_path / "pair.jsonl"
    for later in JSON_VALUES:
        path.write_text(f'{{"a":{head}}}\n' * 3 + f'{{"a":{later}}}\n')
        want = checked(path)
        try:
            got = read(path, optimistic=True)
        except ReadAgainError:
            continue
        except SourceError:
            assert want is None, later
            continue
        assert want is not None, later
        assert_frame_equal(got, want)


BASE = [{"id": i, "x": i * 0.5, "tag": f"t{i % 3}", "v": [i]} for i in range(60)]


def lines_of(records: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(record) for record in records]


def fault(name: str) -> bytes:
    """BASE as JSON Lines with one fault on line 50, far past the first lines."""
    records = [dict(record) for record in BASE]
    lines = lines_of(records)
    if name == "late key":
        records[50]["late"] = 1
    elif name == "list of numbers then of records":
        records[50]["v"] = [{"late": 1}]
    elif name == "list of numbers then of text":
        records[50]["v"] = ["word"]
    elif name == "integer then fraction":
        records[50]["id"] = 2.5
    elif name == "text then number":
        records[50]["tag"] = 7
    if name.startswith(("late", "list", "integer", "text")):
        lines = lines_of(records)
    if name == "known key written with an escape":  # as JSON allows: it is "id"
        lines[50] = lines[50].replace('"id"', '"\\u0069d"')
    elif name == "NaN":
        lines[50] = lines[50].replace('"x": 25.0', '"x": NaN')
    elif name == "two records on a line":
        lines[50] += " " + lines[51]
    elif name == "record over two lines":
        lines[50] = lines[50].replace(', "tag"', ',\n"tag"')
    elif name == "blank line":
        lines[50] = "  "
    elif name == "not UTF-8":
        lines[50] = lines[50].replace("t2", "t\udcff")
    elif name == "a line ending inside a text value":
        lines[50] = lines[50].replace('"t2"', '"t2}\n"')
    elif name == "line longer than a piece":
        lines[50] = lines[50].replace("t2", "t" * 3000)
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")


READ_AGAIN = [
    "late key",
    "list of numbers then of records",
    "known key written with an escape",
    "list of numbers then of text",
    "integer then fraction",
    "NaN",
    "two records on a line",
    "record over two lines",
    "not UTF-8",
    "a line ending inside a text value",
]
"""Faults that must send the reading back: a key the first lines lacked, or what
polars refuses with the first lines' types."""
SAME_ROWS = ["text then number", "blank line", "line longer than a piece"]
"""Faults polars reads with the first lines' types as it reads with the file's."""


@pytest.mark.parametrize("name", READ_AGAIN)
def test_a_late_line_that_does_not_fit_makes_it_read_again(
    tmp_path: Path, name: str
) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_bytes(fault(name))
    with pytest.raises(ReadAgainError):
        read(path, optimistic=True)
    want = checked(path)
    if want is None:  # polars refuses the file: so does the profile, with its reason
        with pytest.raises(SourceError, match="Cannot read JSON Lines"):
            pw.profile(path)
        return
    seen: list[int] = []
    got = pw.profile(path, chunk_rows=16, progress=seen.append)
    assert got.to_dict() == pw.profile(want, chunk_rows=16).to_dict()
    assert got.rows == want.height == sum(seen)  # the first reading taken back


@pytest.mark.parametrize("name", SAME_ROWS)
def test_a_late_line_polars_reads_alike_either_way_reads_optimistically(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_bytes(fault(name))
    want = read(path, optimistic=False)
    monkeypatch.setattr(_jsonl, "_checked_frames", None)  # never this way
    assert_frame_equal(read(path, optimistic=True), want)


def test_refusals_match_polars(tmp_path: Path) -> None:
    """Which faults polars refuses outright: these must never be read as rows."""
    refused = set()
    for name in READ_AGAIN + SAME_ROWS:
        path = tmp_path / f"{len(refused)}.jsonl"
        path.write_bytes(fault(name))
        if checked(path) is None:
            refused.add(name)
    assert refused == {
        "list of numbers then of records",
        "a line ending inside a text value",
        "NaN",
        "two records on a line",
        "record over two lines",
        "not UTF-8",
    }


def test_without_the_compiled_key_check_the_reading_is_the_checked_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_bytes(fault("late key"))
    monkeypatch.setattr(_jsonl, "_keys", None)
    assert "late" in read(path, optimistic=True).columns  # no ReadAgainError


def test_a_gzip_file_reads_optimistically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "rows.jsonl.gz"
    path.write_bytes(gzip.compress(fault("none")))
    monkeypatch.setattr(_jsonl, "_checked_frames", None)  # never this way
    assert_frame_equal(read(path, optimistic=True), pl.DataFrame(BASE))


def test_iter_frames_passes_optimistic_to_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_bytes(fault("late key"))
    with pytest.raises(ReadAgainError):
        list(iter_frames(path, chunk_rows=16, optimistic=True))
    assert "late" in pl.concat(list(iter_frames(path, chunk_rows=16))).columns
