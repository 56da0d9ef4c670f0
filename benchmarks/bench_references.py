"""Benchmark reference sets (issue #16): add a version, and check or drift against a
stored version instead of the reference file.

    .venv/bin/python benchmarks/bench_references.py [--rows 200000] [--repeat 3]

On the standard 20-column table (``_table.py``). Every figure is a ratio to the floor
measured in the same run: one bare Polars pass (read the Parquet, count, nulls, min,
max, mean, std of every column). Expected: adding a version costs one profile plus one
store write; checking against ``ref:NAME@1`` saves profiling the reference, so it costs
about half of checking against the file (one side profiled instead of two).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def timed(work: Callable[[], object], repeat: int) -> float:
    """Median wall seconds of ``repeat`` runs (after one warm-up)."""
    work()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import polars as pl
    from _table import floor, make_tables

    import pipewarden as pw

    folder = Path(tempfile.mkdtemp(prefix="pw-bench-refs-"))
    ref, cur = make_tables(args.rows, folder)
    store = f"sqlite:///{folder / 'refs.db'}"
    contract = folder / "contract.yaml"
    pw.dump_contract(pw.infer_contract(pw.profile(ref), name="bench"), contract)
    print(
        f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
        f"{args.rows:,} rows x 20 columns, median of {args.repeat}"
    )

    base = timed(lambda: floor(pl.read_parquet(ref)), args.repeat)
    profile = timed(lambda: pw.profile(ref), args.repeat)
    add = timed(
        lambda: pw.references.add("bench", ref, store=store, user="bench"),
        args.repeat,
    )
    with pw.open_store(store) as opened:
        read = timed(lambda: opened.get_reference("bench", 1), args.repeat)
        from_file = timed(lambda: pw.check(cur, contract, reference=ref), args.repeat)
        from_set = timed(
            lambda: pw.check(cur, contract, reference="ref:bench@1", store=opened),
            args.repeat,
        )
        drift_file = timed(lambda: pw.compare(ref, cur, sample_rows=0), args.repeat)
        drift_set = timed(
            lambda: pw.compare("ref:bench@1", cur, sample_rows=0, store=opened),
            args.repeat,
        )
    rows = [
        ("floor: one bare Polars pass over the reference", base),
        ("pw.profile(reference)", profile),
        ("references add (profile + store write)", add),
        ("read a stored version back (decode its profile)", read),
        ("check against the reference file", from_file),
        ("check against ref:bench@1", from_set),
        ("drift against the reference file (sample_rows=0)", drift_file),
        ("drift against ref:bench@1 (sample_rows=0)", drift_set),
    ]
    for label, seconds in rows:
        print(f"{label:<52} {seconds * 1000:8.1f} ms  {seconds / base:6.2f}x floor")


if __name__ == "__main__":
    main()
