"""Out-of-core scale: profile time and peak memory as the input grows, under a budget,
on one and two cores, and on CSV / JSON Lines, each as a ratio to a bare Polars pass.

Each measurement runs in a fresh process (peak RSS is its VmHWM; CPU is its user +
system time, which a busy machine does not inflate the way it does wall time).
  (a) the standard table at 1x, 4x, 16x --rows (a folder of Parquet parts): time
      and peak RSS of `pw.profile` against the floor (read with Polars, count/nulls/
      min/max/mean/std of every column, one part at a time so its memory is flat too)
  (b) a Parquet file of 128 float columns holding 4x --budget in memory, profiled
      with `memory_budget=--budget`: peak RSS against the budget
  (c) `pw.profile` of the 4x folder pinned to one core (taskset -c 0) and on two
  (e) CSV and JSON Lines of the 1x and 4x tables (--text-times, --text-formats):
      `pw.profile` against a streaming Polars scan computing the floor's statistics
  (k) `pw.check` of folders of the drifted "current" table (1x, 4x) against the 1x
      reference, with `ts` as the contract's time column: its findings about rows
      (unseen category, nulls, out of range) read the rows again for their onsets

Usage: python benchmarks/bench_scale.py [--rows N] [--budget BYTES] [--out DIR]
           [--skip LETTERS | --only LETTERS] [--text-times 1,4] [--text-formats csv,jsonl]
e.g. part (e) alone, CSV at 16x too: --only e --text-times 1,4,16 --text-formats csv
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _floor_parts(folder: str) -> None:
    import polars as pl
    from _table import floor

    for path in sorted(Path(folder).glob("*.parquet")):
        floor(pl.read_parquet(path))


def _scan_floor(path: str) -> None:
    import polars as pl

    scan = pl.scan_csv(path) if path.endswith(".csv") else pl.scan_ndjson(path)
    schema = scan.collect_schema()
    exprs = []
    for name, dtype in schema.items():
        col = pl.col(name)
        exprs += [col.count(), col.null_count(), col.min(), col.max()]
        if dtype.is_numeric() or dtype == pl.Boolean:
            x = col.cast(pl.Float64)
            exprs += [x.mean(), x.std()]
    renamed = [e.alias(f"e{i}") for i, e in enumerate(exprs)]
    scan.select(renamed).collect(engine="streaming")


def _profile(path: str, budget: str = "") -> None:
    import pipewarden as pw

    pw.profile(path, memory_budget=int(budget) if budget else None)


def _check(reference: str, folder: str) -> None:
    import pipewarden as pw

    ref = pw.profile(reference)
    pw.check(f"{folder}/*.parquet", pw.infer_contract(ref, time="ts"), reference=ref)


def _child(argv: list[str]) -> None:
    kind, *args = argv
    import polars  # noqa: F401  # imports are not part of the work measured

    import pipewarden

    if kind in ("profile", "check"):
        # pipewarden imports its parts (and pyarrow) when first used, ~0.45 s in
        # all: here, before the clock, as polars is imported before the floor's.
        import pyarrow.compute  # noqa: F401

        pipewarden.profile, pipewarden.check  # noqa: B018

    steps = {
        "floor": _floor_parts,
        "scan": _scan_floor,
        "profile": _profile,
        "check": _check,
    }
    start, cpu = time.perf_counter(), time.process_time()
    steps[kind](*args)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = next(
        int(line.split()[1]) * 1024
        for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("VmHWM:")
    )
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rss": peak}))


def _measure(args: list[str], *, pin: str | None = None) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", *args]
    if pin is not None:
        command = ["taskset", "-c", pin, *command]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _parts(rows: int, count: int, out: Path, *, drift: bool = False) -> Path:
    """A folder of ``count`` parts of the standard table (the drifted "current"
    one with ``drift``, its parts one after another in time)."""
    from _table import make_table

    folder = out / f"{'current' if drift else 'standard'}_{rows}x{count}"
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        path = folder / f"part-{index:03d}.parquet"
        if not path.exists():
            later = index * timedelta(days=60) if drift else timedelta(0)
            seed = (2000 if drift else 1000) + index
            frame = make_table(rows, seed, datetime(2024, 1, 1) + later, drift=drift)
            frame.write_parquet(path)
    return folder


def _line(name: str, m: dict[str, float], floor: dict[str, float]) -> str:
    return (
        f"{name:<34}{m['seconds']:>8.2f}{m['seconds'] / floor['seconds']:>8.2f}"
        f"{m['cpu']:>8.2f}{m['cpu'] / floor['cpu']:>8.2f}{m['rss'] / 2**20:>9,.0f}"
    )


HEADER = (
    f"{'step':<34}{'wall s':>8}{'x floor':>8}{'cpu s':>8}{'x floor':>8}{'RSS MiB':>9}"
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=250_000, help="rows of 1x")
    ap.add_argument("--budget", type=int, default=1 << 30)
    ap.add_argument("--out", default="bench-data/scale")
    ap.add_argument("--skip", default="", help="letters of parts to skip, e.g. 'b'")
    ap.add_argument("--only", default="", help="letters of the parts to run, e.g. 'e'")
    ap.add_argument("--text-times", default="1,4", help="(e): sizes, e.g. '1,4,16'")
    ap.add_argument("--text-formats", default="csv,jsonl", help="(e): 'csv', 'jsonl'")
    a = ap.parse_args()
    if a.only:
        a.skip = "".join(part for part in "abcek" if part not in a.only)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    print(f"2 cores, load average {load:.1f} at the start; {a.rows:,} rows = 1x")

    if "a" not in a.skip:
        print("\n(a) profile time and peak RSS as the input grows")
        print(HEADER)
        first = None
        for times in (1, 4, 16):
            folder = str(_parts(a.rows, times, out))
            floor = _measure(["floor", folder])
            prof = _measure(["profile", folder])
            first = first or prof
            print(_line(f"floor {times}x", floor, floor))
            print(_line(f"profile {times}x", prof, floor))
            print(
                f"   profile cpu per 1x: {prof['cpu'] / times:.2f} s "
                f"(1x: {first['cpu']:.2f}); peak RSS / 1x: "
                f"{prof['rss'] / first['rss']:.2f}"
            )

    if "b" not in a.skip:
        print(f"\n(b) 4x a {a.budget / 2**30:.2f} GiB budget in one Parquet file")
        sys.path.insert(0, str(HERE.parent / "tests" / "engines"))
        from test_memory_budget import write_large

        path = out / f"large_{a.budget}.parquet"
        if not path.exists():
            rows, held = write_large(path, 4 * a.budget)
        else:
            import pyarrow.parquet as pq

            rows, held = pq.read_metadata(path).num_rows, 4 * a.budget
        prof = _measure(["profile", str(path), str(a.budget)])
        print(
            f"{rows:,} rows, {held / 2**30:.2f} GiB in memory, "
            f"{path.stat().st_size / 2**30:.2f} GiB on disk: peak RSS "
            f"{prof['rss'] / 2**20:,.0f} MiB = {prof['rss'] / a.budget:.2f}x the "
            f"budget; {prof['seconds']:.1f} s wall, {prof['cpu']:.1f} s CPU"
        )

    if "c" not in a.skip and shutil.which("taskset"):
        print("\n(c) the 4x folder on one core and on two")
        print(HEADER)
        folder = str(_parts(a.rows, 4, out))
        floor = _measure(["floor", folder])
        one = _measure(["profile", folder], pin="0")
        two = _measure(["profile", folder])
        print(_line("floor, 2 cores", floor, floor))
        print(_line("profile, 1 core", one, floor))
        print(_line("profile, 2 cores", two, floor))
        print(
            f"   speed-up 1 -> 2 cores (wall): {one['seconds'] / two['seconds']:.2f}x"
        )

    if "e" not in a.skip:
        print("\n(e) CSV and JSON Lines against a streaming Polars scan")
        print(HEADER)
        import polars as pl

        for times in [int(text) for text in a.text_times.split(",")]:
            folder = _parts(a.rows, times, out)
            for suffix in a.text_formats.split(","):
                path = out / f"standard_{a.rows}x{times}.{suffix}"
                if not path.exists():
                    frames = pl.scan_parquet(folder / "*.parquet")
                    if suffix == "csv":
                        frames.sink_csv(path)
                    else:
                        frames.sink_ndjson(path)
                floor = _measure(["scan", str(path)])
                prof = _measure(["profile", str(path)])
                size = path.stat().st_size / 2**20
                print(_line(f"scan {suffix} {times}x ({size:,.0f} MiB)", floor, floor))
                print(_line(f"profile {suffix} {times}x", prof, floor))

    if "k" not in a.skip:
        _check_part(a.rows, out)


def _check_part(rows: int, out: Path) -> None:
    print("\n(k) check of the drifted table, onsets read from the rows again")
    print(HEADER)
    reference = _parts(rows, 1, out) / "part-000.parquet"
    first = None
    for times in (1, 4):
        folder = _parts(rows, times, out, drift=True)
        floor = _measure(["floor", str(folder)])
        checked = _measure(["check", str(reference), str(folder)])
        first = first or checked
        print(_line(f"floor {times}x", floor, floor))
        print(_line(f"check {times}x", checked, floor))
        print(f"   check peak RSS / 1x: {checked['rss'] / first['rss']:.2f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
    else:
        main()
