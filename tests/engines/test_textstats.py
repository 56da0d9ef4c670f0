"""The compiled statistics of free text (``engines/_textstats.c``): every field equals
what the Polars expressions it replaces give (lengths in characters, the ASCII space,
Unicode White_Space at either end, the first bytes that may read as a kind), on
short strings inline in their views and long ones in the data buffers, with nulls,
slices, categories and several chunks; and views that point outside their buffers
are refused before anything is read."""

from __future__ import annotations

import importlib.util
import mmap
import os
import shlex
import subprocess
import sysconfig
from pathlib import Path
from types import ModuleType

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipewarden.engines import _text
from pipewarden.engines._text import TextStats, text_stats
from pipewarden.profiles.sketches import Moments

needs_c = pytest.mark.skipif(not _text.native(), reason="built without a C compiler")

WHITESPACE = [
    *"\t\n\x0b\x0c\r \x85\xa0\u1680",
    *(chr(c) for c in range(0x2000, 0x200B)),
    *"\u2028\u2029\u202f\u205f\u3000",
]
"""Rust's char::is_whitespace: what Polars' strip_chars strips."""
LOOK_ALIKES = [*"\x1c\x1d\x1e\x1f\u180e\u200b\ufeff"]
"""Not White_Space, though some call them spaces."""
ALPHABET = [*WHITESPACE, *LOOK_ALIKES, "\x00", *"-+.0123456789tTfFx", *"é中😀"]
TEXT = st.text(alphabet=st.sampled_from(ALPHABET), max_size=30) | st.sampled_from(
    ["", " ", "x" * 12, "x" * 13, "é" * 6, "é" * 7, "中" * 4, "😀" * 3, "a\u3000b"]
)
"""Up to 120 bytes: both sides of the 12 bytes a view holds inline, and of the 8 or
16 bytes the scan reads at a time (test_long_values goes further)."""


def expected(s: pl.Series) -> TextStats:
    """What the Polars expressions give."""
    lengths = s.str.len_chars().drop_nulls().cast(pl.Int64).to_list()
    may_read = s.str.contains(r"^[-+.0-9tTfF]").fill_null(False)
    return TextStats(
        count=s.len() - s.null_count(),
        length_sum=sum(lengths),
        length_sq=sum(n * n for n in lengths),
        length_min=min(lengths, default=None),
        length_max=max(lengths, default=None),
        with_space=int(s.str.contains(" ", literal=True).sum()),
        padded=int((s.str.strip_chars() != s).sum()),
        may_read=np.flatnonzero(may_read.to_numpy()).astype(np.int64),
    )


def assert_same(got: TextStats | None, want: TextStats) -> None:
    assert got is not None
    for name in TextStats.__slots__:
        if name != "may_read":
            assert getattr(got, name) == getattr(want, name), name
    assert got.may_read.dtype == np.int64
    assert got.may_read.tolist() == want.may_read.tolist()


@needs_c
@settings(max_examples=500, deadline=None)
@given(
    values=st.lists(st.none() | TEXT, max_size=40),
    start=st.integers(0, 10),
)
def test_every_statistic_equals_the_polars_expressions(
    values: list[str | None], start: int
) -> None:
    s = pl.Series("s", values, dtype=pl.String)
    assert_same(text_stats(s), expected(s))
    part = s.slice(start)  # an Arrow offset into the views and the validity
    assert_same(text_stats(part), expected(part))


def _portable(out: Path) -> ModuleType:
    """The module compiled as hatch_build.py compiles it, without SSE2: the 8-byte
    word scan every other machine runs."""
    compiler = shlex.split(sysconfig.get_config_var("CC") or "cc")
    source = Path(_text.__file__).with_name("_textstats.c")
    target = out / f"_textstats{sysconfig.get_config_var('EXT_SUFFIX')}"
    include = sysconfig.get_paths()["include"]
    command = [*compiler, "-fPIC", "-O3", "-shared", "-DTEXTSTATS_NO_SIMD"]
    subprocess.run(
        [*command, f"-I{include}", str(source), "-o", str(target)],
        check=True,
        capture_output=True,
    )
    spec = importlib.util.spec_from_file_location("_textstats", target)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_c
