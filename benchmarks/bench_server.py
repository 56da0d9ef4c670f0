"""Benchmark the server over HTTP: a /metrics scrape and the overview page.

    .venv/bin/python benchmarks/bench_server.py [--datasets 100] [--runs 10000]

Fills a SQLite store with ``--runs`` runs spread over ``--datasets`` datasets (a
10-column profile each, a drift finding per column, one open alert per failing
dataset), starts ``pipewarden serve`` on 127.0.0.1 in a subprocess, and times real
HTTP requests with httpx (keep-alive, one client). Targets: ``/metrics`` with 100
datasets <= 100 ms; the overview page with 10,000 runs <= 300 ms. The floor is the
bare SQL the overview needs (newest run per dataset with its run count), timed on the
same database in the same run.

Prediction ingest: ``--ingest-batches`` batches of 1,000 rows (an id, an event time,
eight inputs, the prediction) POSTed as JSON to ``/api/models/NAME/predictions``, one
after another, each with its batch key, then the same as Parquet uploads; bodies are
encoded before the clock starts, and the server is a second one at the default
background interval; throughput (rows/s, target >= 50,000) and the p50/p99 latency
of a batch. Its floor: inserting the same (id, time, prediction) rows
with a bare SQLite ``executemany`` into a scratch table of the same database.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import polars as pl

from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.contracts.infer import infer_contract
from pipewarden.env.fingerprint import capture
from pipewarden.monitor.metrics import profile_metrics
from pipewarden.monitor.rules import RuleSet
from pipewarden.store import Run, open_store
from pipewarden.store.records import new_run_id
from pipewarden.workflows.alerts import alert_on_run
from pipewarden.workflows.profile import profile

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SRC = Path(__file__).resolve().parents[1] / "src"


def fill(url: str, datasets: int, runs: int) -> None:
    rng = np.random.default_rng(0)
    frame = pl.DataFrame(
        {f"c{i}": rng.normal(i, 1, 2000) for i in range(8)}
        | {"g": rng.choice(["a", "b", "c"], 2000), "n": rng.integers(0, 9, 2000)}
    )
    prof = profile(frame)
    contract = infer_contract(prof, name="bench")
    env = capture()
    per = runs // datasets
    failing = []
    with open_store(url) as store:
        batch: list[tuple[Run, list]] = []
        for d in range(datasets):
            name = f"dataset_{d:03d}"
            for r in range(per):
                at = T0 + timedelta(hours=r, minutes=d)
                fail = r == per - 1 and d % 10 == 0
                findings = tuple(
                    Finding(
                        "drift.psi", c, Severity.INFO, f"{c} psi", 0.01 * (r % 7), 0.2
                    )
                    for c in prof.column_names
                ) + (
                    (Finding("nulls.rate", "c0", Severity.ERROR, "c0 nulls", 0.3, 0.1),)
                    if fail
                    else ()
                )
                run = Run(
                    id=new_run_id(at),
                    dataset=name,
                    started_at=at,
                    finished_at=at + timedelta(seconds=2),
                    result=CheckResult(rows=prof.rows, findings=findings, dataset=name),
                    profile=prof,
                    contract=contract,
                    contract_digest=contract.digest,
                    environment=env,
                )
                points = profile_metrics(
                    prof, dataset=name, recorded_at=at, run_id=run.id
                )
                batch.append((run, points))
                if fail:
                    failing.append(run)
                if len(batch) == 500:
                    store.save_runs(batch)
                    batch = []
        if batch:
            store.save_runs(batch)
        for run in failing:
            alert_on_run(store, run, RuleSet.default(), now=run.finished_at, environ={})


INGEST_ROWS = 1000
WARM_BATCHES = 5
"""Batches sent before each timed ingest, untimed, with ids of their own."""


def ingest_batches(n: int) -> list[list[dict[str, object]]]:
    rng = np.random.default_rng(7)
    batches = []
    for b in range(n):
        x = rng.normal(size=(INGEST_ROWS, 8))
        start = T0 + timedelta(days=b // 24, hours=b % 24)
        batches.append(
            [
                {
                    "id": f"b{b}-{i}",
                    "ts": (start + timedelta(seconds=3 * i)).isoformat(),
                    **{f"x{j}": float(x[i, j]) for j in range(8)},
                    "pred": float(x[i].sum()),
                }
                for i in range(INGEST_ROWS)
            ]
        )
    return batches


def fill_models(url: str, models: int) -> None:
    """Models with a day of 200 labelled predictions each."""
    from pipewarden.workflows.models import register_model
    from pipewarden.workflows.traffic import log_labels, log_predictions

    rng = np.random.default_rng(3)
    env = capture()
    with open_store(url) as store:
        for m in range(models):
            x = rng.normal(size=(200, 3))
            frame = pl.DataFrame(
                {
                    "id": [f"m{m}-{i}" for i in range(200)],
                    "ts": [T0 + timedelta(minutes=7 * i) for i in range(200)],
                    **{f"x{j}": x[:, j] for j in range(3)},
                    "pred": x.sum(axis=1),
                    "y": x.sum(axis=1) + rng.normal(scale=0.3, size=200),
                }
            )
            name = f"model_{m:03d}"
            register_model(
                name,
                "1",
                {"m": m},
                training_data=frame.select("x0", "x1", "x2", "y"),
                label="y",
                environment=env,
                store=store,
            )
            log_predictions(
                name,
                frame.drop("y"),
                id="id",
                prediction="pred",
                time="ts",
                store=store,
            )
            log_labels(name, frame.select("id", "y"), id="id", label="y", store=store)


def wait_for_reports(client: httpx.Client, models: int) -> float:
    """Seconds until the background loop has computed every model's report."""
    start = time.perf_counter()
    while True:
        listed = client.get("/api/models").json()
        if sum(m["report"] == "current" for m in listed) >= models:
            return time.perf_counter() - start
        time.sleep(0.5)


