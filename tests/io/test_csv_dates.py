"""CSV dates and timestamps read as text and parsed after (``io._dates``) give
what polars' reader gives when it parses them itself, or fail where it fails.

The check pass reads them that way because it is twice as fast; when it fails, the
reader's parse decides. So a success must never differ from the reader's, and
whatever the values, the rows read equal polars reading the whole file. Pieces of
lines parse them with Arrow where every value has one ISO shape: where Arrow
parses, its values must be polars' (and where it refuses, polars decides).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal, assert_series_equal

from pipewarden.io import _csv, _dates, iter_frames

DATES = [
    "2024-01-05",
    "2024-1-5",
    "2024-02-29",
    "2023-02-29",
    "2024-02-30",
    "1999-12-31",
]
TIMES = ["", "10:00", "10:00:05", "1:02:03", "10:00:05.1", "10:00:05.123456"]
TIMES += ["10:00:05.123456789", "24:00:00", "10:61:00"]
ZONES = ["", "Z", "+01:00", "-0530", "+01"]
ODD = ["", "hello", "20240105", "2024/01/05", "05-01-2024", "2024-01-05T"]


@st.composite
def stamps(draw: st.DrawFn) -> str:
    """A date, a timestamp with or without a zone, or something else."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(ODD))
    date = draw(st.sampled_from(DATES))
    time = draw(st.sampled_from(TIMES))
    if not time:
        return date
    sep = draw(st.sampled_from(["T", " "]))
    return f"{date}{sep}{time}{draw(st.sampled_from(ZONES))}"


TYPES = [pl.Date, pl.Datetime("us"), pl.Datetime("ns"), pl.Datetime("us", "UTC")]


def outcome(path: Path, dtype: pl.DataType, dates_after: bool) -> pl.DataFrame | None:
    """The column parsed one way or the other, or None when the parse fails."""
    schema = pl.Schema({"n": pl.Int64, "at": dtype})
    scan = _csv._typed_scan(path, ",", schema, "utf8", dates_after=dates_after)
    try:
        return scan.collect()
    except pl.exceptions.PolarsError:
        return None