def test_the_portable_scan_equals_the_polars_expressions(tmp_path: Path) -> None:
    """The scan without SSE2 (8 bytes at a time in a 64-bit word), compiled here,
    gives what the expressions give on the same columns as the SIMD scan."""
    portable = _portable(tmp_path)
    rng = np.random.default_rng(3)
    pieces = [*ALPHABET, "x" * 13, "é" * 7, "😀" * 3]
    columns = [
        pl.Series(
            "s",
            [
                None
                if rng.random() < 0.1
                else "".join(rng.choice(pieces, rng.integers(0, 40)))
                for _ in range(300)
            ],
            dtype=pl.String,
        )
        for _ in range(30)
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_text, "_native", portable)
        for column in columns:
            assert_same(text_stats(column), expected(column))
            assert_same(text_stats(column.slice(7)), expected(column.slice(7)))


@needs_c
@pytest.mark.parametrize("char", ["a", "é", "中", "😀", "aé"])
def test_long_values(char: str) -> None:
    """Lengths on both sides of every block the scan counts in: 8 and 16 bytes, and
    the 254 blocks of 16 after which its byte counters are summed (each counter goes
    up by one a block for a column of é)."""
    chars = [1, 3, 4, 6, 7, 8, 12, 13, 15, 16, 17, 31, 33, 2031, 2032, 2033, 4064, 4080]
    values = []
    for n in [*chars, 5000, 70000]:
        text = (char * n)[:n]
        values += [text, text[:-1] + " ", " " + text[1:], text + "\u3000x"]
    s = pl.Series("s", values)

    assert_same(text_stats(s), expected(s))


@needs_c
@settings(max_examples=100, deadline=None)
@given(lengths=st.lists(st.integers(0, 200), min_size=1, max_size=50))
def test_the_moments_of_the_lengths(lengths: list[int]) -> None:
    s = pl.Series([("é" if n % 3 else "a") * n for n in lengths])
    stats = text_stats(s)
    assert stats is not None
    got, want = stats.moments(), Moments.from_array(np.array(lengths, dtype=float))

    assert (got.count, got.min, got.max) == (want.count, want.min, want.max)
    assert got.mean == pytest.approx(want.mean, rel=1e-12)
    assert got.m2 == pytest.approx(want.m2, rel=1e-12, abs=1e-9)


@needs_c
@pytest.mark.parametrize(
    "s",
    [
        pl.Series([], dtype=pl.String),
        pl.Series([None, None, None], dtype=pl.String),
        pl.Series(["a b", None, " 1", "x" * 20, "T"], dtype=pl.Categorical),
        pl.Series(["-1", None, "abc"], dtype=pl.Enum(["-1", "abc"])),
    ],
    ids=["empty", "all null", "categorical", "enum"],
)
def test_edge_columns(s: pl.Series) -> None:
    text = s.cast(pl.String)
    assert_same(text_stats(s), expected(text))


@needs_c
def test_no_values_give_no_lengths_and_zero_moments() -> None:
    stats = text_stats(pl.Series([None, None], dtype=pl.String))

    assert stats is not None
    assert (stats.count, stats.length_min, stats.length_max) == (0, None, None)
    assert stats.moments() == Moments()


@needs_c
def test_a_column_of_several_chunks() -> None:
    parts = [pl.Series("s", [f" {i} ", None, "t" * (i + 10), "x y"]) for i in range(5)]
    s = parts[0]
    for part in parts[1:]:
        s = s.append(part)
    assert s.n_chunks() == 5

    assert_same(text_stats(s), expected(s))
    assert_same(text_stats(s.slice(3, 11)), expected(s.slice(3, 11)))


