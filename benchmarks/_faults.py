"""Faults and load, measured: the harness behind the new sections of RELIABILITY.md.

Every function here runs the real thing (threads, ``python -m pipewarden``
subprocesses, a real ``pipewarden serve`` on 127.0.0.1, a real local HTTP receiver,
SQLite files and PostgreSQL schemas) and returns plain figures. The tests in
tests/reliability/ call the same functions with small sizes and assert the figures
(rows lost 0, doubled 0, ...); ``benchmarks/reliability.py`` calls them with larger
ones and writes the tables.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import polars as pl
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
TOKEN = "faults-token-0123456789abcdef"
MODEL = "m"
T0 = datetime(2026, 11, 2, tzinfo=UTC)


def env(**extra: str) -> dict[str, str]:
    """The environment of a pipewarden subprocess: this checkout's code."""
    path = [str(SRC), *os.environ.get("PYTHONPATH", "").split(os.pathsep)]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in path if p), **extra}


def cli(
    args: list[str], cwd: Path, timeout: float = 120, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipewarden", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env(**extra),
        check=False,
    )


# ------------------------------------------------------------------ data


def predictions(ids: range, seed: int = 0) -> pl.DataFrame:
    """A batch of predictions of model m: id, ts, input x, prediction pred."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=len(ids))
    return pl.DataFrame(
        {
            "id": [f"r{i}" for i in ids],
            "ts": [T0 + timedelta(seconds=i) for i in ids],
            "x": x,
            "pred": 2 * x,
        }
    )


def labels(ids: range, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {"id": [f"r{i}" for i in ids], "y": rng.normal(size=len(ids)).round(6)}
    )


def register(url: str) -> None:
    """Register model m:1 (regression on x) in the store at ``url``."""
    from pipewarden.store import open_store
    from pipewarden.workflows.models import register_model

    rng = np.random.default_rng(7)
    x = rng.normal(size=200)
    training = pl.DataFrame({"x": x, "y": 2 * x + rng.normal(scale=0.1, size=200)})
    with open_store(url) as store:
        register_model(
            MODEL, "1", {"w": 1}, training_data=training, label="y", store=store
        )


def stored(url: str) -> dict[str, int]:
    """Rows and distinct ids of the predictions and labels tables, and batches."""
    database = sa.create_engine(url)
    try:
        with database.connect() as conn:
            out = {}
            for table in ("predictions", "labels"):
                rows, distinct = conn.execute(
                    sa.text(f"SELECT count(*), count(DISTINCT row_id) FROM {table}")
                ).one()
                out[f"{table}_rows"] = int(rows)
                out[f"{table}_distinct"] = int(distinct)
            out["batches"] = int(
                conn.execute(sa.text("SELECT count(*) FROM monitor_batches")).scalar()
                or 0
            )
            out["batches_unfilled"] = int(
                conn.execute(
                    sa.text(
                        "SELECT count(*) FROM monitor_batches AS b WHERE kind = "
                        "'predictions' AND stored <> (SELECT count(*) FROM "
                        "predictions AS p WHERE p.batch_id = b.id)"
                    )
                ).scalar()
                or 0
            )
        return out
    finally:
        database.dispose()


# ------------------------------------------------------------------ exactly once


@dataclass
class Tally:
    """What the clients sent and what the receipts said."""

    ids: set[str] = field(default_factory=set)
    label_ids: set[str] = field(default_factory=set)
    sent_batches: int = 0
    retried: int = 0
    receipts_stored: int = 0
    label_receipts_new: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ids: list[str], receipt: dict[str, Any]) -> None:
        with self.lock:
            self.sent_batches += 1
            if receipt["already_logged"]:  # another client's: it stored nothing now
                (self.ids if kind == "predictions" else self.label_ids).update(ids)
                return
            if kind == "predictions":
                self.ids.update(ids)
                self.receipts_stored += int(receipt["stored"])
            else:
                self.label_ids.update(ids)
                self.label_receipts_new += int(receipt["counts"].get("new", 0))


def plan(client: int, batches: int, rows: int, overlap: int) -> list[range]:
    """Client ``client``'s batches: consecutive id ranges that overlap the next
    client's by ``overlap`` rows per batch."""
    step = rows - overlap
    start = client * batches * step
    return [range(start + b * step, start + b * step + rows) for b in range(batches)]


def verdict(url: str, tally: Tally) -> dict[str, Any]:
    found = stored(url)
    return {
        "batches_sent": tally.sent_batches,
        "retries": tally.retried,
        "ids_sent": len(tally.ids),
        "predictions_stored": found["predictions_rows"],
        "predictions_lost": len(tally.ids) - found["predictions_distinct"],
        "predictions_doubled": found["predictions_rows"]
        - found["predictions_distinct"],
        "receipts_agree": tally.receipts_stored == found["predictions_rows"],
        "label_ids_sent": len(tally.label_ids),
        "labels_stored": found["labels_rows"],
        "labels_lost": len(tally.label_ids) - found["labels_distinct"],
        "labels_doubled": found["labels_rows"] - found["labels_distinct"],
        "label_receipts_agree": tally.label_receipts_new == found["labels_rows"],
        "batches_half_written": found["batches_unfilled"],
        "errors": tally.errors,
    }


def exactly_once_api(
    url: str, *, clients: int = 4, batches: int = 4, rows: int = 200
) -> dict[str, Any]:
    """Threads calling ``log_predictions``/``log_labels`` with overlapping batches,
    each batch sent twice (a retry), and one batch every client sends at once."""
    from pipewarden.workflows.traffic import log_labels, log_predictions

    register(url)
    tally = Tally()
    shared = predictions(range(10_000_000, 10_000_000 + rows))
    barrier = threading.Barrier(clients)

    def client(number: int) -> None:
        try:
            barrier.wait()
            receipt = log_predictions(
                MODEL,
                shared,
                id="id",
                prediction="pred",
                time="ts",
                store=url,
                batch_key="shared-batch",
            )
            tally.add("predictions", shared["id"].to_list(), receipt.to_dict())
            for ids in plan(number, batches, rows, rows // 4):
                frame = predictions(ids, seed=ids.start)
                for attempt in range(2):
                    receipt = log_predictions(
                        MODEL,
                        frame,
                        id="id",
                        prediction="pred",
                        time="ts",
                        store=url,
                        batch_key=f"p-{ids.start}-{ids.stop}",
                    )
                    if attempt:
                        tally.retried += 1
                        if not receipt.already_logged:
                            tally.errors.append(f"retry of {ids} stored again")
                        continue
                    tally.add("predictions", frame["id"].to_list(), receipt.to_dict())
                batch = labels(ids, seed=ids.start)
                for attempt in range(2):
                    receipt = log_labels(
                        MODEL,
                        batch,
                        id="id",
                        label="y",
                        store=url,
                        batch_key=f"l-{ids.start}-{ids.stop}",
                    )
                    if not attempt:
                        tally.add("labels", batch["id"].to_list(), receipt.to_dict())
        except Exception as exc:  # counted, and the test shows it
            tally.errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"face": "python", "clients": clients, **verdict(url, tally)}


