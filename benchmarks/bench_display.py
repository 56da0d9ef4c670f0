"""How long results take to show: notebook HTML, Rich tables, JUnit XML, Markdown.

A wide batch (200 columns x 20,000 rows: floats, integers, categories) is profiled and
checked against a contract its drifted twin breaks; each rendering is timed (best of
5) against a floor measured in the same run: the result's own JSON (``to_json``), a
bare serialisation of the same data. Run: python benchmarks/bench_display.py
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable

import numpy as np
import polars as pl
from rich.console import Console

import pipewarden as pw
from pipewarden.report.junit import junit_xml
from pipewarden.report.markdown import markdown_summary


def _frame(seed: int, columns: int, rows: int, shift: float) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {}
    for i in range(columns):
        kind = i % 3
        if kind == 0:
            data[f"f{i}"] = rng.normal(shift, 1, rows)
        elif kind == 1:
            data[f"i{i}"] = rng.integers(0, 100 + int(shift * 50), rows)
        else:
            data[f"c{i}"] = rng.choice([f"v{k}" for k in range(12)], rows)
    return pl.DataFrame(data)


def _best(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--columns", type=int, default=200)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    reference = pw.profile(_frame(1, args.columns, args.rows, 0.0))
    contract = pw.infer_contract(reference)
    result = pw.check(
        _frame(2, args.columns, args.rows, 0.6), contract, reference=reference
    )

    def rich_text(obj: object) -> str:
        out = io.StringIO()
        Console(file=out, width=200, color_system=None).print(obj)
        return out.getvalue()

    steps: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        ("profile: _repr_html_", reference._repr_html_, reference.to_json),
        ("profile: Rich tables", lambda: rich_text(reference), reference.to_json),
        ("check: _repr_html_", result._repr_html_, result.to_json),
        ("check: Rich tables", lambda: rich_text(result), result.to_json),
        ("check: JUnit XML", lambda: junit_xml(result, suite="s"), result.to_json),
        (
            "check: Markdown",
            lambda: markdown_summary(result, title="t"),
            result.to_json,
        ),
    ]
    print(
        f"{args.columns} columns x {args.rows:,} rows; {len(result.findings)} findings\n"
        "| rendering | ms | floor (to_json) ms | x floor | size |"
    )
    print("|---|---|---|---|---|")
    for name, fn, floor in steps:
        seconds, base = _best(fn), _best(floor)
        size = len(str(fn()))
        print(
            f"| {name} | {seconds * 1000:.1f} | {base * 1000:.1f} | "
            f"{seconds / base:.1f} | {size / 1024:.0f} KiB |"
        )


if __name__ == "__main__":
    main()