@needs_c
@pytest.mark.parametrize("layout", ["chunked", "large_string"])
def test_other_arrow_layouts(layout: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """What to_arrow gives Polars' own string views; other layouts are read too."""
    s = pl.Series(["1 a", None, "é " * 9, "f"])
    views = s.to_arrow(compat_level=pl.CompatLevel.newest())
    arrow = (
        pa.chunked_array([views.slice(0, 1), views.slice(1)])
        if layout == "chunked"
        else views.cast(pa.large_string())
    )
    monkeypatch.setattr(pl.Series, "to_arrow", lambda self, **_: arrow)

    assert_same(text_stats(s), expected(s))


@needs_c
def test_the_squares_are_summed_past_64_bits() -> None:
    """Five views of one string of 2**31 - 1 NUL bytes: the sum of their squared
    lengths needs 67 bits (about 2 s: a read-only mapping of zero pages, no memory)."""
    n = 2**31 - 1
    try:
        zeros = mmap.mmap(-1, n, prot=mmap.PROT_READ)
    except (AttributeError, OSError, MemoryError) as exc:  # Windows, or no room
        pytest.skip(f"no read-only mapping of 2 GiB: {exc}")
    views = np.zeros((5, 16), dtype=np.uint8)
    views[:, :4] = np.frombuffer(np.int32(n).tobytes(), dtype=np.uint8)
    assert _text._native is not None

    data = np.frombuffer(zeros, dtype=np.uint8)
    got = _text._native.text_stats(
        views.ravel(), [data], None, 0, 5, np.empty(5, dtype=np.int64)
    )
    del data
    zeros.close()

    assert got == (5, 5 * n, 5 * n * n, n, n, 0, 0, 0)
    assert 5 * n * n > 2**64


def _views(*items: tuple[int, int, int]) -> np.ndarray:
    """Views of long strings: (length, buffer index, offset) each."""
    views = np.zeros((len(items), 16), dtype=np.uint8)
    for row, (length, index, at) in enumerate(items):
        views[row, :4] = np.frombuffer(np.int32(length).tobytes(), dtype=np.uint8)
        views[row, 8:12] = np.frombuffer(np.int32(index).tobytes(), dtype=np.uint8)
        views[row, 12:] = np.frombuffer(np.int32(at).tobytes(), dtype=np.uint8)
    return views.ravel()


@needs_c
@pytest.mark.parametrize(
    ("views", "validity", "offset", "count", "out", "message"),
    [
        (_views((13, 0, 0))[:-1], None, 0, 1, 1, "whole number of 16-byte"),
        (_views((13, 0, 0)), None, 0, 2, 2, "shorter than offset"),
        (_views((13, 0, 0)), None, 1, 1, 1, "shorter than offset"),
        (_views((13, 0, 0)), None, -1, 1, 1, "shorter than offset"),
        (_views((13, 0, 0)) * 0, np.zeros(0, np.uint8), 0, 1, 1, "validity"),
        (_views((13, 0, 0)), None, 0, 1, 0, "out is shorter"),
        (_views((-1, 0, 0)), None, 0, 1, 1, "negative length"),
        (_views((13, 0, 8)), None, 0, 1, 1, "outside its data buffer"),
        (_views((13, 1, 0)), None, 0, 1, 1, "outside its data buffer"),
        (_views((13, -1, 0)), None, 0, 1, 1, "outside its data buffer"),
        (_views((13, 0, -1)), None, 0, 1, 1, "outside its data buffer"),
        (_views((13, 0, 0), (21, 0, 0)), None, 0, 2, 2, "outside its data buffer"),
    ],
)
def test_views_outside_their_buffers_are_refused(
    views: np.ndarray,
    validity: np.ndarray | None,
    offset: int,
    count: int,
    out: int,
    message: str,
) -> None:
    data = [np.zeros(20, dtype=np.uint8)]
    assert _text._native is not None
    with pytest.raises(ValueError, match=message):
        _text._native.text_stats(
            views, data, validity, offset, count, np.empty(out, dtype=np.int64)
        )


@needs_c
def test_the_views_of_nulls_are_not_read() -> None:
    views = _views((13, 0, 0), (-1, 7, 99))  # the second is null: not checked
    validity = np.array([0b01], dtype=np.uint8)
    assert _text._native is not None

    got = _text._native.text_stats(
        views, [np.full(20, ord("7"), np.uint8)], validity, 0, 2, np.empty(2, np.int64)
    )

    assert got == (1, 13, 169, 13, 13, 0, 0, 1)


@needs_c
@pytest.mark.parametrize("length", range(13))
def test_the_bytes_after_an_inline_value_are_not_read(length: int) -> None:
    # Arrow pads them with zeros; these are spaces and continuation bytes instead.
    view = np.frombuffer(np.int32(length).tobytes() + b"x" * 12, dtype=np.uint8).copy()
    view[4 + length :] = np.frombuffer((b" \x80" * 6)[: 12 - length], dtype=np.uint8)
    assert _text._native is not None

    got = _text._native.text_stats(view, [], None, 0, 1, np.empty(1, np.int64))

    assert got == (1, length, length * length, length, length, 0, 0, 0)


def test_without_the_c_module_there_are_no_statistics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_text, "_native", None)

    assert text_stats(pl.Series(["a"])) is None
    assert not _text.native()