@settings(max_examples=400, deadline=None)
@given(values=st.lists(stamps(), min_size=1, max_size=12), dtype=st.sampled_from(TYPES))
def test_dates_parsed_after_are_the_readers_or_fail(
    values: list[str], dtype: pl.DataType
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "at.csv"
        path.write_text("n,at\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values)))
        after = outcome(path, dtype, dates_after=True)
        if after is None:
            return  # the reader's own parse decides (tested below, end to end)
        reader = outcome(path, dtype, dates_after=False)
        assert reader is not None, f"parsed after but not by the reader: {values}"
        assert_frame_equal(after, reader)


@settings(max_examples=150, deadline=None)
@given(
    first=st.sampled_from(
        ["2024-01-05 10:00:05", "2024-01-05T10:00:05Z", "2024-01-05"]
    ),
    late=st.lists(stamps(), min_size=1, max_size=6),
)
def test_csv_rows_equal_polars_whatever_the_late_values(
    first: str, late: list[str]
) -> None:
    """The inferred head is clean; values after it may not parse the same way."""
    head = [first] * _csv.INFER_SCHEMA_ROWS
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "late.csv"
        lines = [f"{i},{v}" for i, v in enumerate(head + late)]
        path.write_text("n,at\n" + "\n".join(lines) + "\n")
        got = pl.concat(list(iter_frames(path, chunk_rows=4_096)))
        whole = dict(infer_schema_length=_csv.INFER_SCHEMA_ROWS, try_parse_dates=True)
        try:
            want = pl.read_csv(path, **whole)  # type: ignore[arg-type]
        except pl.exceptions.PolarsError:  # a late value that does not parse: text
            want = pl.read_csv(path, schema_overrides={"at": pl.String}, **whole)  # type: ignore[arg-type]
        assert_frame_equal(got, want)


def test_a_pass_that_fails_parsing_after_is_decided_by_the_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A naive column whose last value carries an offset: the pass parsing after
    # fails, the reader's own parse fails too, and the column is read as text.
    rows = [f"{i},2024-01-05 10:00:{i % 60:02d}" for i in range(_csv.INFER_SCHEMA_ROWS)]
    rows.append("99999,2024-01-05 10:00:00+01:00")
    path = tmp_path / "zoned.csv"
    path.write_text("n,at\n" + "\n".join(rows) + "\n")
    calls: list[bool] = []
    scan = _csv._typed_scan

    def recorded(
        *args: object, dates_after: bool = False, **kw: object
    ) -> pl.LazyFrame:
        if _csv._dated_columns(args[2]):  # type: ignore[arg-type]  # parses dates
            calls.append(dates_after)
        return scan(*args, dates_after=dates_after, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(_csv, "_typed_scan", recorded)
    got = pl.concat(list(iter_frames(path, chunk_rows=4_096)))
    want = pl.read_csv(path, schema_overrides={"at": pl.String})
    assert_frame_equal(got, want)
    assert calls == [True, False, False]  # tried after; the reader, ignoring errors


def test_dates_are_parsed_after_on_the_usual_path(tmp_path: Path) -> None:
    rows = [
        f"{i},2024-01-05T10:00:{i % 60:02d},2024-02-{i % 28 + 1:02d}"
        for i in range(500)
    ]
    path = tmp_path / "dates.csv"
    path.write_text("n,at,day\n" + "\n".join(rows) + "\n")
    checked = _csv._checked_scan(path, "dates.csv")
    try:
        assert checked.dates_after
        assert (
            checked.schema["at"] == pl.Datetime("us")
            and checked.schema["day"] == pl.Date
        )
        plan = checked.scan.explain()
        assert "strptime" in plan  # str.to_datetime / str.to_date, after the read
    finally:
        if checked.spool is not None:
            checked.spool.unlink(missing_ok=True)


@st.composite
def one_shape(draw: st.DrawFn) -> list[str | None]:
    """Values of one ISO shape (so Arrow is tried), a few of them out of range."""
    sep = draw(st.sampled_from(["T", " "]))
    time = draw(st.sampled_from(["", "%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]))
    digits = draw(st.integers(1, 10))
    zone = draw(st.sampled_from(["", "", "Z", "+01:00"]))
    odd = ["0000-01-01", "2023-02-29", "2024-13-01"]
    odd_times = ["24:00:00", "23:59:60", "10:60:00"]
    values: list[str | None] = []
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.integers(0, 6)) == 0:
            values.append(None)
            continue
        day = (
            draw(st.sampled_from(odd))
            if draw(st.integers(0, 8)) == 0
            else (
                f"{draw(st.integers(1900, 2262)):04d}-{draw(st.integers(1, 12)):02d}-"
                f"{draw(st.integers(1, 28)):02d}"
            )
        )
        if not time:
            values.append(day)
            continue
        clock = f"{draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}"
        if time != "%H:%M":
            clock += f":{draw(st.integers(0, 59)):02d}"
        if draw(st.integers(0, 8)) == 0:
            clock = draw(st.sampled_from(odd_times))[: len(clock)]
        if time.endswith("%f"):
            clock += "." + "".join(
                draw(st.sampled_from("0123456789")) for _ in range(digits)
            )
        values.append(f"{day}{sep}{clock}{zone}")
    return values


ARROW_TYPES = [pl.Date, pl.Datetime("ms"), pl.Datetime("us"), pl.Datetime("ns")]


@settings(max_examples=400, deadline=None)
@given(values=one_shape(), dtype=st.sampled_from(ARROW_TYPES))
def test_dates_parsed_by_arrow_are_polars_or_left_to_polars(
    values: list[str | None], dtype: pl.DataType
) -> None:
    text = pl.Series("at", values, dtype=pl.String)
    fast = _dates._arrow_parsed(text, dtype)
    if fast is None:
        return  # polars parses the column (or refuses it) as before
    want = pl.DataFrame([text]).select(_dates.polars_dates({"at": dtype}))
    assert_series_equal(fast, want.get_column("at"))


def test_usual_timestamps_take_arrow_even_with_digits_finer_than_the_unit() -> None:
    # As polars writes microsecond times to CSV: nine digits, read back as "us".
    text = pl.Series(
        "ts", ["2024-01-01T00:00:00.579321000", None, "1969-12-31T23:59:59.123456789"]
    )
    for dtype in (pl.Datetime("us"), pl.Datetime("ns")):
        fast = _dates._arrow_parsed(text, dtype)
        assert fast is not None
        want = pl.DataFrame([text]).select(_dates.polars_dates({"ts": dtype}))
        assert_series_equal(fast, want.get_column("ts"))
    # Values of two shapes are left to polars: here Arrow would read both, while
    # polars (one pattern, from the first value) refuses the second.
    mixed = pl.Series("ts", ["2024-01-01T10", "2024-01-01T10:30"])
    assert pa.array(mixed.to_list()).cast(pa.timestamp("us")).null_count == 0
    with pytest.raises(pl.exceptions.PolarsError):
        mixed.str.to_datetime(time_unit="us")
    assert _dates._arrow_parsed(mixed, pl.Datetime("us")) is None
