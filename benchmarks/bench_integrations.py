"""What a scheduler integration adds to a check, on the standard table.

  floor          read the current Parquet file and compute count, nulls, min, max,
                 mean and std of every column with Polars (the least a check costs)
  check          pw.check(current, contract): the use case every face calls
  task           integrations._task.run_check + raise_for(fail_on="never"): the shared
                 core of the Airflow operator, the Dagster check and the Prefect task
  dagster        dagster.materialize of an asset and the pipewarden asset check reading
                 the same file (Dagster's in-process executor, run storage in memory)

All as ratios to the floor of the same run; best of --repeat. Airflow and Prefect run
in venvs of their own (their fastapi pins clash with dev's), so they are not timed here;
their per-task overhead is the scheduler's, not pipewarden's.

Usage: python benchmarks/bench_integrations.py [--rows N] [--repeat R] [--out DIR]
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _table import floor, make_tables  # noqa: E402  # shared table and floor

import pipewarden as pw  # noqa: E402
from pipewarden.contracts.yaml_io import dump_contract  # noqa: E402
from pipewarden.integrations._task import raise_for, run_check  # noqa: E402


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default="bench-data")
    args = parser.parse_args()
    reference, current = make_tables(args.rows, args.out)
    with tempfile.TemporaryDirectory() as tmp:
        contract = Path(tmp) / "contract.yaml"
        dump_contract(pw.infer_contract(pw.profile(reference)), contract)

        timings = {
            "floor": best_of(args.repeat, lambda: floor(pl.read_parquet(current))),
            "check": best_of(args.repeat, lambda: pw.check(current, contract)),
            "task": best_of(
                args.repeat,
                lambda: raise_for(run_check(current, contract, fail_on="never")),
            ),
        }
        try:
            import dagster as dg

            from pipewarden.integrations.dagster import pipewarden_asset_check
        except ImportError:
            dg = None
        if dg is not None:

            @dg.asset(name="orders")
            def orders() -> None:
                return None

            check = pipewarden_asset_check(
                asset=orders, data=str(current), contract=contract, fail_on="never"
            )
            timings["dagster"] = best_of(
                args.repeat, lambda: dg.materialize([orders, check])
            )
    base = timings["floor"]
    print(f"rows={args.rows:,} repeat={args.repeat} (best of)")
    for name, seconds in timings.items():
        extra = (
            "" if name == "floor" else f"  {seconds - timings['check']:+.2f} s vs check"
        )
        print(f"{name:>8}: {seconds:7.3f} s  {seconds / base:6.1f}x floor{extra}")


if __name__ == "__main__":
    main()