def log_predictions_args(data: str, url: str) -> list[str]:
    """``pipewarden predictions log`` of one batch file into the model ``MODEL``."""
    return [
        "predictions", "log", MODEL, data, "--id", "id", "--prediction", "pred",
        "--time", "ts", "--store", url,
    ]  # fmt: skip


def log_labels_args(data: str, url: str) -> list[str]:
    """``pipewarden labels log`` of one label file for the model ``MODEL``."""
    return [
        "labels", "log", MODEL, data, "--id", "id", "--label", "y", "--store", url,
    ]  # fmt: skip


def cli_receipt(text: str) -> dict[str, Any]:
    """The receipt the CLI printed: 'Logged N of M ... (new K, ...)' or 'logged
    before'."""
    flat = " ".join(text.split())
    if "was logged before" in flat:
        return {"already_logged": True, "stored": 0, "counts": {}}
    found = re.search(r"Logged ([\d,]+) of", flat)
    if found is None:
        raise ValueError(f"not a receipt: {flat!r}")
    counts = {
        key.replace(" ", "_"): int(value.replace(",", ""))
        for key, value in re.findall(r"([a-z ]+?) ([\d,]+)(?:,|\))", flat)
    }
    return {
        "already_logged": False,
        "stored": int(found.group(1).replace(",", "")),
        "counts": {k.strip("_"): v for k, v in counts.items()},
    }


def exactly_once_cli(
    url: str, folder: Path, *, clients: int = 2, batches: int = 3, rows: int = 300
) -> dict[str, Any]:
    """Concurrent ``pipewarden predictions log`` / ``labels log`` processes with
    overlapping files, each file logged twice."""
    register(url)
    tally = Tally()

    def client(number: int) -> None:
        for ids in plan(number, batches, rows, rows // 3):
            data = folder / f"p{ids.start}.parquet"
            predictions(ids, seed=ids.start).write_parquet(data)
            truth = folder / f"l{ids.start}.parquet"
            labels(ids, seed=ids.start).write_parquet(truth)
            for attempt in range(2):
                done = cli(log_predictions_args(str(data), url), folder)
                if done.returncode != 0:
                    tally.errors.append(done.stderr.strip()[-300:])
                    continue
                receipt = cli_receipt(done.stdout)
                if attempt:
                    tally.retried += 1
                    if not receipt["already_logged"]:
                        tally.errors.append(f"retry of {data.name} stored again")
                    continue
                tally.add("predictions", [f"r{i}" for i in ids], receipt)
            done = cli(log_labels_args(str(truth), url), folder)
            if done.returncode != 0:
                tally.errors.append(done.stderr.strip()[-300:])
            else:
                tally.add("labels", [f"r{i}" for i in ids], cli_receipt(done.stdout))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"face": "cli", "clients": clients, **verdict(url, tally)}


# ------------------------------------------------------------------ a real server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def serve(
    url: str,
    folder: Path,
    *args: str,
    port: int | None = None,
    token: str | None = TOKEN,
    name: str = "serve",
    extra_env: dict[str, str] | None = None,
) -> Served:
    """``pipewarden serve`` in a subprocess, its stdout+stderr in ``folder/NAME.log``;
    returns once it answers."""
    port = port or free_port()
    log = folder / f"{name}.log"
    extra = {"PIPEWARDEN_TOKEN": token} if token else {}
    environment = env(**extra, **(extra_env or {}))
    if token is None:
        environment.pop("PIPEWARDEN_TOKEN", None)
    with log.open("ab") as sink:
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
                *args,
            ],
            cwd=folder,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=environment,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serve exited: {log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/healthz", timeout=2).status_code < 500:
                return Served(process, base, log)
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"serve did not answer in 60 s: {log.read_text()[-2000:]}")


def records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.with_columns(
        pl.col("ts").dt.to_string("%Y-%m-%dT%H:%M:%SZ")
    ).to_dicts()


def post_retrying(
    client: httpx.Client, path: str, body: dict[str, Any], key: str, attempts: int = 6
) -> dict[str, Any]:
    """POST with the batch key, retrying on 5xx and connection errors with backoff."""
    wait = 0.1
    for attempt in range(attempts):
        try:
            response = client.post(
                path,
                json=body,
                headers={"Idempotency-Key": key, "Authorization": f"Bearer {TOKEN}"},
            )
            if response.status_code < 500:
                response.raise_for_status()
                return dict(response.json())
        except httpx.TransportError:
            pass
        if attempt == attempts - 1:
            break
        time.sleep(wait)
        wait *= 2
    raise RuntimeError(f"POST {path} failed {attempts} times")


