"""Small frames and hypothesis strategies shared by the foundation tests, and stores.

Every test that takes ``store_url`` or ``store`` runs against SQLite and, when
PIPEWARDEN_TEST_PG_URL is set, against a real PostgreSQL server (one schema per test).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from pipewarden.engines.local import LocalEngine
from pipewarden.profiles.column import ColumnProfile
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.profiles.sketches import MAX_GAPS, Moments

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from pipewarden.store import Store

# Hypothesis profiles: "ci" (the default, what `make test` runs) keeps property tests
# that set no max_examples short; "long" (`make fuzz`) runs the fuzzers for longer.
# Tests that set their own max_examples keep it under either profile.
settings.register_profile("ci", max_examples=50, deadline=5000)
settings.register_profile(
    "long",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SCHEMA = pl.Schema(
    {
        "i": pl.Int64(),
        "f": pl.Float64(),
        "s": pl.String(),
        "b": pl.Boolean(),
        "t": pl.Datetime("us"),
    }
)
"""The columns of generated frames: one per storage family."""

_T0 = dt.datetime(2024, 1, 1)

_ints = st.none() | st.integers(-(10**6), 10**6)
_floats = (
    st.none()
    | st.sampled_from([math.nan, math.inf, -math.inf])
    | st.floats(-1e6, 1e6, allow_nan=False)
)
# Short strings (categories, not free text), any unicode, some numeric-looking.
_strings = st.none() | st.text(max_size=6) | st.integers(-99, 99).map(str)
_bools = st.none() | st.booleans()
# Whole minutes within a week: repeats, ties and gaps of every size show up often.
_times = st.none() | st.integers(0, 7 * 24 * 60).map(
    lambda m: _T0 + dt.timedelta(minutes=m)
)
_rows = st.tuples(_ints, _floats, _strings, _bools, _times)


@st.composite
def _frames(draw: st.DrawFn, max_rows: int = MAX_GAPS) -> pl.DataFrame:
    # At most MAX_GAPS rows: every part then keeps all its time gaps, so the gaps of
    # parts split anywhere (not only in time order) merge exactly.
    rows = draw(st.lists(_rows, max_size=max_rows))
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


@st.composite
def _split_frames(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    whole = draw(_frames())
    at = draw(st.integers(0, whole.height))
    return whole, whole.head(at), whole.slice(at)


@pytest.fixture(scope="session")
def frames() -> st.SearchStrategy[pl.DataFrame]:
    """Frames of ``SCHEMA`` with nulls, NaN, infinities, unicode, repeats (draw with st.data())."""
    return _frames()


@pytest.fixture(scope="session")
def split_frames() -> st.SearchStrategy[
    tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]
]:
    """A generated frame and a split of it: (whole, head, tail)."""
    return _split_frames()


@pytest.fixture(scope="session")
def engine() -> LocalEngine:
    return LocalEngine()


@pytest.fixture(scope="session")
def profile_of(engine: LocalEngine) -> Callable[[pl.DataFrame], DatasetProfile]:
    """The local engine's profile of one in-memory frame."""
    return engine.profile_frame


@pytest.fixture
def mixed_frame() -> pl.DataFrame:
    """Six rows with one column per storage family, and every kind of missing value."""
    return pl.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6],
            "amount": [10.0, None, math.nan, math.inf, -2.5, 10.0],
            "grade": ["A", "B", None, "A", "A", "C"],
            "ok": [True, False, None, True, True, True],
            "ts": [_T0 + dt.timedelta(hours=h) for h in (0, 1, 2, 3, 10, 11)],
        }
    )


@pytest.fixture
def loans_frame() -> pl.DataFrame:
    """A reference batch of loans: ids, amounts, grades, labels and event times."""
    n = 200
    return pl.DataFrame(
        {
            "loan_id": list(range(1, n + 1)),
            "annual_inc": [30_000.0 + 250.0 * i for i in range(n)],
            "grade": [("A", "B", "C")[i % 3] for i in range(n)],
            "defaulted": [int(i % 10 == 0) for i in range(n)],
            "issued": [_T0 + dt.timedelta(hours=i) for i in range(n)],
        }
    )


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write a file under tmp_path (text as UTF-8, bytes as they are); returns its path."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    return write


def _moments_close(actual: Moments, expected: Moments) -> bool:
    """Equal counts and extremes; mean and m2 equal up to floating rounding (1e-9)."""
    scale = max(abs(expected.min or 0.0), abs(expected.max or 0.0), 1.0)
    return (
        (actual.count, actual.min, actual.max)
        == (expected.count, expected.min, expected.max)
        and math.isclose(actual.mean, expected.mean, rel_tol=1e-9, abs_tol=1e-9 * scale)
        and math.isclose(
            actual.m2,
            expected.m2,
            rel_tol=1e-9,
            abs_tol=1e-9 * scale**2 * expected.count,
        )
    )


_EXACT = (
    "name",
    "physical",
    "dtype",
    "rows",
    "nulls",
    "nan",
    "posinf",
    "neginf",
    "distinct",
    "frequent",
    "with_space",
    "padded",
    "numeric_like",
    "time",
)


def _assert_columns_match(
    actual: ColumnProfile, expected: ColumnProfile, *, intervals: bool
) -> None:
    for key in _EXACT:
        assert getattr(actual, key) == getattr(expected, key), (actual.name, key)
    assert _moments_close(actual.moments, expected.moments), (actual.name, "moments")
    assert _moments_close(actual.lengths, expected.lengths), (actual.name, "lengths")
    assert actual.quantiles.n == expected.quantiles.n, (actual.name, "quantiles")
    if intervals:
        assert actual.intervals.n == expected.intervals.n, (actual.name, "intervals")


def _assert_profiles_match(
    actual: DatasetProfile, expected: DatasetProfile, *, intervals: bool = True
) -> None:
    """Exact where the sketches are exact; moments to 1e-9; KLL sketches by count.

    ``intervals=False`` skips the count of time intervals, which the merge of two
    chunks lacks by one (the interval across the boundary between them).
    """
    assert actual.rows == expected.rows
    assert actual.column_names == expected.column_names
    for name in expected.columns:
        _assert_columns_match(actual[name], expected[name], intervals=intervals)


@pytest.fixture(scope="session")
def assert_profiles_match() -> Callable[..., None]:
    """Compare two profiles: see _assert_profiles_match."""
    return _assert_profiles_match


# ------------------------------------------------------------------ stores


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty store: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    from store_helpers import postgres_schema_url

    with postgres_schema_url() as url:
        yield url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open, empty store."""
    from pipewarden.store import open_store

    with open_store(store_url) as opened:
        yield opened


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """One local Spark (``local[2]``) for the whole run: a session takes 5-40 s."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime: install openjdk-17-jre-headless (see .ci/run)")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master("local[2]")
        .appName("pipewarden-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.legacy.parquet.nanosAsLong", "true")
    )
    with warnings.catch_warnings():  # pyspark 4.3 with pandas 3 (engines/spark.py)
        warnings.filterwarnings("ignore", "PySpark does not yet", FutureWarning)
        session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
