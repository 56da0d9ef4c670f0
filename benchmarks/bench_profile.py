"""Profile and check speed on the standard table, as ratios to a bare Polars floor.

Each measurement runs in a fresh process (so peak RSS is its own): best wall time of
--repeat runs, and the median run's CPU time (user + system, which a shared machine
inflates far less than wall time).
  floor    read the Parquet file with Polars and compute count, nulls, min, max, mean
           and std of every column: the least any profiler must do
  profile  pipewarden.profile(path): one chunked pass with all sketches
  check    pipewarden.check(current, contract, reference=saved reference profile)
  drift    `pipewarden drift reference current --json OUT` (both tables profiled, the
           multivariate test on 20,000-row samples), as a ratio to the floor of both

Usage: python benchmarks/bench_profile.py [--rows N] [--repeat R] [--out DIR]
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _floor(path: str) -> None:
    import polars as pl
    from _table import floor

    floor(pl.read_parquet(path))


def _profile(path: str) -> None:
    import pipewarden as pw

    pw.profile(path)


def _check(path: str, contract: str, reference: str) -> None:
    import pipewarden as pw

    pw.check(path, contract, reference=reference)


def _drift(reference: str, current: str, out: str) -> None:
    import contextlib

    import typer

    from pipewarden.cli.drift import drift_command

    # Drift found ends the command with exit code 1, as it should.
    with contextlib.suppress(typer.Exit):
        drift_command(
            reference,
            current,
            contract=None,
            label="label",
            prediction=None,
            time="ts",
            json_out=out,
            html_out=None,
            correction="bh",
            sample_rows=20_000,
            fail_on="error",
        )


def _child(argv: list[str]) -> None:
    kind, *args = argv
    import polars  # noqa: F401  # imports are not part of the work measured
    import scipy.special  # noqa: F401  # drift statistics import it on first use
    import sklearn.ensemble  # noqa: F401  # the multivariate drift test's model

    import pipewarden  # noqa: F401
    import pipewarden.drift.compare  # noqa: F401

    # The modules each step imports on first use: loading them is not the work.
    for module in ("workflows.profile", "workflows.check", "cli.drift"):
        importlib.import_module(f"pipewarden.{module}")

    start, cpu = time.perf_counter(), time.process_time()
    steps: dict[str, Callable[..., None]] = {
        "floor": _floor,
        "profile": _profile,
        "check": _check,
        "drift": _drift,
    }
    steps[kind](*args)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    rss = _peak_rss()
    print(json.dumps({"seconds": seconds, "cpu": cpu, "rss": rss}))


def _peak_rss() -> int:
    """This process's peak resident set (VmHWM; unlike ru_maxrss, reset by exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _measure(args: list[str], repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, __file__, "--child", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {
        "seconds": min(r["seconds"] for r in runs),
        "cpu": sorted(r["cpu"] for r in runs)[len(runs) // 2],
        "rss": max(r["rss"] for r in runs),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default="bench-data")
    a = ap.parse_args()
    import polars as pl
    from _table import make_tables

    import pipewarden as pw

    ref, cur = make_tables(a.rows, a.out)
    in_memory = pl.read_parquet(ref).estimated_size()
    work = Path(a.out)
    contract_path, profile_path = (
        work / "contract.yaml",
        work / "reference_profile.json",
    )
    prof = pw.profile(ref)
    prof.save(profile_path)
    pw.dump_contract(
        pw.infer_contract(prof, label="label", time="ts", id="i_id"), contract_path
    )

    floor = _measure(["floor", str(cur)], a.repeat)
    rows = [
        ("floor (bare Polars pass)", floor),
        ("pipewarden profile", _measure(["profile", str(cur)], a.repeat)),
        (
            "pipewarden check (vs saved reference profile)",
            _measure(
                ["check", str(cur), str(contract_path), str(profile_path)], a.repeat
            ),
        ),
    ]
    print(
        f"standard table: {a.rows:,} rows x 20 columns, {in_memory / 1e6:,.0f} MB in "
        f"memory; best of {a.repeat}, each in a fresh process"
    )
    drift = _measure(["drift", str(ref), str(cur), str(work / "drift.json")], a.repeat)
    print(
        f"{'step':<48}{'seconds':>9}{'x floor':>9}{'CPU s':>8}{'x floor':>9}"
        f"{'peak RSS MB':>13}{'x table':>9}"
    )
    rows.append(("pipewarden drift (both tables; x floor of both)", drift))
    for name, m in rows:
        times = 2 if name.startswith("pipewarden drift") else 1
        print(
            f"{name:<48}{m['seconds']:>9.2f}"
            f"{m['seconds'] / (times * floor['seconds']):>9.2f}{m['cpu']:>8.2f}"
            f"{m['cpu'] / (times * floor['cpu']):>9.2f}{m['rss'] / 1e6:>13,.0f}"
            f"{m['rss'] / (times * in_memory):>9.2f}"
        )
    print(
        "seconds: best wall time of the runs; CPU s: the median run's user + system "
        "time (a busy machine inflates it far less than wall time)"
    )
    found = json.loads((work / "drift.json").read_text())
    flagged = sorted(
        f"{c['column']} ({c['statistic']})"
        for key in ("columns", "nulls")
        for c in found.get(key) or []
        if c["drifted"]
    )
    multi = found.get("multivariate") or {}
    print(
        f"drift flagged: {', '.join(flagged)}; multivariate AUC "
        f"{multi.get('auc', float('nan')):.3f} (drifted: {multi.get('drifted')})"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
    else:
        main()