def test_the_install_built_the_text_statistics() -> None:
    # `make` installs pipewarden with its C modules; PIPEWARDEN_PURE_PYTHON=1 opts out.
    built = importlib.util.find_spec("pipewarden.engines._textstats") is not None
    assert built is not bool(os.environ.get("PIPEWARDEN_PURE_PYTHON"))


# ------------------------------------------------------------------ ValueCounter
def counted(counter: _text.ValueCounter) -> dict[str, int]:
    """The counts taken, by value (values counted zero times left out)."""
    counts = counter.take()
    values = counter.values(0, counter.size).to_list()
    assert counts.size == counter.size
    return {value: int(n) for value, n in zip(values, counts, strict=True) if n}


@needs_c
@settings(max_examples=300, deadline=None)
@given(
    chunks=st.lists(
        st.tuples(st.lists(st.none() | TEXT, max_size=40), st.integers(0, 5)),
        min_size=1,
        max_size=5,
    ),
    limit=st.sampled_from([0, 2_400, 3_000, 1 << 20]),
)
def test_the_value_counter_counts_as_polars(
    chunks: list[tuple[list[str | None], int]], limit: int
) -> None:
    """Chunk after chunk (sliced, with nulls), the values counted and those missed
    are the chunk's values as Polars counts them; numbers are kept from chunk to chunk
    and a full table misses only values it lacks."""
    counter = _text.counter()
    assert counter is not None
    numbered: list[str] = []
    for values, start in chunks:
        s = pl.Series(["pad"] * start + values, dtype=pl.String).slice(start)
        before = counter.size

        missed = counter.count(s, limit)

        got = counted(counter)
        lacked = s.gather(missed)
        assert lacked.null_count() == 0
        for value, n in lacked.value_counts().iter_rows():
            got[value] = got.get(value, 0) + n
        want = dict(s.drop_nulls().value_counts().iter_rows())
        assert got == want
        # Earlier numbers are kept; values missed are not numbered at all.
        assert counter.values(0, before).to_list() == numbered
        numbered = counter.values(0, counter.size).to_list()
        assert not set(lacked.to_list()) & set(numbered)
        assert len(set(numbered)) == len(numbered)
        assert counter.nbytes <= max(limit, 2_320)  # the empty table's own bytes


@needs_c
def test_the_value_counter_reads_long_values_and_several_chunks() -> None:
    long = ["x" * 13, "x" * 14, "é" * 40, "x" * 13 + "y", "x" * 12]
    s = pl.concat([pl.Series(long * 3), pl.Series([None, *long])], rechunk=False)
    assert s.n_chunks() == 2
    counter = _text.counter()
    assert counter is not None

    assert counter.count(s, 1 << 20).size == 0

    assert counted(counter) == {value: 4 for value in long}
    counter.count(s.slice(3, 4), 1 << 20)
    assert counted(counter) == {
        "x" * 13 + "y": 1,
        "x" * 12: 1,
        "x" * 13: 1,
        "x" * 14: 1,
    }


@needs_c
def test_values_that_differ_only_by_trailing_nuls_are_apart() -> None:
    # A short value is kept as its bytes with zeros after them: its length tells
    # "a" from "a\x00".
    values = ["", "\x00", "a", "a\x00", "a\x00\x00", "x" * 8, "x" * 8 + "\x00"]
    values += ["x" * 12, "x" * 12 + "\x00", "x" * 13, "x" * 13 + "\x00"]
    counter = _text.counter()
    assert counter is not None

    counter.count(pl.Series(values * 2), 1 << 20)

    assert counted(counter) == {value: 2 for value in values}


@needs_c
def test_the_value_counter_refuses_bad_views_and_short_outputs() -> None:
    assert _text._native is not None
    table = _text._native.ValueTable()
    view = np.frombuffer(np.int32(20).tobytes() + bytes(12), dtype=np.uint8).copy()

    with pytest.raises(ValueError, match="outside its data buffer"):
        table.count(view, [], None, 0, 1, 1 << 20, np.empty(1, np.int64))
    one = np.frombuffer(np.int32(1).tobytes() + b"a" + bytes(11), dtype=np.uint8)
    with pytest.raises(ValueError, match="missed is shorter"):
        table.count(one, [], None, 0, 1, 1 << 20, np.empty(0, np.int64))
    with pytest.raises(IndexError):
        table.values(0, 1)


def test_without_the_c_module_there_is_no_value_counter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_text, "_native", None)

    assert _text.counter() is None
