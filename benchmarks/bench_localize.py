"""Fault-injection benchmark of ``pipewarden localize`` (issue #13).

A four-stage synthetic pipeline (ingest -> clean -> features -> score) with segments
(region, plan, channel) is recorded in a SQLite store: one good baseline run, then
``--faults`` faulty runs of nine kinds and ``--clean-runs`` no-fault runs, each with
natural noise (fresh samples, +-3% rows, +-1% drift of the spend mean). Each run is
localized against the baseline from the stored profiles alone. Printed: top-1 and
top-3 accuracy for stage, column and segment, with segment columns declared and
discovered, the false-alarm rate on no-fault runs, and the time of ``localize`` for
a 5-stage pipeline of 50 columns as a ratio to a floor (reading the same stored rows
with one SQL SELECT and nothing else).

    python benchmarks/bench_localize.py [--faults 63] [--clean-runs 24] [--rows 1500]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import text

from pipewarden.env.fingerprint import CodeVersion, capture
from pipewarden.store import open_store
from pipewarden.workflows.localize import localize
from pipewarden.workflows.pipeline import (
    checkpoint_stage,
    finish_pipeline_run,
    start_pipeline_run,
)

REGIONS = ("north", "south", "east", "west")
PLANS = ("basic", "gold", "pro")
STAGES = ("ingest", "clean", "features", "score")
CODE = CodeVersion("a" * 40, "main", False)
ENV = capture({})


@dataclass(frozen=True)
class Fault:
    kind: str
    stage: str
    columns: frozenset[str]  # any of these at rank 1 (top-1) / in the top 3
    segment: tuple[str, str] | None
    apply: Callable[[str, pl.DataFrame], pl.DataFrame]
    stale: bool = False
    package: bool = False


def source(seed: int, rows: int, day: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n = int(rows * rng.uniform(0.97, 1.03))
    start = datetime(2026, 11, 1) + timedelta(days=day)
    frame = pl.DataFrame(
        {
            "id": np.arange(n),
            "ts": [
                start + timedelta(seconds=int(s)) for s in rng.integers(0, 86400, n)
            ],
            "region": rng.choice(REGIONS, n),
            "plan": rng.choice(PLANS, n, p=[0.5, 0.3, 0.2]),
            "channel": rng.choice(["web", "app", "store"], n),
            "tenure": rng.gamma(3.0, 10.0, n),
            "spend": rng.normal(100.0 * rng.uniform(0.99, 1.01), 20.0, n),
            "visits": rng.poisson(4.0, n),
            **{f"x{i}": rng.normal(i, 1.0 + i / 3, n) for i in range(6)},
        }
    )
    return frame.with_columns(
        tenure=pl.when(pl.lit(rng.random(n)) < 0.02)
        .then(None)
        .otherwise(pl.col("tenure"))
    )


def stages(
    frame: pl.DataFrame,
    fault: Callable[[str, pl.DataFrame], pl.DataFrame],
    boost: float,
) -> dict[str, pl.DataFrame]:
    ingest = fault("ingest", frame)
    clean = fault("clean", ingest.filter(pl.col("spend") > 0))
    features = fault(
        "features",
        clean.with_columns(
            ratio=pl.col("spend") / (pl.col("tenure") + 1.0),
            spend_log=pl.col("spend").clip(1.0).log(),
        ),
    )
    score = fault(
        "score",
        features.with_columns(
            score=(pl.col("ratio").fill_null(0.0) * 0.1 * boost + pl.col("x1") * 0.05)
        ),
    )
    return {"ingest": ingest, "clean": clean, "features": features, "score": score}


def _where(
    stage: str, column: str, region: str | None, value: pl.Expr
) -> Callable[[str, pl.DataFrame], pl.DataFrame]:
    def apply(at: str, frame: pl.DataFrame) -> pl.DataFrame:
        if at != stage:
            return frame
        hit = pl.lit(True) if region is None else pl.col("region") == region
        return frame.with_columns(
            pl.when(hit).then(value).otherwise(pl.col(column)).alias(column)
        )

    return apply


def faults(count: int) -> list[Fault]:
    rng = np.random.default_rng(7)
    made: list[Fault] = []
    kinds = [
        "schema",
        "nulls",
        "zeroes",
        "unit",
        "join",
        "filter",
        "stale",
        "package",
        "remap",
    ]
    for i in range(count):
        kind = kinds[i % len(kinds)]
        region = str(rng.choice(REGIONS))
        stage = str(rng.choice(["clean", "features"]))
        column = str(rng.choice(["tenure", "spend", "x2", "x4", "visits"]))
        if kind == "schema":

            def schema(at: str, f: pl.DataFrame) -> pl.DataFrame:
                return (
                    f.drop("channel").with_columns(promo=pl.lit("X"))
                    if at == "ingest"
                    else f
                )

            made.append(
                Fault(kind, "ingest", frozenset({"channel", "promo"}), None, schema)
            )
        elif kind == "nulls":
            scope = region if i % 2 else None
            made.append(
                Fault(
                    kind,
                    stage,
                    frozenset({column}),
                    None if scope is None else ("region", scope),
                    _where(stage, column, scope, pl.lit(None)),
                )
            )
        elif kind == "zeroes":
            made.append(
                Fault(
                    kind,
                    stage,
                    frozenset({column}),
                    ("region", region),
                    _where(stage, column, region, pl.lit(0).cast(pl.Float64)),
                )
            )
        elif kind == "unit":
            col = str(rng.choice(["spend", "tenure", "x4"]))
            made.append(
                Fault(
                    kind,
                    "clean",
                    frozenset({col}),
                    ("region", region),
                    _where("clean", col, region, pl.col(col) * 100),
                )
            )
        elif kind == "join":
            plan = str(rng.choice(PLANS))

            def join(at: str, f: pl.DataFrame, plan: str = plan) -> pl.DataFrame:
                return (
                    pl.concat([f, f.filter(pl.col("plan") == plan)])
                    if at == "features"
                    else f
                )

            made.append(
                Fault(
                    kind,
                    "features",
                    frozenset({"(rows)", "plan"}),
                    ("plan", plan),
                    join,
                )
            )
        elif kind == "filter":

            def drop(at: str, f: pl.DataFrame, region: str = region) -> pl.DataFrame:
                return f.filter(pl.col("region") != region) if at == "clean" else f

            made.append(
                Fault(
                    kind,
                    "clean",
                    frozenset({"(rows)", "region"}),
                    ("region", region),
                    drop,
                )
            )
        elif kind == "stale":
            made.append(
                Fault(
                    kind, "ingest", frozenset({"ts"}), None, lambda _s, f: f, stale=True
                )
            )
        elif kind == "package":
            made.append(
                Fault(
                    kind,
                    "score",
                    frozenset({"score"}),
                    None,
                    lambda _s, f: f,
                    package=True,
                )
            )
        else:

            def remap(at: str, f: pl.DataFrame) -> pl.DataFrame:
                if at != "clean":
                    return f
                return f.with_columns(plan=pl.col("plan").replace({"gold": "premium"}))

            made.append(Fault(kind, "clean", frozenset({"plan"}), None, remap))
    return made


def record(
    store,
    day: int,
    frame: pl.DataFrame,
    fault: Callable,
    *,
    declared: bool,
    package: bool = False,
) -> str:
    moment = datetime(2026, 11, 1, 6, tzinfo=UTC) + timedelta(days=day)
    env = ENV
    if package:
        pkgs = dict(ENV.packages)
        pkgs["scikit-learn"] = "9.9.9"
        env = dataclasses.replace(ENV, packages=tuple(sorted(pkgs.items())))
    run = start_pipeline_run(
        "bench", store=store, now=moment, code=CODE, environment=env
    )
    outputs = stages(frame, fault, 1.3 if package else 1.0)
    for name in STAGES:
        checkpoint_stage(
            run.id,
            name,
            outputs[name],
            store=store,
            now=moment,
            environment=env,
            code=CODE,
            segments=["region", "plan"] if declared else None,
            environ={},
        )
    finish_pipeline_run(run.id, store=store, now=moment + timedelta(minutes=5))
    return run.id


def ranked_stages(found) -> list[str]:
    if found.stage is None:
        return []
    return list(dict.fromkeys([found.stage.name, *(c.stage for c in found.columns)]))


def evaluate(
    args: argparse.Namespace, *, declared: bool, folder: Path
) -> dict[str, float]:
    url = f"sqlite:///{folder / ('declared.db' if declared else 'discovered.db')}"
    hits: dict[str, list[bool]] = {
        k: [] for k in ("stage1", "stage3", "col1", "col3", "seg1", "seg3")
    }
    alarms: list[bool] = []
    with open_store(url) as store:
        base_frame = source(1, args.rows, 1)
        baseline = record(store, 1, base_frame, lambda _s, f: f, declared=declared)
        for i, fault in enumerate(faults(args.faults)):
            day = 2 + i
            frame = base_frame if fault.stale else source(100 + i, args.rows, day)
            bad = record(
                store, day, frame, fault.apply, declared=declared, package=fault.package
            )
            found = localize(bad, baseline=baseline, store=store)
            st = ranked_stages(found)
            cols = [c.column for c in found.columns]
            segs = [(s.column, s.value) for s in found.segments]
            hits["stage1"].append(st[:1] == [fault.stage])
            hits["stage3"].append(fault.stage in st[:3])
            hits["col1"].append(bool(cols[:1]) and cols[0] in fault.columns)
            hits["col3"].append(bool(set(cols[:3]) & fault.columns))
            if fault.segment is not None:
                hits["seg1"].append(segs[:1] == [fault.segment])
                hits["seg3"].append(fault.segment in segs[:3])
                if args.verbose and not hits["seg3"][-1]:
                    print(
                        f"  segment miss {fault.kind} {fault.segment}: {found.headline}"
                    )
            if args.verbose and not (hits["stage1"][-1] and hits["col3"][-1]):
                print(
                    f"  miss {fault.kind} {fault.stage} {set(fault.columns)}: {found.headline}"
                )
        for j in range(args.clean_runs):
            day = 2 + args.faults + j
            ok = record(
                store,
                day,
                source(1000 + j, args.rows, day),
                lambda _s, f: f,
                declared=declared,
            )
            found = localize(ok, baseline=baseline, store=store)
            alarms.append(found.stage is not None)
            if args.verbose and alarms[-1]:
                print(f"  false alarm: {found.headline}")
    out = {k: float(np.mean(v)) if v else float("nan") for k, v in hits.items()}
    out["false_alarms"] = float(np.mean(alarms))
    out["n_faults"] = args.faults
    out["n_segment_faults"] = len(hits["seg1"])
    return out


def timing(folder: Path) -> tuple[float, float]:
    """Median localize time vs a bare SELECT of the same stored rows (5 stages x 50)."""
    url = f"sqlite:///{folder / 'wide.db'}"
    rng = np.random.default_rng(3)
    ids = []
    with open_store(url) as store:
        for day in (1, 2):
            n = 5000
            frame = pl.DataFrame(
                {
                    "region": rng.choice(REGIONS, n),
                    **{f"c{i}": rng.normal(size=n) for i in range(49)},
                }
            )
            moment = datetime(2026, 11, day, 6, tzinfo=UTC)
            run = start_pipeline_run(
                "wide", store=store, now=moment, code=CODE, environment=ENV
            )
            for s in range(5):
                checkpoint_stage(
                    run.id,
                    f"s{s}",
                    frame,
                    store=store,
                    now=moment,
                    environment=ENV,
                    code=CODE,
                    segments=["region"],
                    environ={},
                )
            finish_pipeline_run(run.id, store=store, now=moment)
            ids.append(run.id)
        database = store.database  # type: ignore[attr-defined]
        times, floors = [], []
        for _ in range(7):
            t = time.perf_counter()
            with database.connect() as conn:
                for table in (
                    "pipeline_runs",
                    "stage_checkpoints",
                    "runs",
                    "profiles",
                    "findings",
                    "inputs",
                    "environments",
                    "contracts",
                ):
                    conn.execute(text(f"select * from {table}")).fetchall()  # noqa: S608
            floors.append(time.perf_counter() - t)
            t = time.perf_counter()
            localize(ids[1], baseline=ids[0], store=store)
            times.append(time.perf_counter() - t)
    return statistics.median(times), statistics.median(floors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", type=int, default=63)
    parser.add_argument("--clean-runs", type=int, default=24)
    parser.add_argument("--rows", type=int, default=1500)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results = {
            "declared": evaluate(args, declared=True, folder=folder),
            "discovered": evaluate(args, declared=False, folder=folder),
        }
        seconds, floor = timing(folder)
    print(
        f"{args.faults} faults of 9 kinds, {args.clean_runs} no-fault runs, "
        f"{args.rows} rows per run, 4 stages"
    )
    print(
        "| segments | stage top-1 | stage top-3 | column top-1 | column top-3 | "
        "segment top-1 | segment top-3 | false alarms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['stage1']:.0%} | {r['stage3']:.0%} | {r['col1']:.0%} | "
            f"{r['col3']:.0%} | {r['seg1']:.0%} | {r['seg3']:.0%} "
            f"(of {r['n_segment_faults']}) | {r['false_alarms']:.1%} |"
        )
    print(
        f"localize, 5 stages x 50 columns from stored profiles: {seconds * 1000:.0f} ms "
        f"(floor: SELECT of the same rows {floor * 1000:.1f} ms, x{seconds / floor:.1f})"
    )
    print(f"benchmark wall time: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