def register_ingest_model(url: str) -> None:
    from pipewarden.workflows.models import register_model

    rng = np.random.default_rng(0)
    train = pl.DataFrame({f"x{j}": rng.normal(size=500) for j in range(8)})
    train = train.with_columns(y=pl.sum_horizontal(pl.all()))
    with open_store(url) as store:
        register_model(
            "ingest", "1", {"w": 1}, training_data=train, label="y", store=store
        )


def ingest(
    client: httpx.Client,
    token: str,
    batches: list[list[dict[str, object]]],
    key: str = "bench",
) -> tuple[float, list[float]]:
    """The batches as JSON bodies (encoded before the clock starts, as the Parquet
    files are: the figure is the server's, not the client's ``json.dumps``)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = [
        json.dumps(
            {
                "records": records,
                "id": "id",
                "prediction": "pred",
                "time": "ts",
                "batch_key": f"{key}-{b}",
            }
        ).encode()
        for b, records in enumerate(batches)
    ]
    latencies = []
    start = time.perf_counter()
    for body in bodies:
        began = time.perf_counter()
        got = client.post(
            "/api/models/ingest/predictions", content=body, headers=headers
        )
        latencies.append((time.perf_counter() - began) * 1000)
        got.raise_for_status()
        assert got.json()["stored"] == INGEST_ROWS, got.text
    return time.perf_counter() - start, latencies


def ingest_parquet(
    client: httpx.Client,
    token: str,
    batches: list[list[dict[str, object]]],
    key: str = "parquet",
) -> tuple[float, list[float]]:
    """The same batches as Parquet files, uploaded (encoded before the clock starts)."""
    import io

    bodies = []
    for records in batches:
        buffer = io.BytesIO()
        frame = pl.DataFrame(records).with_columns(
            pl.col("ts").str.to_datetime(time_zone="UTC"),
            pl.col("id").str.replace("^b", "p"),  # new ids: not logged before
        )
        frame.write_parquet(buffer)
        bodies.append(buffer.getvalue())
    headers = {"Authorization": f"Bearer {token}"}
    form = {"id": "id", "prediction": "pred", "time": "ts"}
    latencies = []
    start = time.perf_counter()
    for b, body in enumerate(bodies):
        began = time.perf_counter()
        got = client.post(
            "/api/models/ingest/predictions/upload",
            files={"file": ("batch.parquet", body)},
            data={**form, "batch_key": f"{key}-{b}"},
            headers=headers,
        )
        latencies.append((time.perf_counter() - began) * 1000)
        got.raise_for_status()
        assert got.json()["stored"] == INGEST_ROWS, got.text
    return time.perf_counter() - start, latencies


def ingest_floor_s(url: str, batches: list[list[dict[str, object]]]) -> float:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("create table bench_floor (id text primary key, t text, p real)")
        )
    start = time.perf_counter()
    for records in batches:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "insert into bench_floor values (?, ?, ?)",
                [(r["id"], r["ts"], r["pred"]) for r in records],
            )
    took = time.perf_counter() - start
    engine.dispose()
    return took


def floor_ms(url: str, repeats: int) -> list[float]:
    """The overview's bare SQL: newest run per dataset, with the run count."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    sql = sa.text(
        "select r.* , l.n from runs r join (select dataset, max(started_at) m, "
        "count(*) n from runs group by dataset) l on r.dataset = l.dataset and "
        "r.started_at = l.m"
    )
    times = []
    with engine.connect() as conn:
        for _ in range(repeats):
            start = time.perf_counter()
            conn.execute(sql).all()
            times.append((time.perf_counter() - start) * 1000)
    engine.dispose()
    return times


