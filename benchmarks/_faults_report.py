"""The faults, fuzzing, tokens, load and dependencies sections of RELIABILITY.md,
measured by the harness in ``_faults.py`` (the same functions tests/reliability/
asserts with smaller sizes)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import _faults as faults
import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
LOAD = HERE / "load-results.json"
STEADY = HERE / "load-steady-results.json"
SAVED = Path(tempfile.gettempdir()) / "pipewarden-reliability-faults.json"
"""The last measurements, to re-render the markdown without measuring again."""
MARKER = "## Nothing lost, nothing doubled"


@contextlib.contextmanager
def store_url(backend: str, folder: Path) -> Iterator[str]:
    """A fresh SQLite file, or a fresh schema of the PostgreSQL test server."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'store.db'}"
        return
    base = os.environ["PIPEWARDEN_TEST_PG_URL"]
    schema = f"pw_rel_{secrets.token_hex(4)}"
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.schema.CreateSchema(schema))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True))
        engine.dispose()


def backends() -> list[str]:
    return ["sqlite"] + (
        ["postgresql"] if os.environ.get("PIPEWARDEN_TEST_PG_URL") else []
    )


def each(backend: str, run: Callable[[str, Path], Any]) -> Any:
    folder = Path(tempfile.mkdtemp(prefix="pw-rel-"))
    folder.chmod(0o755)
    try:
        with store_url(backend, folder) as url:
            return run(url, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def measure(fuzz_examples: int = 6) -> dict[str, Any]:
    """Everything, on SQLite and (when PIPEWARDEN_TEST_PG_URL is set) PostgreSQL."""
    from fastapi.testclient import TestClient
    from server_data import add_model, fill, settings_for

    from pipewarden.server.app import create_app
    from pipewarden.store import open_store

    out: dict[str, Any] = {
        "exactly_once": [],
        "outbox": [],
        "kills": {},
        "fuzz": {},
        "newer_schema": {},
    }
    for backend in backends():
        print(f"[{backend}] exactly once", flush=True)
        for face, run in (
            (
                "Python API (4 threads)",
                lambda u, f: faults.exactly_once_api(u, clients=4, batches=4, rows=500),
            ),
            (
                "CLI (2 processes)",
                lambda u, f: faults.exactly_once_cli(
                    u, f, clients=2, batches=2, rows=500
                ),
            ),
            (
                "HTTP (4 clients, real server)",
                lambda u, f: faults.exactly_once_http(
                    u, f, clients=4, batches=4, rows=500
                ),
            ),
        ):
            out["exactly_once"].append(
                {"backend": backend, "face": face, **each(backend, run)}
            )
        print(f"[{backend}] outbox", flush=True)
        out["outbox"].append(
            {
                "backend": backend,
                "restart": each(
                    backend, lambda u, f: faults.outbox_down_and_restart(u, f, alerts=8)
                ),
                "hang": each(backend, lambda u, f: faults.outbox_hang_and_500(u)),
            }
        )
        print(f"[{backend}] SIGKILL", flush=True)
        out["kills"][backend] = each(
            backend, lambda u, f: faults.kill_faults(u, f, kills=3, rows=20_000)
        )
        print(f"[{backend}] newer schema", flush=True)
        out["newer_schema"][backend] = each(backend, newer_schema)

        def fuzz(url: str, folder: Path) -> dict[str, Any]:
            with open_store(url) as store:
                fill(store, url)
            add_model(url)
            app = create_app(
                settings_for(url, token=faults.TOKEN, max_body_bytes=64 * 1024)
            )
            schema = app.openapi()["paths"]
            gets = [p for p, ops in schema.items() if "get" in ops]
            writes = sorted(
                p.replace("{name}", faults.MODEL).replace("{alert_id}", "1")
                for p, ops in schema.items()
                if "post" in ops and p.startswith("/api/")
            )
            with TestClient(app) as client:
                result = faults.fuzz_api(app, url, examples=fuzz_examples)
                result["hostile"] = faults.hostile_inputs(client, url, gets)
                result["oversized"] = faults.oversized(client, 64 * 1024, writes)
            return result

        print(f"[{backend}] fuzzing", flush=True)
        out["fuzz"][backend] = each(backend, fuzz)
    if "postgresql" in backends() and faults.pg_cluster_possible() is None:
        print("PostgreSQL restart", flush=True)
        folder = Path(tempfile.mkdtemp(prefix="pw-rel-pg-"))
        folder.chmod(0o755)
        try:
            out["pg_restart"] = faults.pg_restart_during_ingest(
                folder, batches=40, rows=2_000, restarts=3
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    print("disk full", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="pw-rel-disk-"))
    try:
        reason = faults.tmpfs_possible(folder)
        out["disk_full"] = reason or faults.disk_full(folder, rows=200_000)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print("tokens", flush=True)
    out["tokens"] = each("sqlite", faults.token_leaks)
    out["load"] = json.loads(LOAD.read_text()) if LOAD.exists() else None
    out["steady"] = json.loads(STEADY.read_text()) if STEADY.exists() else None
    if out["load"] is None:
        out["load_short"] = each(
            "sqlite", lambda u, f: faults.load_http(u, f, clients=8, seconds=5)
        )
    out["dependencies"] = dependencies()
    return out


def newer_schema(url: str, folder: Path) -> dict[str, Any]:
    from pipewarden.store import open_store
    from pipewarden.store.database import schema_revision

    open_store(url).close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE pipewarden_version SET version_num = '20991231_9999'")
        )
    engine.dispose()
    runs = {}
    for args in (
        ["runs", "list"],
        ["store", "upgrade"],
        ["predictions", "log", "m", "x.csv", "--id", "id", "--prediction", "p"],
    ):
        done = faults.cli([*args, "--store", url], folder)
        runs[" ".join(args[:2])] = (
            done.returncode,
            done.stderr.strip().splitlines()[:1],
            "Traceback" in done.stderr,
        )
    return {"commands": runs, "revision_after": schema_revision(url)}


