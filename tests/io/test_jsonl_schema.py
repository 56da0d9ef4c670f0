"""The schema of a JSON Lines file inferred a piece at a time is the one polars
infers from the whole file, column order and types included, and the memory its
readings (checked and optimistic) take does not grow with the file."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipewarden.io import _jsonl, _lines

KEYS = ["a", "b", "c", "d"]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.integers(2**63, 2**64),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from(["x", "2024-01-01", "12"]),
    st.lists(st.integers(0, 9), max_size=2),
    st.fixed_dictionaries({"k": st.integers(0, 9)}),
)


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.permutations(KEYS))[: draw(st.integers(0, len(KEYS)))]
    return {key: draw(VALUES) for key in keys}


def whole(path: Path) -> list[tuple[str, pl.DataType]] | None:
    try:
        return list(
            pl.scan_ndjson(path, infer_schema_length=None).collect_schema().items()
        )
    except pl.exceptions.PolarsError:
        return None


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(records(), min_size=1, max_size=14),
    same=st.booleans(),
    rows=st.integers(1, 5),
)
def test_pieces_infer_the_schema_polars_infers_from_the_whole_file(
    lines: list[dict[str, Any]], same: bool, rows: int
) -> None:
    if same:  # the usual file: one record shape repeated, values varying
        lines = [{key: value for key, value in lines[0].items()} for _ in lines]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lines.jsonl"
        path.write_text("".join(json.dumps(line) + "\n" for line in lines))
        want = whole(path)
        try:
            got = list(_jsonl._file_schema(path, rows).items())
        except pl.exceptions.PolarsError:
            got = None
        assert got == want


@settings(max_examples=300, deadline=None)
@given(
    shapes=st.lists(st.permutations(KEYS), min_size=2, max_size=4),
    cut=st.lists(st.integers(1, len(KEYS)), min_size=4, max_size=4),
    kinds=st.lists(st.sampled_from([None, True, 7, 0.5, "x"]), min_size=4, max_size=4),
    orders=st.lists(st.randoms(use_true_random=False), min_size=2, max_size=3),
)
def test_pieces_holding_the_same_shapes_in_other_orders_infer_the_files_schema(
    shapes: list[list[str]], cut: list[int], kinds: list[Any], orders: list[Any]
) -> None:
    """The hard case: lines of several shapes, every piece holding each shape once
    in an order of its own, so the pieces agree while the lines do not."""
    kind = dict(zip(KEYS, kinds, strict=True))
    records = [
        {key: kind[key] for key in shape[:n]}
        for shape, n in zip(shapes, cut, strict=False)
    ]
    lines: list[dict[str, Any]] = []
    for order in orders:
        piece = list(records)
        order.shuffle(piece)
        lines += piece
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "shapes.jsonl"
        path.write_text("".join(json.dumps(line) + "\n" for line in lines))
        got = list(_jsonl._file_schema(path, len(records)).items())
        assert got == whole(path)


def test_a_file_of_one_record_shape_is_inferred_a_piece_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "same.jsonl"
    path.write_text(
        "".join(f'{{"id": {i}, "x": {i / 2}, "s": "v{i}"}}\n' for i in range(50))
    )
    whole_file: list[object] = []
    scan = pl.scan_ndjson

    def recorded(source: object, **kw: Any) -> pl.LazyFrame:
        if isinstance(source, Path | str):
            whole_file.append(source)
        return scan(source, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(_jsonl.pl, "scan_ndjson", recorded)
    got = _jsonl._file_schema(path, 7)
    assert list(got.items()) == [("id", pl.Int64), ("x", pl.Float64), ("s", pl.String)]
    assert whole_file == []  # never the whole file at once
    path.write_text(path.read_text() + '{"late": true}\n')
    assert list(_jsonl._file_schema(path, 7)) == ["id", "x", "s", "late"]
    assert whole_file == [path]  # a piece that differs: the file's own inference


PEAK = """
import sys
from pathlib import Path
from pipewarden.io import iter_frames
for frame in iter_frames(sys.argv[1], chunk_rows=50_000, optimistic=sys.argv[2] == "1"):
    pass
print(next(int(l.split()[1]) for l in Path("/proc/self/status").read_text().splitlines()
           if l.startswith("VmHWM:")))
"""


@pytest.mark.parametrize("optimistic", [False, True], ids=["checked", "optimistic"])
def test_jsonl_peak_memory_does_not_grow_with_the_file(
    tmp_path: Path, optimistic: bool
) -> None:
    """Both readings, on files well past the pieces held at once (``PARSED_AHEAD``
    pieces of at most ``_PIECE_BYTES`` and their frames)."""
    line = json.dumps({"id": 123456, "x": 0.25, "text": "word " * 40}) + "\n"
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    for path, times in ((small, 6), (large, 24)):  # ~139 MB, ~555 MB
        with path.open("w") as handle:
            for _ in range(times):
                handle.write(line * 100_000)

    def peak(path: Path) -> int:
        done = subprocess.run(
            [sys.executable, "-c", PEAK, str(path), str(int(optimistic))],
            capture_output=True,
            text=True,
            check=True,
        )
        return int(done.stdout.strip()) << 10

    grown = peak(large) - peak(small)
    assert grown < 48 << 20, f"{grown >> 20} MiB more for 4x the lines"
    assert _lines._PIECE_BYTES < 48 << 20