def exactly_once_http(
    url: str, folder: Path, *, clients: int = 4, batches: int = 4, rows: int = 200
) -> dict[str, Any]:
    """HTTP clients (threads) against a real ``pipewarden serve``: overlapping
    batches, each sent twice with its Idempotency-Key (a retry after a lost answer)."""
    register(url)
    served = serve(url, folder, "--background-seconds", "0", name="exactly-once")
    tally = Tally()
    try:

        def client(number: int) -> None:
            with httpx.Client(base_url=served.base, timeout=60) as http:
                try:
                    for ids in plan(number, batches, rows, rows // 4):
                        frame = predictions(ids, seed=ids.start)
                        body = {
                            "records": records(frame),
                            "id": "id",
                            "prediction": "pred",
                            "time": "ts",
                        }
                        key = f"h-{ids.start}"
                        for attempt in range(2):
                            receipt = post_retrying(
                                http, f"/api/models/{MODEL}/predictions", body, key
                            )
                            if attempt:
                                tally.retried += 1
                                if not receipt["already_logged"]:
                                    tally.errors.append(f"retry {key} stored again")
                            else:
                                tally.add("predictions", frame["id"].to_list(), receipt)
                        truth = labels(ids, seed=ids.start)
                        receipt = post_retrying(
                            http,
                            f"/api/models/{MODEL}/labels",
                            {"records": truth.to_dicts(), "id": "id", "label": "y"},
                            f"hl-{ids.start}",
                        )
                        tally.add("labels", truth["id"].to_list(), receipt)
                except Exception as exc:
                    tally.errors.append(f"{type(exc).__name__}: {exc}")

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        served.stop()
    return {"face": "http", "clients": clients, **verdict(url, tally)}


# ------------------------------------------------------------------ webhook receiver


class Receiver:
    """A local HTTP webhook receiver that can be up, down (port closed), hanging
    or answering 500; it records every event_id it accepted."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.mode = "ok"
        self.accepted: list[int] = []
        self.requests = 0
        self._server: ThreadingHTTPServer | None = None
        self._release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                outer.requests += 1
                if outer.mode == "hang":
                    outer._release.wait(30)
                    return
                if outer.mode == "500":
                    self.send_response(500)
                    self.end_headers()
                    return
                outer.accepted.append(int(body.get("event_id", -1)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._release = threading.Event()


def rules_text(receiver: Receiver, backoff: str = "0.2s", timeout: float = 1.0) -> str:
    return (
        "kind: pipewarden/rules\nversion: 1\nrules:\n"
        "  - name: mae-high\n    check: perf.mae\n    above: 1.0\n"
        "    severity: sev2\n"
        f"notify:\n  - name: hook\n    webhook: {receiver.url}\n"
        f"    timeout: {timeout}\n    backoff: {backoff}\n"
    )


def open_alerts(
    url: str,
    count: int,
    receiver: Receiver,
    *,
    backoff: str = "0.2s",
    timeout: float = 1.0,
    first: int = 0,
) -> int:
    """Open ``count`` alerts (one per subject) whose notifications go to
    ``receiver``, through the rules and ``sync_alerts``; how many events were made."""
    from pipewarden.monitor._rules_yaml import parse_rules
    from pipewarden.monitor.alerts import sync_alerts
    from pipewarden.monitor.rules import Observation
    from pipewarden.store import open_store

    rules = parse_rules(rules_text(receiver, backoff, timeout))
    window = datetime(2026, 11, 2, tzinfo=UTC)
    observations = [
        Observation(subject=f"model:s{n}:1", window=window, check="perf.mae", value=5.0)
        for n in range(first, first + count)
    ]
    with open_store(url) as store:
        events = sync_alerts(
            store,
            rules,
            rules.evaluate(observations),
            observations,
            now=datetime.now(UTC),
        )
    return len(events)


def outbox(url: str) -> dict[str, int]:
    from pipewarden.store import open_store

    with open_store(url) as store:
        items = store.list_outbox()
    out: dict[str, int] = {"total": len(items)}
    for item in items:
        out[item.status] = out.get(item.status, 0) + 1
    return out


def wait_for(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@contextlib.contextmanager
def folder_of(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        import shutil

        shutil.rmtree(path, ignore_errors=True)


def kill_at_random(
    start: Callable[[], subprocess.Popen[bytes]],
    *,
    kills: int,
    span: float,
    seed: int,
    low: float = 0.05,
) -> dict[str, Any]:
    """Start a process ``kills`` times and SIGKILL it at a random moment in
    [low, span] seconds; count the kills that landed and the runs that finished."""
    rng = random.Random(seed)
    killed = finished = 0
    for _ in range(kills):
        process = start()
        time.sleep(rng.uniform(low, max(span, low + 0.1)))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        else:
            finished += 1
        process.wait()
    return {"attempts": kills, "killed": killed, "finished": finished}


# ------------------------------------------------------------------ SIGKILL


def alerts_whole(url: str) -> dict[str, int]:
    """Alerts whose state their events do not explain, and duplicates of open ones."""
    database = sa.create_engine(url)
    try:
        with database.connect() as conn:
            alerts = int(
                conn.execute(sa.text("SELECT count(*) FROM alerts")).scalar() or 0
            )
            eventless = int(
                conn.execute(
                    sa.text(
                        "SELECT count(*) FROM alerts AS a WHERE NOT EXISTS (SELECT 1 "
                        "FROM alert_events AS e WHERE e.alert_id = a.id)"
                    )
                ).scalar()
                or 0
            )
            status_unexplained = int(
                conn.execute(
                    sa.text(
                        "SELECT count(*) FROM alerts AS a WHERE "
                        "(a.status = 'acknowledged' AND NOT EXISTS (SELECT 1 FROM "
                        "alert_events AS e WHERE e.alert_id = a.id AND "
                        "e.kind = 'acknowledged')) OR (a.status = 'resolved' AND NOT "
                        "EXISTS (SELECT 1 FROM alert_events AS e WHERE e.alert_id = a.id "
                        "AND e.kind = 'resolved'))"
                    )
                ).scalar()
                or 0
            )
            doubled_open = int(
                conn.execute(
                    sa.text(
                        "SELECT count(*) FROM (SELECT rule, subject FROM alerts WHERE "
                        "status <> 'resolved' GROUP BY rule, subject, column_name "
                        "HAVING count(*) > 1) AS d"
                    )
                ).scalar()
                or 0
            )
        return {
            "alerts": alerts,
            "eventless": eventless,
            "status_unexplained": status_unexplained,
            "doubled_open": doubled_open,
        }
    finally:
        database.dispose()


def _popen(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "pipewarden", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env(),
    )


def _span(args: list[str], cwd: Path) -> float:
    started = time.monotonic()
    done = cli(args, cwd)
    if done.returncode not in (0, 1):
        raise RuntimeError(done.stderr[-1000:])
    return time.monotonic() - started


def kill_faults(
    url: str, folder: Path, *, kills: int = 4, rows: int = 20_000, seed: int = 21
) -> dict[str, Any]:
    """SIGKILL at random moments during a prediction ingest, a label join, a window
    computation (``monitor``, which also moves alerts) and alert transitions (ack,
    resolve); then check every write is whole or absent and the next runs finish.

    Returns per phase the kills that landed, and the checks after them.
    """
    register(url)
    receiver = Receiver()
    (folder / "rules.yaml").write_text(
        rules_text(receiver).replace("above: 1.0", "above: 0.05")
    )
    phases: dict[str, Any] = {}
    files = []
    for n in range(kills + 1):
        ids = range(n * rows, (n + 1) * rows)
        predictions(ids, seed=n).write_parquet(folder / f"p{n}.parquet")
        labels(ids, seed=n).write_parquet(folder / f"l{n}.parquet")
        files.append(n)

    def log(n: int) -> list[str]:
        return log_predictions_args(f"p{n}.parquet", url)

    def join(n: int) -> list[str]:
        return log_labels_args(f"l{n}.parquet", url)

    monitor = [
        "monitor",
        MODEL,
        "--window",
        "hour",
        "--rules",
        "rules.yaml",
        "--store",
        url,
    ]
    span = _span(log(0), folder)
    # most of a short command is Python's imports: kill after most of them
    startup = 0.5 * span
    counter = iter(range(1, kills + 1))
    phases["prediction ingest"] = kill_at_random(
        lambda: _popen(log(next(counter)), folder),
        kills=kills,
        span=span * 1.1,
        seed=seed,
        low=startup,
    )
    phases["prediction ingest"]["after"] = stored(url)
    span = _span(join(0), folder)
    counter = iter(range(1, kills + 1))
    phases["label join"] = kill_at_random(
        lambda: _popen(join(next(counter)), folder),
        kills=kills,
        span=span * 1.1,
        seed=seed + 1,
        low=startup,
    )
    phases["label join"]["after"] = stored(url)
    span = _span(monitor, folder)
    phases["window computation"] = kill_at_random(
        lambda: _popen(monitor, folder),
        kills=kills,
        span=span * 1.1,
        seed=seed + 2,
        low=startup,
    )
    phases["window computation"]["after"] = alerts_whole(url)
    from pipewarden.store import open_store

    with open_store(url) as store:
        ids = [a.id for a in store.list_alerts()]
    transitions = [
        ["alerts", "ack", str(i), "--by", "kill", "--store", url] for i in ids
    ] + [["alerts", "resolve", str(i), "--store", url] for i in ids]
    span = _span(transitions[0], folder) if transitions else 1.0
    transitions = transitions[1:]  # the first ran whole, to time it
    moves = iter(transitions)
    phases["alert transition"] = kill_at_random(
        lambda: _popen(next(moves, transitions[-1]), folder),
        kills=min(kills * 2, len(transitions)),
        span=span * 1.1,
        seed=seed + 3,
        low=startup,
    )
    phases["alert transition"]["after"] = alerts_whole(url)
    # the next runs continue: every batch again (whole ones are found, killed ones
    # stored now), then the window computation
    exits = []
    for n in files:
        exits.append(cli(log(n), folder).returncode)
        exits.append(cli(join(n), folder).returncode)
    final = cli(monitor, folder)
    exits.append(final.returncode)
    listed = cli(["alerts", "list", "--store", url], folder)
    exits.append(listed.returncode)
    return {
        "phases": phases,
        "rerun_exits": exits,
        "traceback": "Traceback" in final.stderr + listed.stderr,
        "final": stored(url),
        "final_alerts": alerts_whole(url),
        "ids_sent": len(files) * rows,
    }


# ------------------------------------------------------------------ PostgreSQL restart

PG_SCRIPT = ROOT / "scripts" / "pg_test_server.sh"
INGEST_CLIENT = """
import json, sys, warnings
import polars as pl
sys.path.insert(0, {benchmarks!r})
import _faults as faults
from pipewarden.errors import PipewardenWarning
from pipewarden.workflows.traffic import log_predictions
url, batches, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
warnings.simplefilter("always", PipewardenWarning)
for n in range(batches):
    frame = faults.predictions(range(n * rows, (n + 1) * rows), seed=n)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", PipewardenWarning)
        receipt = log_predictions(faults.MODEL, frame, id="id", prediction="pred",
                                  time="ts", store=url, batch_key=f"b{{n}}")
    print(json.dumps({{"n": n, "stored": receipt.stored,
                      "already": receipt.already_logged,
                      "retries": [str(w.message)[:600] for w in seen]}}), flush=True)
"""


def pg_bin() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin")):
        if (candidate / "pg_ctl").exists():
            return candidate
    return None


def pg_cluster_possible() -> str | None:
    """Why a throwaway PostgreSQL cluster cannot run here, or None when it can."""
    if pg_bin() is None:
        return "PostgreSQL is not installed (apt-get install postgresql)"
    if (
        os.geteuid() == 0
        and subprocess.run(
            ["id", "postgres"], capture_output=True, check=False
        ).returncode
    ):
        return "there is no postgres user to run the server as"
    return None


@contextlib.contextmanager
def pg_cluster(folder: Path) -> Iterator[tuple[str, Callable[[], float]]]:
    """A separate throwaway PostgreSQL cluster on its own port (the shared test
    server is left alone); yields its URL and a function that restarts it (fast
    shutdown: open connections are terminated) and returns the seconds it took."""
    port = free_port()
    # its own folder under the temp dir: the postgres user must reach it, and
    # pytest's folders are private to root
    data = Path(tempfile.mkdtemp(prefix="pw-pg-cluster-")) / "pg"
    data.parent.chmod(0o755)
    extra = {"PG_TEST_PORT": str(port), "PG_TEST_DIR": str(data)}
    started = subprocess.run(
        ["bash", str(PG_SCRIPT), "start"],
        capture_output=True,
        text=True,
        env={**os.environ, **extra},
        check=False,
        timeout=120,
    )
    if started.returncode:
        raise RuntimeError(started.stderr[-2000:])
    url = started.stdout.strip().splitlines()[-1]
    bin_dir = pg_bin()
    assert bin_dir is not None
    runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def restart() -> float:
        began = time.monotonic()
        subprocess.run(
            [
                *runner,
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data / "data"),
                "-w",
                "-t",
                "60",
                "-m",
                "fast",
                "restart",
                "-l",
                str(data / "server.log"),
            ],
            capture_output=True,
            check=True,
            timeout=120,
        )
        return time.monotonic() - began

    try:
        yield url, restart
    finally:
        subprocess.run(
            ["bash", str(PG_SCRIPT), "stop"],
            capture_output=True,
            env={**os.environ, **extra},
            check=False,
            timeout=120,
        )
        import shutil

        shutil.rmtree(data.parent, ignore_errors=True)


def pg_restart_during_ingest(
    folder: Path, *, batches: int = 40, rows: int = 2_000, restarts: int = 2
) -> dict[str, Any]:
    """A client logging batches while its PostgreSQL server restarts ``restarts``
    times: it retries with backoff and reports; every row stored exactly once."""
    with pg_cluster(folder) as (url, restart):
        register(url)
        script = INGEST_CLIENT.format(benchmarks=str(Path(__file__).parent))
        client = subprocess.Popen(
            [sys.executable, "-c", script, url, str(batches), str(rows)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env(),
        )
        assert client.stdout is not None
        lines: list[dict[str, Any]] = []
        seconds = []
        for line in client.stdout:
            lines.append(json.loads(line))
            if len(seconds) < restarts and len(lines) in {
                batches * (k + 1) // (restarts + 2) for k in range(restarts)
            }:
                seconds.append(restart())
        client.wait(timeout=300)
        found = stored(url)
    retries = [w for line in lines for w in line["retries"]]
    return {
        "restarts": len(seconds),
        "restart_seconds": [round(s, 2) for s in seconds],
        "client_exit": client.returncode,
        "client_stderr": (client.stderr.read() if client.stderr else "")[-500:],
        "batches": len(lines),
        "retries_reported": len(retries),
        "retry_example": retries[0] if retries else "",
        "ids_sent": batches * rows,
        "stored": found["predictions_rows"],
        "lost": batches * rows - found["predictions_distinct"],
        "doubled": found["predictions_rows"] - found["predictions_distinct"],
        "batches_half_written": found["batches_unfilled"],
    }


# ------------------------------------------------------------------ disk full


def tmpfs_possible(folder: Path) -> str | None:
    """Why a 1 MiB tmpfs cannot be mounted here, or None when it can."""
    target = folder / "probe"
    target.mkdir(exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        return f"cannot mount a size-capped tmpfs ({done.stderr.strip() or 'not root'})"
    subprocess.run(["umount", str(target)], check=False)
    return None


@contextlib.contextmanager
def full_disk(folder: Path, size: str = "1m") -> Iterator[Path]:
    target = folder / "small"
    target.mkdir(exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
        check=True,
        capture_output=True,
    )
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def _contract(folder: Path, frame: pl.DataFrame) -> None:
    """contract.yaml inferred from in-range rows, quarantining amounts outside
    [0, 1000]."""
    import yaml

    frame.filter(pl.col("amount") >= 0).head(2000).write_csv(folder / "ref.csv")
    done = cli(["contract", "infer", "ref.csv", "-o", "contract.yaml"], folder)
    if done.returncode:
        raise RuntimeError(done.stderr)
    contract = yaml.safe_load((folder / "contract.yaml").read_text())
    contract["dataset"].pop("rows", None)
    amount = contract["columns"]["amount"]
    amount["range"] = {"min": 0.0, "max": 1000.0}
    amount["conform"]["on_out_of_range"] = "quarantine"
    (folder / "contract.yaml").write_text(yaml.safe_dump(contract, sort_keys=False))


def disk_full(folder: Path, rows: int = 200_000) -> list[dict[str, Any]]:
    """``conform`` whose output, then whose quarantine, lands on a 1 MiB
    filesystem: a one-line error, the input untouched, no partial file left."""
    import hashlib

    rng = np.random.default_rng(3)
    data = folder / "big.csv"
    amount = rng.uniform(-500, 1000, size=rows)  # a third out of range: quarantined
    frame = pl.DataFrame(
        {
            "id": np.arange(rows),
            "amount": amount,
            # random text: the quarantine does not compress below the small disk
            "note": [rng.bytes(24).hex() for _ in range(rows)],
        }
    )
    frame.write_csv(data)
    _contract(folder, frame)
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    cases = []
    with full_disk(folder) as small:
        for name, output, quarantine in (
            (
                "conform output on a full disk",
                small / "out.parquet",
                folder / "q.parquet",
            ),
            ("quarantine on a full disk", folder / "out.parquet", small / "q.parquet"),
            ("both on a full disk (CSV)", small / "out.csv", small / "q.csv"),
        ):
            for leftover in (folder / "out.parquet", folder / "q.parquet"):
                leftover.unlink(missing_ok=True)
            done = cli(
                [
                    "conform",
                    "contract.yaml",
                    "big.csv",
                    "-o",
                    str(output),
                    "--quarantine",
                    str(quarantine),
                ],
                folder,
            )
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            cases.append(
                {
                    "case": name,
                    "exit": done.returncode,
                    "one_line": len(lines) == 1,
                    "traceback": "Traceback" in done.stderr,
                    "message": lines[0] if lines else "",
                    "files_left_on_small_disk": sorted(p.name for p in small.iterdir()),
                    "output_exists": output.exists(),
                    "quarantine_exists": quarantine.exists(),
                    "input_untouched": hashlib.sha256(data.read_bytes()).hexdigest()
                    == digest,
                }
            )
    return cases


# ------------------------------------------------------------------ API fuzzing

SQL_LIKE = (
    "x'; DROP TABLE runs; --",
    "1 OR 1=1",
    '" OR ""="',
    "name; DELETE FROM alerts",
    "') UNION SELECT version_num FROM alembic_version --",
)
HUGE_NUMBERS = ("46342544826507640963072", "9223372036854775808", "-1", "0")
"""Ids past 64 bits (the fuzzer's find: SQLite cannot bind them), negative, zero."""
PATH_LIKE = (
    "../../../../etc/passwd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "/etc/passwd",
    "....//....//etc/passwd",
    "%00",
    "C:\\Windows\\win.ini",
)


def table_counts(url: str) -> dict[str, int]:
    """Rows of every table of the store (to show a request changed nothing)."""
    database = sa.create_engine(url)
    try:
        with database.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            return {
                name: int(
                    conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar()
                    or 0
                )
                for name in sorted(names)
            }
    finally:
        database.dispose()


@dataclass
class RouteFuzz:
    route: str
    write: bool
    cases: int = 0
    server_errors: list[str] = field(default_factory=list)
    bad_shape: list[str] = field(default_factory=list)
    writes_without_token: list[str] = field(default_factory=list)


def _error_shape_ok(response: Any) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return (
        isinstance(body, dict)
        and set(body) == {"error", "message"}
        and all(isinstance(body[k], str) and body[k] for k in body)
    )


def _fuzz_one(
    operation: Any,
    mode: Any,
    auth: str,
    headers: dict[str, str],
    fuzz: RouteFuzz,
    examples: int,
    seed: int,
) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    @hypothesis_seed(seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        sent = {**(case.headers or {}), **headers}
        if auth == "none":
            sent.pop("Authorization", None)
        case.headers = sent
        response = case.call()
        fuzz.cases += 1
        where = (
            f"{auth}/{mode.value} {response.status_code} "
            f"{case.path_parameters} {case.query}"
        )
        if response.status_code >= 500:
            fuzz.server_errors.append(where + " " + response.text[:200])
        if response.status_code >= 400 and not _error_shape_ok(response):
            fuzz.bad_shape.append(where + " " + response.text[:200])
        if fuzz.write and auth != "token" and response.status_code < 400:
            fuzz.writes_without_token.append(where)

    from hypothesis.errors import Unsatisfiable

    try:
        run()
    except Unsatisfiable:  # nothing invalid to send (e.g. a route without inputs)
        if mode.value != "negative":
            raise


def fuzz_api(
    app: Any, url: str, *, examples: int = 10, seed: int = 21
) -> dict[str, Any]:
    """schemathesis over every operation of the app's /openapi.json: positive and
    negative cases with the right token, and again with none and a wrong one.

    Per route: the cases run, 5xx answers, errors not in the {"error", "message"}
    shape, and writes accepted without a valid token (with the store unchanged).
    """
    import schemathesis
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    routes: list[RouteFuzz] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        write = operation.method.lower() in {"post", "put", "patch", "delete"}
        fuzz = RouteFuzz(f"{operation.method.upper()} {operation.path}", write)
        routes.append(fuzz)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for auth in ("token", "none", "wrong"):
                headers = {
                    "token": {"Authorization": f"Bearer {TOKEN}"},
                    "none": {},
                    "wrong": {"Authorization": "Bearer not-the-token-0123456789"},
                }[auth]
                before = table_counts(url) if write and auth != "token" else None

                _fuzz_one(operation, mode, auth, headers, fuzz, examples, seed)
                if before is not None and table_counts(url) != before:
                    fuzz.writes_without_token.append(
                        f"{auth}/{mode.value}: store changed"
                    )
    return {
        "routes": [
            {
                "route": r.route,
                "write": r.write,
                "cases": r.cases,
                "server_errors": r.server_errors,
                "bad_shape": r.bad_shape,
                "writes_without_token": r.writes_without_token,
            }
            for r in routes
        ],
        "cases": sum(r.cases for r in routes),
    }


def hostile_inputs(client: Any, url: str, paths: list[str]) -> dict[str, Any]:
    """SQL-like and path-like text in every path parameter and in the common
    filters, sort keys and names: no 5xx, the {"error","message"} shape, the store
    unchanged, no file outside the store read or written."""
    before = table_counts(url)
    problems: list[str] = []
    requests = 0
    for template in paths:
        names = [part for part in template.split("/") if part.startswith("{")]
        for text in (*SQL_LIKE, *PATH_LIKE, *HUGE_NUMBERS):
            path = template
            for name in names:
                path = path.replace(name, _quoted(text))
            for query in (
                {},
                {
                    "dataset": text,
                    "sort": text,
                    "status": text,
                    "version": text,
                    "window": text,
                    "limit": "1",
                },
            ):
                response = client.get(path, params=query)
                requests += 1
                if response.status_code >= 500 or (
                    response.status_code >= 400 and not _error_shape_ok(response)
                ):
                    problems.append(f"GET {path} {query}: {response.status_code}")
                if "root:x:0:0" in response.text or "[fonts]" in response.text:
                    problems.append(f"GET {path}: a system file's content")
    for name in PATH_LIKE + SQL_LIKE:
        response = client.get(f"/static/{_quoted(name)}")
        requests += 1
        if response.status_code not in (400, 404) or "root:x:0:0" in response.text:
            problems.append(f"/static/{name}: {response.status_code}")
    escape = Path(tempfile.gettempdir()) / f"pw-escape-{os.getpid()}.csv"
    response = client.post(
        f"/api/models/{MODEL}/predictions/upload",
        headers={"Authorization": f"Bearer {TOKEN}"},
        files={"file": (f"../../../../{escape}", b"id,pred\nr1,1\n", "text/csv")},
        data={"id": "id", "prediction": "pred"},
    )
    requests += 1
    if escape.exists():
        problems.append(f"an upload named ../{escape} was written there")
        escape.unlink()
    if response.status_code >= 500:
        problems.append(f"upload with a path name: {response.status_code}")
    after = table_counts(url)
    changed = {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}
    # the one upload above may log one prediction; nothing else may change
    changed.pop("predictions", None)
    changed.pop("monitor_batches", None)
    changed.pop("prediction_profiles", None)
    if changed:
        problems.append(f"tables changed: {changed}")
    return {"requests": requests, "problems": problems}


def _quoted(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def oversized(client: Any, limit: int, write_paths: list[str]) -> dict[str, Any]:
    """Bodies over the limit, declared (Content-Length) and streamed (chunked), and
    an upload over it, on every write route: 413 in the error shape each time."""
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    big = b'{"records": [' + b'{"a": 1},' * (limit // 9 + 10) + b'{"a": 1}]}'
    answers = []
    for path in write_paths:
        body, sent = big, headers
        if path.endswith("/upload"):  # multipart: the file over the limit
            built = httpx.Request(
                "POST",
                "http://x" + path,
                files={
                    "file": ("big.csv", b"id,pred\n" + b"r1,1\n" * (limit // 5 + 10))
                },
                data={"id": "id", "prediction": "pred"},
            )
            body = built.read()
            sent = {
                "Authorization": f"Bearer {TOKEN}",
                "Content-Type": built.headers["content-type"],
            }
        declared = client.post(path, content=body, headers=sent)

        def chunks(body: bytes = body) -> Iterator[bytes]:
            for start in range(0, len(body), 16_384):
                yield body[start : start + 16_384]

        streamed = client.post(path, content=chunks(), headers=sent)
        answers.append(
            (path, "declared", declared.status_code, _error_shape_ok(declared))
        )
        answers.append(
            (path, "chunked", streamed.status_code, _error_shape_ok(streamed))
        )
    upload = client.post(
        f"/api/models/{MODEL}/predictions/upload",
        headers={"Authorization": f"Bearer {TOKEN}"},
        files={"file": ("big.csv", b"id,pred\n" + b"r1,1\n" * (limit // 5 + 10))},
        data={"id": "id", "prediction": "pred"},
    )
    answers.append(("upload", "multipart", upload.status_code, _error_shape_ok(upload)))
    return {
        "requests": len(answers),
        "refused_413": sum(1 for a in answers if a[2] == 413 and a[3]),
        "other": [a for a in answers if not (a[2] == 413 and a[3])],
    }


# ------------------------------------------------------------------ tokens

WRONG_TOKEN = "wrong-token-fedcba9876543210"


def token_leaks(url: str, folder: Path) -> dict[str, Any]:
    """A real ``pipewarden serve`` used with its token, a wrong one and none, on
    writes, reads, the dashboard and the docs; then the token and the wrong one are
    looked for in every answer and in the server's log."""
    register(url)
    served = serve(url, folder, "--background-seconds", "0.2", name="tokens")
    answers: list[str] = []
    statuses: dict[str, list[int]] = {"right": [], "wrong": [], "none": []}
    frame = predictions(range(5))
    body = {"records": records(frame), "id": "id", "prediction": "pred", "time": "ts"}
    try:
        with httpx.Client(base_url=served.base, timeout=30) as http:
            for name, token in (
                ("right", TOKEN),
                ("wrong", WRONG_TOKEN),
                ("none", None),
            ):
                headers = {} if token is None else {"Authorization": f"Bearer {token}"}
                for method, path, payload in (
                    ("POST", f"/api/models/{MODEL}/predictions", body),
                    (
                        "POST",
                        f"/api/models/{MODEL}/labels",
                        {"records": [{"id": "r1", "y": 1.0}], "id": "id", "label": "y"},
                    ),
                    ("POST", "/api/alerts/999/ack", {}),
                    ("GET", "/api/models", None),
                    ("GET", "/", None),
                    ("GET", "/alerts", None),
                    ("GET", "/metrics", None),
                    ("GET", "/openapi.json", None),
                ):
                    response = http.request(method, path, json=payload, headers=headers)
                    if method == "POST":
                        statuses[name].append(response.status_code)
                    answers.append(response.text + str(dict(response.headers)))
                # the dashboard's form sends the token as a field
                form = http.post(
                    "/alerts/999/ack",
                    data={"token": token or ""},
                    headers={"Accept": "text/html"},
                )
                answers.append(form.text + str(dict(form.headers)))
    finally:
        served.stop()
    log = served.log.read_text(errors="replace")
    return {
        "requests": len(answers),
        "writes_with_token": statuses["right"],
        "writes_wrong_token": statuses["wrong"],
        "writes_no_token": statuses["none"],
        "token_in_answers": sum(TOKEN in a for a in answers),
        "wrong_token_in_answers": sum(WRONG_TOKEN in a for a in answers),
        "token_in_log": log.count(TOKEN),
        "wrong_token_in_log": log.count(WRONG_TOKEN),
        "log_lines": len(log.splitlines()),
    }


# ------------------------------------------------------------------ load

READS = (
    "/api/models",
    "/api/runs",
    f"/api/models/{MODEL}/batches",
    "/metrics",
    "/healthz",
)


def _rss(pid: int) -> int:
    import psutil

    return int(psutil.Process(pid).memory_info().rss)


def _memory(pid: int) -> dict[str, float]:
    """A process's memory now, MB: RSS, its anonymous part (heap and allocator
    arenas, not mapped files: /proc/PID/smaps_rollup on Linux), its threads and its
    glibc malloc arenas besides the main one."""
    import psutil

    from pipewarden.server.memory import glibc_heaps

    process = psutil.Process(pid)
    taken = {
        "rss_mb": round(process.memory_info().rss / 2**20, 1),
        "threads": float(process.num_threads()),
        "arenas": float(glibc_heaps(pid)),
    }
    rollup = Path(f"/proc/{pid}/smaps_rollup")
    with contextlib.suppress(OSError):
        for line in rollup.read_text().splitlines():
            if line.startswith("Anonymous:"):
                taken["anon_mb"] = round(int(line.split()[1]) / 1024, 1)
    return taken


def memory_trend(samples: list[dict[str, float]]) -> dict[str, Any]:
    """RSS after the warm-up: the least-squares slope (MB/min, with its standard
    error) over the second half of the samples, and the RSS at the start and end of
    that half. A slope near 0 is a plateau; a leak shows as a steady positive one."""
    from scipy import stats

    half = samples[len(samples) // 2 :]
    if len(half) < 3:
        return {"samples": len(half)}
    minutes = np.array([s["t"] for s in half]) / 60
    trend: dict[str, Any] = {"samples": len(half), "from_s": half[0]["t"]}
    for key in ("rss_mb", "anon_mb"):
        if all(key in s for s in half):
            mb = np.array([s[key] for s in half])
            fit = stats.linregress(minutes, mb)
            trend[key] = {
                "first": float(mb[0]),
                "last": float(mb[-1]),
                "max": float(mb.max()),
                "slope_mb_per_min": round(float(fit.slope), 3),
                "slope_stderr": round(float(fit.stderr), 3),
            }
    return trend


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def ingest_floor(url: str, rows: int) -> float:
    """Rows/s of a bare executemany of (model, id, time, prediction) rows into a
    scratch table of the same database: what any ingest must at least pay."""
    database = sa.create_engine(url)
    table = f"pw_floor_{os.getpid()}"
    values = [{"m": 1, "r": f"f{i}", "t": i, "p": 0.5} for i in range(rows)]
    try:
        with database.begin() as conn:
            conn.execute(
                sa.text(
                    f"CREATE TABLE {table} (model_id integer, row_id varchar(255), "
                    "time_us bigint, prediction double precision, "
                    "PRIMARY KEY (model_id, row_id))"
                )
            )
        started = time.perf_counter()
        with database.begin() as conn:
            conn.execute(
                sa.text(f"INSERT INTO {table} VALUES (:m, :r, :t, :p)"), values
            )
        seconds = time.perf_counter() - started
        with database.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE {table}"))
        return rows / seconds
    finally:
        database.dispose()


def load_http(
    url: str,
    folder: Path,
    *,
    clients: int = 8,
    seconds: float = 60,
    batch_rows: int = 200,
    replay: int | None = None,
    server_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``clients`` threads against a real ``pipewarden serve`` for ``seconds``: each
    alternates a predictions batch (its own ids, with a batch key) and a read
    endpoint. Throughput, p50/p99 per kind, errors, rows lost, server RSS.

    With ``replay``, each client sends its first ``replay`` batches over and over
    (same ids, same keys): after the first round the store stops growing, so the
    server's memory is measured over the same work on the same data.

    ``server_env`` is added to the server's environment (e.g. ``MALLOC_ARENA_MAX``)
    to compare allocator settings. The server's memory is sampled every
    ``max(2, seconds / 60)`` s (RSS, anonymous memory, threads: :func:`_memory`)
    and summarised by :func:`memory_trend`."""
    register(url)
    served = serve(
        url,
        folder,
        "--background-seconds",
        "5",
        name="load",
        extra_env=server_env,
    )
    latencies: dict[str, list[float]] = {"ingest": [], "read": []}
    errors: list[str] = []
    acknowledged: set[str] = set()
    lock = threading.Lock()
    try:
        with httpx.Client(base_url=served.base, timeout=60) as warm:
            for path in READS:
                warm.get(path)
        rss_before = _rss(served.process.pid)
        deadline = time.monotonic() + seconds

        def client(number: int) -> None:
            batch = 0
            with httpx.Client(base_url=served.base, timeout=60) as http:
                while time.monotonic() < deadline:
                    index = batch % replay if replay else batch
                    start = (number * 1_000_000) + index * batch_rows
                    frame = predictions(range(start, start + batch_rows), seed=index)
                    body = {
                        "records": records(frame),
                        "id": "id",
                        "prediction": "pred",
                        "time": "ts",
                    }
                    began = time.perf_counter()
                    try:
                        response = http.post(
                            f"/api/models/{MODEL}/predictions",
                            json=body,
                            headers={
                                "Authorization": f"Bearer {TOKEN}",
                                "Idempotency-Key": f"load-{number}-{index}",
                            },
                        )
                        took = time.perf_counter() - began
                        if response.status_code == 200:
                            with lock:
                                latencies["ingest"].append(took)
                                acknowledged.update(frame["id"].to_list())
                        else:
                            with lock:
                                errors.append(f"ingest {response.status_code}")
                    except httpx.HTTPError as exc:
                        with lock:
                            errors.append(f"ingest {type(exc).__name__}")
                    path = READS[batch % len(READS)]
                    began = time.perf_counter()
                    try:
                        response = http.get(path)
                        took = time.perf_counter() - began
                        with lock:
                            if response.status_code == 200:
                                latencies["read"].append(took)
                            else:
                                errors.append(f"{path} {response.status_code}")
                    except httpx.HTTPError as exc:
                        with lock:
                            errors.append(f"{path} {type(exc).__name__}")
                    batch += 1

        started = time.monotonic()
        samples: list[dict[str, float]] = []
        every = max(2.0, seconds / 60)

        def sample() -> None:  # the server's memory every `every` seconds
            while time.monotonic() < deadline:
                taken = _memory(served.process.pid)
                samples.append({"t": round(time.monotonic() - started, 1), **taken})
                time.sleep(every)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        threads.append(threading.Thread(target=sample))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        rss_after = _rss(served.process.pid)
    finally:
        served.stop()
    found = stored(url)
    floor = ingest_floor(url, 20_000)
    rows_per_s = len(acknowledged) / elapsed
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "ingest_requests": len(latencies["ingest"]),
        "read_requests": len(latencies["read"]),
        "requests_per_s": round(
            (len(latencies["ingest"]) + len(latencies["read"])) / elapsed, 1
        ),
        "rows_per_s": round(rows_per_s),
        "floor_rows_per_s": round(floor),
        "floor_ratio": round(floor / rows_per_s, 1) if rows_per_s else None,
        "ingest_p50_ms": round(1000 * _percentile(latencies["ingest"], 50), 1),
        "ingest_p99_ms": round(1000 * _percentile(latencies["ingest"], 99), 1),
        "read_p50_ms": round(1000 * _percentile(latencies["read"], 50), 1),
        "read_p99_ms": round(1000 * _percentile(latencies["read"], 99), 1),
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "rows_acknowledged": len(acknowledged),
        "rows_stored": found["predictions_rows"],
        "rows_lost": len(acknowledged) - found["predictions_distinct"],
        "rows_doubled": found["predictions_rows"] - found["predictions_distinct"],
        "rss_before_mb": round(rss_before / 2**20, 1),
        "rss_after_mb": round(rss_after / 2**20, 1),
        "server_env": dict(server_env or {}),
        "memory_samples": samples,
        "memory_trend": memory_trend(samples),
    }


RECORDER = ROOT / "tests" / "store" / "recorder_process.py"


def load_recorders(url: str, *, processes: int = 4, runs: int = 50) -> dict[str, Any]:
    """``processes`` processes recording ``runs`` runs each into one store at once
    (tests/store/recorder_process.py): runs/s, errors, runs lost."""
    from pipewarden.store import open_store

    open_store(url).close()
    path = os.pathsep.join([str(SRC), str(ROOT / "tests")])
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [sys.executable, str(RECORDER), url, f"load{n}", str(runs)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": path},
        )
        for n in range(processes)
    ]
    outs = [p.communicate(timeout=1800) for p in procs]
    elapsed = time.monotonic() - started
    recorded = [
        line.split()[1]
        for out, _ in outs
        for line in out.splitlines()
        if line.startswith("recorded")
    ]
    with open_store(url) as store:
        present = {
            run.id
            for n in range(processes)
            for run in store.list_runs(dataset=f"load{n}", limit=runs + 10)
        }
    return {
        "processes": processes,
        "runs_each": runs,
        "seconds": round(elapsed, 1),
        "runs_per_s": round(len(recorded) / elapsed, 1),
        "exits": sorted(p.returncode for p in procs),
        "runs_recorded": len(recorded),
        "runs_lost": len(set(recorded) - present),
        "errors": sum(1 for p in procs if p.returncode),
    }


# ------------------------------------------------------------------ outbox


def _event_ids(url: str) -> list[int]:
    from pipewarden.store import open_store

    with open_store(url) as store:
        return sorted(int(item.event_id or -1) for item in store.list_outbox())


def _min_attempts(url: str) -> int:
    from pipewarden.store import open_store

    with open_store(url) as store:
        return min((item.attempts for item in store.list_outbox()), default=0)


def outbox_down_and_restart(
    url: str, folder: Path, *, alerts: int = 4, down_attempts: int = 2
) -> dict[str, Any]:
    """Alerts opened while their webhook receiver is down; a real server's
    background loop retries with backoff; the server restarts while the receiver is
    still down; the receiver comes back: each notification delivered once."""
    receiver = Receiver()  # not started: its port refuses connections
    open_alerts(url, alerts, receiver, backoff="0.3s")
    expected = _event_ids(url)
    served = serve(url, folder, "--background-seconds", "0.2", name="outbox-1")
    try:
        retried = wait_for(lambda: _min_attempts(url) >= down_attempts, 60)
    finally:
        served.stop()  # restarted while the receiver is still down
    while_down = outbox(url)
    receiver.start()
    served = serve(url, folder, "--background-seconds", "0.2", name="outbox-2")
    try:
        delivered = wait_for(lambda: outbox(url).get("sent") == alerts, 90)
        time.sleep(1.0)  # more ticks: nothing may be sent again
    finally:
        served.stop()
        receiver.stop()
    accepted = sorted(receiver.accepted)
    return {
        "notifications": len(expected),
        "failed_attempts_while_down": retried,
        "sent_while_down": while_down.get("sent", 0),
        "delivered_after": delivered,
        "accepted": len(accepted),
        "lost": len(set(expected) - set(accepted)),
        "doubled": len(accepted) - len(set(accepted)),
        "exact": accepted == expected,
    }


def outbox_hang_and_500(url: str) -> dict[str, Any]:
    """A receiver that hangs (each attempt bounded by the 0.5 s timeout), then answers
    500 (the wait doubles), then accepts: delivered once, the alerts recorded."""
    from pipewarden.monitor.notify import deliver_outbox
    from pipewarden.store import open_store

    receiver = Receiver()
    receiver.mode = "hang"
    receiver.start()
    try:
        open_alerts(url, 2, receiver, backoff="1s", timeout=0.5)
        now = datetime.now(UTC)
        with open_store(url) as store:
            started = time.monotonic()
            hung = deliver_outbox(store, now=now, environ={})
            hang_seconds = time.monotonic() - started
            waits_1 = sorted(
                {(i.next_attempt_at - now).total_seconds() for i in store.list_outbox()}
            )
            recorded = len(store.list_alerts())
        receiver.mode = "500"
        with open_store(url) as store:
            failed = deliver_outbox(store, now=now + timedelta(seconds=1), environ={})
            waits_2 = sorted(
                {(i.next_attempt_at - now).total_seconds() for i in store.list_outbox()}
            )
        receiver.mode = "ok"
        with open_store(url) as store:
            sent = deliver_outbox(store, now=now + timedelta(seconds=3), environ={})
            again = deliver_outbox(store, now=now + timedelta(hours=2), environ={})
        expected = _event_ids(url)
    finally:
        receiver.stop()
    return {
        "hang": hung.to_dict(),
        "hang_pass_seconds": round(hang_seconds, 2),
        "waits_after_hang": waits_1,
        "http_500": failed.to_dict(),
        "waits_after_500": waits_2,
        "sent": sent.sent,
        "sent_again": again.sent,
        "alerts_recorded": recorded,
        "exact": sorted(receiver.accepted) == expected,
    }
