"""Gate speed on the standard table: batch conform against a bare Polars floor, and the
record path (one record at a time, and many records at once).

  floor             count, nulls, min, max, mean and std of every column of the
                    in-memory current table with Polars: the least a pass can cost
  conform           Gate.conform(current) on the same in-memory frame (target <= 3x floor)
  conform_record    one 20-field record per call, 100,000 calls in process
                    (targets: median <= 20 us, p99 <= 200 us)
  conform_records   100,000 records in one call (target >= 200,000 records/s)

The contract is inferred from the reference table (label, time and id declared), so the
current table's injected changes (an unseen category, a null spike, a mean shift) go
through the gate's default policies.

Usage: python benchmarks/bench_gate.py [--rows N] [--records N] [--repeat R] [--out DIR]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _table import floor, make_tables  # noqa: E402  # shared table and floor

import pipewarden as pw  # noqa: E402
from pipewarden.conform import Gate  # noqa: E402


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def record_latencies(
    gate: Gate, records: list[dict[str, object]], calls: int
) -> list[float]:
    """Microseconds per conform_record call, cycling through distinct records."""
    conform = gate.conform_record
    clock = time.perf_counter_ns
    pool = len(records)
    out = [0.0] * calls
    gc.disable()
    try:
        for i in range(calls):
            record = records[i % pool]
            start = clock()
            conform(record)
            out[i] = (clock() - start) / 1000
    finally:
        gc.enable()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(HERE.parent / "bench-data"))
    args = ap.parse_args()

    reference_path, current_path = make_tables(args.rows, args.out)
    reference = pl.read_parquet(reference_path)
    current = pl.read_parquet(current_path)
    contract = pw.infer_contract(
        pw.profile(reference), label="label", time="ts", id="i_id"
    )
    gate = Gate(contract)

    floor_s = best_of(args.repeat, lambda: floor(current))
    conform_s = best_of(args.repeat, lambda: gate.conform(current))
    result = gate.conform(current)
    assert result.rows_out + result.rows_quarantined == current.height

    records = current.head(min(args.records, current.height)).to_dicts()
    latencies = sorted(record_latencies(gate, records[:10_000], args.records))
    median_us = statistics.median(latencies)
    p99_us = latencies[int(len(latencies) * 0.99) - 1]
    many_s = best_of(args.repeat, lambda: gate.conform_records(records))

    figures = {
        "rows": current.height,
        "columns": current.width,
        "floor_s": round(floor_s, 4),
        "conform_s": round(conform_s, 4),
        "conform_vs_floor": round(conform_s / floor_s, 2),
        "quarantined": result.rows_quarantined,
        "record_median_us": round(median_us, 2),
        "record_p99_us": round(p99_us, 2),
        "records": len(records),
        "records_per_s": round(len(records) / many_s),
    }
    print(f"standard table: {current.height:,} rows x {current.width} columns")
    print(f"  floor (bare Polars pass)   {floor_s:8.3f} s")
    print(
        f"  batch conform              {conform_s:8.3f} s   "
        f"{conform_s / floor_s:5.2f}x floor (target <= 3x)"
    )
    print(
        f"  conform_record ({args.records:,} calls) median {median_us:6.2f} us, "
        f"p99 {p99_us:6.2f} us (targets 20 / 200 us)"
    )
    print(
        f"  conform_records            {len(records) / many_s:12,.0f} records/s "
        f"(target >= 200,000)"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