def dependencies() -> dict[str, Any]:
    root = HERE.parent
    out: dict[str, Any] = {}
    for name in ("base", "dev"):
        text = (root / "requirements" / f"{name}.txt").read_text()
        pins = re.findall(r"^([A-Za-z0-9_.\-\[\]]+)==\S+", text, flags=re.M)
        blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
        hashed = sum(
            1
            for b in blocks
            if re.match(r"[A-Za-z0-9].*==", b) and "--hash=sha256:" in b
        )
        out[name] = {"pins": len(pins), "with_hashes": hashed}
    makefile = (root / "Makefile").read_text()
    out["lock_generates_hashes"] = "--generate-hashes" in makefile
    out["install_requires_hashes"] = makefile.count("--require-hashes") >= 2
    out["pip_audit"] = shutil.which("pip-audit") is not None
    return out


# ------------------------------------------------------------------ markdown


def _yes(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def _memory_line(r: dict[str, Any]) -> str:
    """The server's memory over a load run, in one sentence."""
    samples = r["memory_samples"]
    trend = r["memory_trend"]
    rss = trend.get("rss_mb")
    every = samples[1]["t"] - samples[0]["t"] if len(samples) > 1 else 0
    arenas = sorted({int(s["arenas"]) for s in samples if "arenas" in s})
    if not rss:
        return f"server RSS {r['rss_before_mb']} -> {r['rss_after_mb']} MB"
    return (
        f"server RSS sampled every {every:.0f} s: {r['rss_before_mb']} MB before, "
        f"{samples[1]['rss_mb']} MB after the first requests, {rss['first']} -> "
        f"{rss['last']} MB over the second half (from {trend['from_s']:.0f} s; "
        f"max {rss['max']}), slope {rss['slope_mb_per_min']} +- "
        f"{rss['slope_stderr']} MB/min; glibc arenas besides the main one: "
        f"{', '.join(map(str, arenas)) or 'not read'}"
    )


def _verdict(r: dict[str, Any]) -> str:
    """Flat when the second-half slope is within 0.1 MB/min (6 MB an hour) of 0."""
    rss = r["memory_trend"].get("rss_mb")
    if not rss:
        return "Not measured."
    slope = rss["slope_mb_per_min"]
    if abs(slope) <= 0.1:
        return "No growth: flat after the warm-up (slope within 0.1 MB/min of 0)."
    return (
        f"Not flat: {60 * slope:.0f} MB an hour at this rate; a longer run must "
        "show whether it levels off."
    )


def markdown(m: dict[str, Any]) -> str:
    lines = [
        MARKER,
        "",
        "Written by `python benchmarks/reliability.py` with the harness in",
        "`benchmarks/_faults.py`; `tests/reliability/` asserts the same functions",
        "with smaller sizes in `make test`. Every batch is sent twice (the retry of",
        "a client that lost the answer), clients overlap by a quarter to a third of",
        "each batch, and one batch is sent by every client at once with the same key.",
        "",
        "| backend | face | batches | retries | ids sent | predictions stored | lost | doubled | labels stored | labels lost / doubled | receipts agree | errors | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in m["exactly_once"]:
        ok = (
            r["predictions_lost"] == 0
            and r["predictions_doubled"] == 0
            and r["labels_lost"] == 0
            and r["labels_doubled"] == 0
            and r["receipts_agree"]
            and r["label_receipts_agree"]
            and not r["errors"]
        )
        lines.append(
            f"| {r['backend']} | {r['face']} | {r['batches_sent']} | {r['retries']} | "
            f"{r['ids_sent']:,} | {r['predictions_stored']:,} | {r['predictions_lost']} | "
            f"{r['predictions_doubled']} | {r['labels_stored']:,} | {r['labels_lost']} / "
            f"{r['labels_doubled']} | {r['receipts_agree'] and r['label_receipts_agree']} | "
            f"{len(r['errors'])} | {_yes(ok)} |"
        )
    lines += [
        "",
        "Gaps found and closed: two writers of the same batch key at once failed",
        "with a unique-key violation on PostgreSQL (now the second gets the first's",
        "receipt); PostgreSQL inserts of overlapping ids now go in id order (no",
        "deadlock) and a model's label batches are serialized (exact counts).",
        "",
        "## Notification outbox",
        "",
        "Receiver down (port closed) while alerts open; a real `pipewarden serve`",
        "retries with the channel's backoff (0.3 s here; 30 s by default), is",
        "restarted while the receiver is still down, then the receiver comes back.",
        "Then a receiver that hangs (timeout 0.5 s), answers 500, then accepts.",
        "",
        "| backend | notifications | sent while down | delivered after restart | lost | doubled | hang: pass bounded | backoff waits (s) | alert recorded | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in m["outbox"]:
        s, h = r["restart"], r["hang"]
        ok = (
            s["exact"]
            and s["lost"] == 0
            and s["doubled"] == 0
            and h["exact"]
            and h["sent_again"] == 0
        )
        lines.append(
            f"| {r['backend']} | {s['notifications']} | {s['sent_while_down']} | "
            f"{s['accepted']} | {s['lost']} | {s['doubled']} | "
            f"{h['hang_pass_seconds']} s for 2 | {h['waits_after_hang']} then "
            f"{h['waits_after_500']} | {h['alerts_recorded']} of 2 | {_yes(ok)} |"
        )
    lines += [
        "",
        "Gap found and closed: a server stopped during a pass over the outbox left",
        "the notifications it had leased untouchable for the 5-minute lease (the",
        "restart test saw 4 of 4 still pending after 60 s); the server now lets the",
        "pass finish before closing the store, and a pass stopped midway hands its",
        "leases back. A SIGKILL during a pass still waits for the lease (at most one",
        "duplicate, never a loss: see monitor/notify.py).",
        "",
        "## Faults",
        "",
        "### SIGKILL",
        "",
        "Each operation started as `python -m pipewarden ...` and killed at a random",
        "moment between half the run's time and 1.1x of it; afterwards the store is",
        "checked (each prediction batch whole or absent: its `stored` equals its rows",
        "in `predictions`; no alert without its events, no status its events do not",
        "explain, no doubled open alert), then every batch is logged again and the",
        "window computation re-run.",
        "",
        "| backend | operation | started | killed | finished | after: half-written batches | after: alert problems | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for backend, k in m["kills"].items():
        for name, p in k["phases"].items():
            after = p["after"]
            half = after.get("batches_unfilled", "-")
            alert_problems = (
                (
                    after.get("eventless", 0)
                    + after.get("status_unexplained", 0)
                    + after.get("doubled_open", 0)
                )
                if "alerts" in after
                else "-"
            )
            ok = half in (0, "-") and alert_problems in (0, "-")
            lines.append(
                f"| {backend} | {name} | {p['attempts']} | {p['killed']} | "
                f"{p['finished']} | {half} | {alert_problems} | {_yes(ok)} |"
            )
        f = k["final"]
        ok = (
            f["predictions_rows"] == f["predictions_distinct"] == k["ids_sent"]
            and f["labels_rows"] == k["ids_sent"]
            and set(k["rerun_exits"]) <= {0, 1}
        )
        lines.append(
            f"| {backend} | next runs: every batch again, then `monitor` | "
            f"{len(k['rerun_exits'])} | - | {len(k['rerun_exits'])} | "
            f"{f['batches_unfilled']} | {k['final_alerts']['doubled_open']} | "
            f"{_yes(ok)}: {f['predictions_rows']:,} of {k['ids_sent']:,} predictions, "
            f"{f['labels_rows']:,} labels, each once |"
        )
    lines += ["", "### PostgreSQL restarted during ingest", ""]
    pg = m.get("pg_restart")
    if pg is None:
        lines.append(
            "Not run: no PostgreSQL (set PIPEWARDEN_TEST_PG_URL; a separate cluster is started on its own port)."
        )
    else:
        ok = pg["client_exit"] == 0 and pg["lost"] == 0 and pg["doubled"] == 0
        lines += [
            "A separate throwaway cluster (scripts/pg_test_server.sh on its own port),",
            "restarted with `pg_ctl restart -m fast` (connections terminated) while a",
            f"client logs {pg['batches']} batches of {pg['ids_sent'] // max(pg['batches'], 1):,} rows.",
            "",
            "| restarts | restart took (s) | retries reported | rows sent | stored | lost | doubled | client exit | verdict |",
            "|---|---|---|---|---|---|---|---|---|",
            f"| {pg['restarts']} | {pg['restart_seconds']} | {pg['retries_reported']} | "
            f"{pg['ids_sent']:,} | {pg['stored']:,} | {pg['lost']} | {pg['doubled']} | "
            f"{pg['client_exit']} | {_yes(ok)} |",
            "",
            f"What the client reports: `{pg['retry_example']}`",
        ]
    lines += ["", "### Disk full (conform output and quarantine on a 1 MiB tmpfs)", ""]
    disk = m["disk_full"]
    if isinstance(disk, str):
        lines.append(f"Not run: {disk}.")
    else:
        lines += [
            "| case | exit | one line | traceback | files left on the full disk | input untouched | message |",
            "|---|---|---|---|---|---|---|",
        ]
        for c in disk:
            lines.append(
                f"| {c['case']} | {c['exit']} | {c['one_line']} | {c['traceback']} | "
                f"{len(c['files_left_on_small_disk'])} | {c['input_untouched']} | "
                f"{c['message'][:160]} |"
            )
    lines += [
        "",
        "### A store at a newer schema",
        "",
        "| backend | command | exit | traceback | message | revision after |",
        "|---|---|---|---|---|---|",
    ]
    for backend, n in m["newer_schema"].items():
        for command, (code, first, tb) in n["commands"].items():
            lines.append(
                f"| {backend} | `{command}` | {code} | {tb} | "
                f"{(first[0] if first else '')[:170]} | {n['revision_after']} |"
            )
    lines += [
        "",
        "## API fuzzing",
        "",
        "schemathesis against `/openapi.json` (in process, FastAPI's TestClient):",
        "positive and negative cases for every operation, each with the right token,",
        'none and a wrong one. Checked: no 5xx, every error `{"error", "message"}`,',
        "no write accepted without a valid token (and the store's row counts",
        "unchanged after the unauthenticated cases).",
        "",
    ]
    for backend, fz in m["fuzz"].items():
        routes = fz["routes"]
        bad = [
            r
            for r in routes
            if r["server_errors"] or r["bad_shape"] or r["writes_without_token"]
        ]
        lines += [
            f"**{backend}**: {fz['cases']:,} cases over {len(routes)} routes; "
            f"routes with a problem: {len(bad)}. SQL- and path-like text in every",
            f"path parameter, filter and sort key: {fz['hostile']['requests']:,} requests, "
            f"problems {len(fz['hostile']['problems'])}. Bodies over the limit",
            f"(declared and chunked, and an upload): {fz['oversized']['refused_413']} of "
            f"{fz['oversized']['requests']} answered 413 in the error shape.",
            "",
        ]
    first = next(iter(m["fuzz"].values()))
    lines += [
        "| route | write | cases | 5xx | bad error shape | writes without token |",
        "|---|---|---|---|---|---|",
    ]
    for r in first["routes"]:
        lines.append(
            f"| `{r['route']}` | {r['write']} | {r['cases']} | {len(r['server_errors'])} | "
            f"{len(r['bad_shape'])} | {len(r['writes_without_token'])} |"
        )
    t = m["tokens"]
    ok = (
        t["token_in_answers"]
        == t["token_in_log"]
        == t["wrong_token_in_log"]
        == t["wrong_token_in_answers"]
        == 0
    )
    lines += [
        "",
        "## Tokens",
        "",
        "`server/auth.py` compares with `hmac.compare_digest` (a test reads the code:",
        "no `==` on the token). A real `pipewarden serve` was used with its token, a",
        "wrong one and none (writes, reads, dashboard pages, its form, /metrics,",
        "/openapi.json); then both tokens were searched in every answer (body and",
        "headers) and in the server's stdout/stderr.",
        "",
        "| requests | writes with token | wrong token | no token | token in answers | in the log | wrong token in answers / log | verdict |",
        "|---|---|---|---|---|---|---|---|",
        f"| {t['requests']} | {t['writes_with_token']} | {t['writes_wrong_token']} | "
        f"{t['writes_no_token']} | {t['token_in_answers']} | {t['token_in_log']} | "
        f"{t['wrong_token_in_answers']} / {t['wrong_token_in_log']} | {_yes(ok)} |",
        "",
        "## Load",
        "",
    ]
    load = m.get("load")
    if load:
        lines += [
            f"From `benchmarks/bench_load.py` (`make bench`), {load['date']}, "
            f"{load['clients']} clients x {load['seconds']:g} s on {load['cpus']} CPUs "
            "shared with other jobs; the floor is a bare executemany of the same rows",
            "into a scratch table of the same database.",
            "",
            "| backend | requests/s | ingest rows/s | floor rows/s (ratio) | ingest p50 / p99 ms | read p50 / p99 ms | errors | rows acknowledged | lost | doubled | server RSS before -> after MB |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for backend in ("sqlite", "postgresql"):
            r = load.get(f"{backend}_http")
            if r:
                lines.append(
                    f"| {backend} | {r['requests_per_s']} | {r['rows_per_s']:,} | "
                    f"{r['floor_rows_per_s']:,} ({r['floor_ratio']}x) | {r['ingest_p50_ms']} / "
                    f"{r['ingest_p99_ms']} | {r['read_p50_ms']} / {r['read_p99_ms']} | "
                    f"{r['errors']} | {r['rows_acknowledged']:,} | {r['rows_lost']} | "
                    f"{r['rows_doubled']} | {r['rss_before_mb']} -> {r['rss_after_mb']} |"
                )
        for backend in ("sqlite", "postgresql"):
            r = load.get(f"{backend}_http")
            if r and (r.get("memory_samples") or r.get("rss_samples_mb")):
                shown = (
                    _memory_line(r)
                    if r.get("memory_samples")  # an older run: every tenth of it
                    else f"server RSS every tenth of the run (MB): {r['rss_samples_mb']}"
                )
                lines += [
                    "",
                    f"{backend}: {shown}, while the store grew to "
                    f"{r['rows_stored']:,} predictions (the memory grows with the "
                    "data here; the steady run below keeps the data fixed).",
                ]
        steady = m.get("steady")
        if steady and steady.get("memory_samples"):
            lines += [
                "",
                f"At constant store size (`bench_load.py --steady 5 --seconds "
                f"{steady['seconds']:.0f}`: each client replays its first five batches, "
                f"so the store stays at {steady['rows_stored']:,} predictions; "
                f"{steady['requests_per_s']} requests/s, {steady['errors']} errors, "
                f"{steady['rows_lost']} lost, {steady['rows_doubled']} doubled): "
                f"{_memory_line(steady)}. **{_verdict(steady)}** `pipewarden serve` "
                "caps glibc's malloc arenas at 2 (`server/memory.py`); with one arena "
                "per worker thread RSS grew by ~0.9 MB/min of steady load "
                "(benchmarks/README.md, Load).",
            ]
        lines += [
            "",
            "| backend | recorder processes | runs | seconds | runs/s | exits | runs lost |",
            "|---|---|---|---|---|---|---|",
        ]
        for backend in ("sqlite", "postgresql"):
            r = load.get(f"{backend}_recorders")
            if r:
                lines.append(
                    f"| {backend} | {r['processes']} | {r['runs_recorded']} | "
                    f"{r['seconds']} | {r['runs_per_s']} | {r['exits']} | {r['runs_lost']} |"
                )
    else:
        r = m["load_short"]
        lines += [
            "`benchmarks/bench_load.py` has not been run here (`make bench`); a 5-second",
            f"run: {r['requests_per_s']} requests/s, ingest p99 {r['ingest_p99_ms']} ms, "
            f"errors {r['errors']}, rows lost {r['rows_lost']}.",
        ]
    d = m["dependencies"]
    lines += [
        "",
        "## Dependencies",
        "",
        "| check | result |",
        "|---|---|",
        f"| requirements/base.txt pins with sha256 hashes | {d['base']['with_hashes']} of {d['base']['pins']} |",
        f"| requirements/dev.txt pins with sha256 hashes | {d['dev']['with_hashes']} of {d['dev']['pins']} |",
        f"| `make lock` generates hashes (`uv pip compile --generate-hashes`) | {d['lock_generates_hashes']} |",
        f"| installs check them (`uv pip install --require-hashes`, used by `make test` and .ci/run) | {d['install_requires_hashes']} |",
        "| vulnerability audit (pip-audit) | **could not run here**: no vulnerability database is reachable from this machine, so no audit result is claimed |",
        "",
    ]
    return "\n".join(lines)
