"""Load: 8 concurrent HTTP clients for 60 s against prediction ingest and the read
endpoints of a real ``pipewarden serve`` on 127.0.0.1, and 4 processes recording runs
into one store; SQLite, then PostgreSQL (when PIPEWARDEN_TEST_PG_URL is set).

    .venv/bin/python benchmarks/bench_load.py [--seconds 60] [--clients 8] [--runs 100]

Prints throughput, p50/p99 latency, errors, rows lost (target 0) and the server's
memory: RSS before and after, sampled every max(2, seconds/60) s with its anonymous
part, threads and glibc arenas, and the least-squares slope of RSS over the second
half of the run (MB/min: near 0 is a plateau, a leak a steady positive slope). The
floor is a bare executemany of the same (model, id, time, prediction) rows into a
scratch table of the same database, timed in the same run. Writes
benchmarks/load-results.json, which reliability.py puts in RELIABILITY.md's Load
section.

    .venv/bin/python benchmarks/bench_load.py --steady 5 --seconds 480 \
        [--server-env MALLOC_ARENA_MAX=8]

replays each client's first five batches (the store stops growing at 8,000
predictions) so the server's memory is measured over the same work; SQLite, HTTP
only. Writes benchmarks/load-steady-results.json (also in RELIABILITY.md).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import _faults as faults  # noqa: E402
import sqlalchemy as sa  # noqa: E402

OUT = Path(__file__).with_name("load-results.json")
STEADY_OUT = Path(__file__).with_name("load-steady-results.json")


def pg_schema_url(base: str) -> tuple[str, str]:
    schema = f"pw_load_{secrets.token_hex(4)}"
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.schema.CreateSchema(schema))
    engine.dispose()
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}", schema


def drop_schema(base: str, schema: str) -> None:
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.schema.DropSchema(schema, cascade=True))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--runs", type=int, default=100, help="runs per recorder")
    parser.add_argument(
        "--steady",
        type=int,
        default=None,
        metavar="BATCHES",
        help="only the HTTP run, each client replaying its first BATCHES batches "
        "(the store stops growing): the server's memory over the same work",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set in the server's environment (with --steady), e.g. MALLOC_ARENA_MAX=2",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=STEADY_OUT,
        help="with --steady: write the result here (default %(default)s, which "
        "reliability.py puts in RELIABILITY.md's Load section)",
    )
    args = parser.parse_args()
    if args.steady:
        steady(args)
        return
    results: dict[str, object] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "seconds": args.seconds,
        "clients": args.clients,
        "cpus": os.cpu_count(),
    }
    backends = [("sqlite", None)]
    if os.environ.get("PIPEWARDEN_TEST_PG_URL"):
        backends.append(("postgresql", os.environ["PIPEWARDEN_TEST_PG_URL"]))
    for name, base in backends:
        for kind in ("http", "recorders"):
            folder = Path(tempfile.mkdtemp(prefix="pw-load-"))
            schema = None
            if base is None:
                url = f"sqlite:///{folder / 'store.db'}"
            else:
                url, schema = pg_schema_url(base)
            try:
                if kind == "http":
                    result = faults.load_http(
                        url, folder, clients=args.clients, seconds=args.seconds
                    )
                else:
                    result = faults.load_recorders(url, processes=4, runs=args.runs)
            finally:
                if schema is not None and base is not None:
                    drop_schema(base, schema)
            print(f"{name} {kind}: {json.dumps(result)}", flush=True)
            results[f"{name}_{kind}"] = result
    OUT.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {OUT}")


def steady(args: argparse.Namespace) -> None:
    """The HTTP load on a store that stops growing after the first round of batches."""
    folder = Path(tempfile.mkdtemp(prefix="pw-steady-"))
    server_env = dict(item.split("=", 1) for item in args.server_env)
    result = faults.load_http(
        f"sqlite:///{folder / 'store.db'}",
        folder,
        clients=args.clients,
        seconds=args.seconds,
        replay=args.steady,
        server_env=server_env,
    )
    shown = {k: v for k, v in result.items() if k != "memory_samples"}
    print(f"sqlite steady: {json.dumps(shown)}", flush=True)
    print("RSS MB every sample:", [s["rss_mb"] for s in result["memory_samples"]])
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
