"""Text that reads losslessly as a kind: the grammar, checked against Python's own
readers, and the promise that the gate reads every such value to the same value."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipewarden.conform._target import parse_target
from pipewarden.conform.coerce import coercer
from pipewarden.profiles import readings
from pipewarden.profiles.readings import (
    Reading,
    TextReadings,
    iso_datetime,
    reads_as,
)

CASES = [
    # text, kinds it reads as
    ("42", {"integer", "float"}),
    ("-7", {"integer", "float"}),
    ("+3", {"integer", "float"}),
    ("99999999999999999999", {"float"}),  # past Int64
    ("70.2", {"float"}),
    (".5", {"float"}),
    ("1e-3", {"float"}),
    ("1,010.2", set()),
    ("1,010", set()),
    ("$5", set()),
    (" 5", set()),
    ("3.0", {"float"}),
    ("true", {"boolean"}),
    ("FALSE", {"boolean"}),
    ("True", {"boolean"}),
    ("yes", set()),
    ("2026-11-14T23:00:00Z", {"datetime"}),
    ("2026-11-14 23:00:00", {"datetime"}),
    ("2026-11-14T23:00:00.000000", {"datetime"}),
    ("2026-11-14T23:00:00+01:00", {"datetime"}),
    ("2026-11-14", {"datetime"}),
    ("2026-02-30", set()),
    ("2026-02-30 00:00:00", set()),
    ("0000-01-01 00:00:00", set()),
    ("2026-11-14 23:00:60", set()),
    ("2026-11-14 24:00:00", set()),
    ("2026-11-14T23:00:00,5", {"datetime"}),
    ("14/11/2026", set()),
    ("", set()),
]


@pytest.mark.parametrize(("text", "kinds"), CASES)
def test_text_reads_losslessly_as_exactly_these_kinds(
    text: str, kinds: set[str]
) -> None:
    frame = pl.DataFrame({"t": [text]})
    got = {
        kind
        for kind in ("integer", "float", "boolean", "datetime")
        if frame.select(reads_as(pl.col("t"), kind)).item()
    }
    assert got == kinds


def test_null_text_reads_as_nothing() -> None:
    frame = pl.DataFrame({"t": [None]}, schema={"t": pl.String})
    assert not frame.select(reads_as(pl.col("t"), "datetime")).item()
    assert not frame.select(reads_as(pl.col("t"), "float")).item()


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-14T23:00:00Z",
        "2026-11-14 23:00:00",
        "2026-11-14T23:00:00.123456",
        "2026-11-14T23:00:00-05:30",
        "2026-11-14T23:00+0200",
        "2026-11-14",
    ],
)
def test_iso_datetimes_read_as_python_reads_them_in_utc(text: str) -> None:
    # Python's fromisoformat is the independent reference (+0200 spelt +02:00).
    expected = dt.datetime.fromisoformat(text.replace("+0200", "+02:00"))
    if expected.tzinfo is not None:
        expected = expected.astimezone(dt.UTC).replace(tzinfo=None)
    frame = pl.DataFrame({"t": [text]})
    assert frame.select(iso_datetime(pl.col("t"))).item() == expected


_DATETIMES = st.datetimes(
    min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)
)
_ZONES = st.sampled_from(["", "Z", "+01:00", "-0530", " +00:00"])


@given(
    st.lists(st.tuples(_DATETIMES, st.sampled_from(["T", " "]), _ZONES), max_size=20)
)
def test_what_reads_losslessly_the_gate_reads_to_the_same_datetime(
    moments: list[tuple[dt.datetime, str, str]],
) -> None:
    texts = [m.isoformat(sep=sep) + zone for m, sep, zone in moments]
    read = coercer(parse_target("Datetime"))
    frame = pl.DataFrame({"t": texts}, schema={"t": pl.String})
    got = frame.select(iso_datetime(pl.col("t"))).to_series().to_list()
    assert got == [read(t) for t in texts]


@given(
    st.lists(
        st.one_of(
            st.integers(-(2**63), 2**63 - 1),
            st.floats(allow_nan=False, allow_infinity=False),
        ),
        max_size=20,
    )
)
def test_what_reads_losslessly_the_gate_reads_to_the_same_number(
    numbers: list[float],
) -> None:
    texts = [repr(n) for n in numbers]
    frame = pl.DataFrame({"t": texts}, schema={"t": pl.String})
    reads = frame.select(reads_as(pl.col("t"), "float")).to_series().to_list()
    read = coercer(parse_target("Float64"))
    assert all(reads)
    assert [read(t) for t in texts] == [float(t) for t in texts]


def test_readings_merge_counts_and_keep_five_distinct_examples() -> None:
    a = TextReadings(datetime=Reading(3, ("x", "y", "z")))
    b = TextReadings(datetime=Reading(2, ("y", "u", "v", "w")), float=Reading(1))
    merged = a.merge(b)
    assert merged.datetime == Reading(5, ("x", "y", "z", "u", "v"))
    assert merged.float == Reading(1)
    assert TextReadings.from_dict(merged.to_dict()) == merged
    assert TextReadings().to_dict() == {}


_PLAIN_TEXT = st.builds(
    "{:04d}-{:02d}-{:02d}{}{:02d}:{:02d}:{:02d}{}".format,
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.sampled_from(["T", " "]),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
    st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,9}", fullmatch=True)),
)
"""Text of the plain shape, with impossible dates (month 13, day 32, year 0) and
fractions finer than microseconds among them."""


@given(
    st.lists(
        st.one_of(st.none(), _PLAIN_TEXT, st.sampled_from(["2026-11-14", "word"])),
        max_size=30,
    )
)
def test_plain_timestamps_read_as_polars_reads_them(texts: list[str | None]) -> None:
    """Arrow's cast (the fast path) gives polars' values wherever the shape is plain,
    or refuses the batch and polars reads it."""
    text = pl.Series("t", texts, dtype=pl.String)
    plain = text.str.contains(readings._PLAIN_DATETIME).fill_null(False)
    got = readings._plain_moments(text, plain).filter(plain)
    want = readings._polars_moments(text).filter(plain)
    # As microseconds: year 0 reads on both paths but is no Python datetime (the
    # profile drops it after, see _iso_series).
    assert got.cast(pl.Int64).to_list() == want.cast(pl.Int64).to_list()


@given(st.lists(st.tuples(_DATETIMES, st.sampled_from(["T", " "])), min_size=1))
def test_real_plain_timestamps_take_the_fast_path(
    moments: list[tuple[dt.datetime, str]],
) -> None:
    texts = [m.isoformat(sep=sep) for m, sep in moments]
    text = pl.Series("t", texts, dtype=pl.String)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(readings, "_polars_moments", None)  # never this way
        got = readings._plain_moments(text, pl.Series([True] * len(texts)))
    assert got.to_list() == [m.replace(tzinfo=None) for m, _ in moments]