def serve(
    url: str, folder: Path, background_seconds: float = 1.0
) -> tuple[subprocess.Popen[bytes], str, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_urlsafe(24)
    env = {**os.environ, "PIPEWARDEN_TOKEN": token, "PYTHONPATH": str(SRC)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipewarden",
            "serve",
            "--store",
            url,
            "--port",
            str(port),
            "--background-seconds",
            str(background_seconds),
            "--column-metrics",
            "dataset_000",
        ],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return process, base, token
        except httpx.HTTPError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("pipewarden serve did not start")


def timed(client: httpx.Client, path: str, repeats: int) -> tuple[list[float], int]:
    client.get(path)  # warm: templates, plotly, first connection
    times, size = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        got = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        got.raise_for_status()
        size = len(got.content)
    return times, size


def newest_run(client: httpx.Client) -> str:
    return "/runs/" + client.get("/api/runs", params={"limit": 1}).json()[0]["id"]


def line(name: str, times: list[float], floor: float, size: int, target: float) -> str:
    median = statistics.median(times)
    p95 = sorted(times)[int(0.95 * (len(times) - 1))]
    verdict = "met" if median <= target else "NOT met"
    return (
        f"{name:<34} median {median:7.1f} ms  p95 {p95:7.1f} ms  "
        f"{median / floor:6.1f}x floor  {size / 1024:7.1f} KiB  target <= {target:.0f} ms: {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=100)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--ingest-batches", type=int, default=100)
    parser.add_argument("--models", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'bench.db'}"
        start = time.perf_counter()
        fill(url, args.datasets, args.runs)
        print(
            f"filled {args.runs:,} runs of {args.datasets} datasets in "
            f"{time.perf_counter() - start:.1f} s"
        )
        start = time.perf_counter()
        fill_models(url, args.models)
        print(
            f"registered {args.models} models with 200 labelled predictions each in "
            f"{time.perf_counter() - start:.1f} s"
        )
        register_ingest_model(url)
        batches = ingest_batches(args.ingest_batches + 2 * WARM_BATCHES)
        warm_batches, batches = (
            batches[args.ingest_batches :],
            batches[: args.ingest_batches],
        )
        floor = statistics.median(floor_ms(url, args.repeats))
        print(f"floor (bare SQL: newest run per dataset)  median {floor:.1f} ms")
        process, base, _token = serve(url, folder)
        try:
            with httpx.Client(base_url=base, timeout=30) as client:
                took = wait_for_reports(client, args.models)
                print(
                    f"background loop computed {args.models} model reports in {took:.1f} s"
                )
                for name, path, target in (
                    ("/metrics scrape", "/metrics", 100.0),
                    ("overview page", "/", 300.0),
                    ("/api/datasets", "/api/datasets", 300.0),
                    ("dataset page (history charts)", "/datasets/dataset_000", 300.0),
                    ("runs page (100 newest)", "/runs", 300.0),
                    ("run page (charts, diff)", newest_run(client), 300.0),
                    ("alerts page", "/alerts", 300.0),
                    ("checklist page", "/checklist", 300.0),
                ):
                    times, size = timed(client, path, args.repeats)
                    print(line(name, times, floor, size, target))
        finally:
            process.terminate()
            process.wait(timeout=30)
        if batches:
            # Ingest against a server at the default background interval (30 s): at
            # 1 s, the loop above recomputed the ingested model's report every second.
            floor_s = ingest_floor_s(url, batches)
            process, base, _token = serve(url, folder, background_seconds=30.0)
            try:
                with httpx.Client(base_url=base, timeout=30) as client:
                    # Its first pass computes every model's report (~20 s here): a
                    # server starting up, not one ingesting; wait it out.
                    wait_for_reports(client, args.models)
                    for k, (how, send) in enumerate(
                        (("JSON", ingest), ("Parquet", ingest_parquet))
                    ):
                        # a few batches of other ids first, untimed (first requests)
                        send(client, _token, warm_batches[k::2], key=f"warm-{how}")
                        took, latencies = send(client, _token, batches)
                        print(ingest_line(how, took, latencies, len(batches), floor_s))
            finally:
                process.terminate()
                process.wait(timeout=30)
        print(f"load average {os.getloadavg()[0]:.1f}")


def ingest_line(
    how: str, took: float, latencies: list[float], n: int, floor_s: float
) -> str:
    rows = n * INGEST_ROWS
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    rate = rows / took
    return (
        f"prediction ingest ({how}, {INGEST_ROWS:,}-row batches)  "
        f"{rate:,.0f} rows/s  p50 {statistics.median(latencies):.1f} ms  "
        f"p99 {p99:.1f} ms  {took / floor_s:.1f}x floor "
        f"({rows / floor_s:,.0f} rows/s bare executemany)  target >= "
        f"50,000 rows/s: {'met' if rate >= 50_000 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
