"""Reliability: bad input through the real commands, kill -9 and concurrent writers.

Each class of bad input runs as the real command (``python -m pipewarden ...``) in a
fresh temporary folder, with a timeout. Every run is judged against five targets:
no traceback reaches the user, no row is lost (conform: rows in = out + quarantined),
no silent misread (each class says what a correct outcome is), no secret is printed
or stored, and no input is overwritten (every file is hashed before and after).
Then recorded runs are killed with SIGKILL at random points, and 8 processes write
to one SQLite store at once. Writes ``benchmarks/RELIABILITY.md``.

    python benchmarks/reliability.py            # about 3 minutes on 2 cores
    python benchmarks/reliability.py --faults-only   # only the sections of issue #21

The sections of issue #21 (nothing lost or doubled, outbox, SIGKILL, PostgreSQL
restart, disk full, newer schema, API fuzzing, tokens, load, dependencies) come from
``_faults_report.py``; set PIPEWARDEN_TEST_PG_URL to measure PostgreSQL too.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

import pipewarden as pw

HERE = Path(__file__).resolve().parent
OUT = HERE / "RELIABILITY.md"
TIMEOUT = 120
SECRETS = ("s3cr3t", "AKIAFAKEKEY0123456789")
PG_DOWN = "127.0.0.1:1"
"""A PostgreSQL address nothing listens on."""

Setup = Callable[[Path], None]


@dataclass
class Outcome:
    code: int | None
    stdout: str
    stderr: str
    seconds: float


@dataclass
class Case:
    """One class of bad input: the command, and what a correct outcome is.

    ``expect`` is the set of exit codes that are correct: {2} when the input must be
    refused, {0, 1} when it must be read (then ``verify`` checks what was read),
    {0, 1, 2} when reading it right or refusing it are both correct.
    """

    name: str
    args: list[str]
    expect: set[int]
    setup: Setup | None = None
    verify: Callable[[Path, Outcome], str | None] | None = None
    rows_in: int | None = None
    """For conform: the rows of the input, to account for every one."""
    results: dict[str, object] = field(default_factory=dict)


# ------------------------------------------------------------------ fixtures

N = 100


def good_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": list(range(N)),
            "amount": [10.0 + 1.5 * i for i in range(N)],
            "grade": [("A", "B", "C", "D")[i % 4] for i in range(N)],
            "ok": [i % 3 == 0 for i in range(N)],
            "ts": [dt.datetime(2024, 1, 1) + dt.timedelta(minutes=i) for i in range(N)],
        }
    )


def base_folder(folder: Path) -> None:
    """good.csv, good.parquet, contract.yaml, ref.json and a source database."""
    frame = good_frame()
    frame.write_csv(folder / "good.csv")
    frame.write_parquet(folder / "good.parquet")
    pw.dump_contract(pw.infer_contract(pw.profile(frame)), folder / "contract.yaml")
    pw.profile(frame).save(folder / "ref.json")
    with sqlite3.connect(folder / "src.db") as db:
        db.execute("create table t (id integer, amount real, grade text)")
        db.executemany(
            "insert into t values (?, ?, ?)",
            [(i, 1.5 * i, "AB"[i % 2]) for i in range(N)],
        )


def write(name: str, content: str | bytes) -> Setup:
    def setup(folder: Path) -> None:
        data = content.encode() if isinstance(content, str) else content
        (folder / name).write_bytes(data)

    return setup


def frame_file(name: str, make: Callable[[], pl.DataFrame]) -> Setup:
    def setup(folder: Path) -> None:
        frame = make()
        path = folder / name
        if name.endswith(".parquet"):
            frame.write_parquet(path)
        else:
            frame.write_csv(path)

    return setup


def contract_text(edit: Callable[[str], str]) -> Setup:
    def setup(folder: Path) -> None:
        path = folder / "bad.yaml"
        path.write_text(edit((folder / "contract.yaml").read_text()))

    return setup


def good_csv_text() -> str:
    return good_frame().write_csv()


def profile_of(folder: Path, name: str = "p.json") -> dict[str, object] | None:
    path = folder / name
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    return data if isinstance(data, dict) else None


def rows_and_columns(rows: int, columns: int) -> Callable[[Path, Outcome], str | None]:
    """A profile written to p.json must have these rows and columns (or be refused)."""

    def verify(folder: Path, outcome: Outcome) -> str | None:
        if outcome.code == 2:
            return None
        data = profile_of(folder)
        if data is None:
            return "no profile written"
        got = (data.get("rows"), len(data.get("columns", {})))  # type: ignore[arg-type]
        return (
            None if got == (rows, columns) else f"read {got}, wrote {(rows, columns)}"
        )

    return verify


def unicode_text(folder: Path, outcome: Outcome) -> str | None:
    """The latin-1 / UTF-16 file must keep its accents, or be refused."""
    if outcome.code == 2:
        return None
    data = profile_of(folder)
    if data is None:
        return "no profile written"
    text = json.dumps(data, ensure_ascii=False)
    return None if "Zoë" in text and data.get("rows") == 3 else "accents or rows lost"


# ------------------------------------------------------------------ classes

PROFILE = ["profile", "-o", "p.json"]


def reader_cases() -> list[Case]:
    header = "id,amount,grade\n"
    utf_text = "name,city\nZoë,Köln\nRenée,Zürich\nJosé,Málaga\n"
    huge = "id,big\n1,99999999999999999999999\n2,-99999999999999999999999\n3,5\n"
    big_string = "id,text\n1," + "x" * 1_000_000 + "\n2,short\n"
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("good.csv", good_csv_text())
    zip_bytes = zipped.getvalue()
    parquet_bytes = _parquet_bytes(good_frame())
    return [
        Case("missing file", [*PROFILE, "nope.csv"], {2}),
        Case("empty file", [*PROFILE, "e.csv"], {2}, write("e.csv", "")),
        Case(
            "header only",
            [*PROFILE, "h.csv"],
            {0, 1},
            write("h.csv", header),
            rows_and_columns(0, 3),
        ),
        Case(
            "truncated CSV (inside a quoted field)",
            [*PROFILE, "t.csv"],
            {0, 1, 2},
            write("t.csv", header + '1,2.0,"A\n2,3.0,"unterminated'),
        ),
        Case(
            "ragged rows",
            [*PROFILE, "r.csv"],
            {0, 1, 2},
            write("r.csv", header + "1,2.0,A\n2,3.0\n3,4.0,C,extra\n"),
        ),
        Case(
            "latin-1 CSV",
            [*PROFILE, "l.csv"],
            {0, 1, 2},
            write("l.csv", utf_text.encode("latin-1")),
            _latin_verify,
        ),
        Case(
            "UTF-16 CSV",
            [*PROFILE, "u16.csv"],
            {0, 1, 2},
            write("u16.csv", utf_text.encode("utf-16")),
            unicode_text,
        ),
        Case(
            "UTF-8 BOM",
            [*PROFILE, "bom.csv"],
            {0, 1},
            write("bom.csv", "\ufeff" + good_csv_text()),
            _bom_verify,
        ),
        Case(
            "gzip CSV named .csv",
            [*PROFILE, "gz.csv"],
            {0, 1, 2},
            write("gz.csv", gzip.compress(good_csv_text().encode())),
            rows_and_columns(N, 5),
        ),
        Case(
            "gzip CSV named .csv.gz",
            [*PROFILE, "good.csv.gz"],
            {0, 1},
            write("good.csv.gz", gzip.compress(good_csv_text().encode())),
            rows_and_columns(N, 5),
        ),
        Case(
            "binary bytes named .csv",
            [*PROFILE, "bin.csv"],
            {2},
            write("bin.csv", random.Random(1).randbytes(4096)),
        ),
        Case(
            "zip archive named .csv",
            [*PROFILE, "z.csv"],
            {2},
            write("z.csv", zip_bytes),
        ),
        Case(
            "Parquet named .csv",
            [*PROFILE, "pq.csv"],
            {0, 1, 2},
            write("pq.csv", parquet_bytes),
            rows_and_columns(N, 5),
        ),
        Case(
            "CSV named .parquet",
            [*PROFILE, "csv.parquet"],
            {2},
            write("csv.parquet", good_csv_text()),
        ),
        Case(
            "truncated Parquet",
            [*PROFILE, "cut.parquet"],
            {2},
            write("cut.parquet", parquet_bytes[: len(parquet_bytes) // 2]),
        ),
        Case(
            "duplicate column names",
            [*PROFILE, "dup.csv"],
            {2},
            write("dup.csv", "a,b,a\n1,2,3\n"),
        ),
        Case(
            "unicode column names",
            [*PROFILE, "uni.csv"],
            {0, 1},
            write("uni.csv", "数量,prix €,🙂\n1,2.5,x\n2,3.5,y\n"),
            rows_and_columns(2, 3),
        ),
        Case(
            "all-null column",
            [*PROFILE, "null.csv"],
            {0, 1},
            write("null.csv", "a,b\n1,\n2,\n3,\n"),
            rows_and_columns(3, 2),
        ),
        Case(
            "NaN and infinities",
            [*PROFILE, "nan.csv"],
            {0, 1},
            write("nan.csv", "x\nNaN\ninf\n-inf\n1.5\n"),
            rows_and_columns(4, 1),
        ),
        Case(
            "integers past 64 bits",
            [*PROFILE, "huge.csv"],
            {0, 1},
            write("huge.csv", huge),
            rows_and_columns(3, 2),
        ),
        Case(
            "1 MB string",
            [*PROFILE, "big.csv"],
            {0, 1},
            write("big.csv", big_string),
            rows_and_columns(2, 2),
        ),
        Case(
            "mixed types in a column",
            [*PROFILE, "mixed.csv"],
            {0, 1},
            write("mixed.csv", "v\n" + "1\n" * 20_000 + "word\n2024-01-01\n"),
            rows_and_columns(20_002, 1),
        ),
        Case(
            "JSON Lines with a broken line",
            [*PROFILE, "b.jsonl"],
            {2},
            write("b.jsonl", '{"a": 1}\n{"a": \n{"a": 3}\n'),
        ),
        Case(
            "JSON Lines with nested values and missing keys",
            [*PROFILE, "n.jsonl"],
            {0, 1, 2},
            write("n.jsonl", '{"a": 1, "b": {"c": [1, 2]}}\n{"b": null}\n{"a": 3}\n'),
            rows_and_columns(3, 2),
        ),
        Case("empty JSON Lines", [*PROFILE, "e.jsonl"], {2}, write("e.jsonl", "")),
        Case(
            "unknown extension", [*PROFILE, "data.xlsx"], {2}, write("data.xlsx", "x")
        ),
        Case("glob matching nothing", [*PROFILE, "nothing/*.parquet"], {2}),
        Case(
            "directory without Parquet files",
            [*PROFILE, "empty"],
            {2},
            lambda folder: (folder / "empty").mkdir(),
        ),
        Case(
            "Parquet with out-of-range timestamps",
            [*PROFILE, "far.parquet"],
            {0, 1, 2},
            _far_parquet,
        ),
        Case(
            "Parquet with a fixed-offset time zone",
            [*PROFILE, "tz.parquet"],
            {0, 1},
            _offset_parquet,
            rows_and_columns(3, 1),
        ),
        Case(
            "Parquet with nested, decimal and dictionary columns",
            [*PROFILE, "nested.parquet"],
            {0, 1},
            _nested_parquet,
            rows_and_columns(3, 3),
        ),
        Case(
            "saved profile with garbage",
            ["drift", "bad.json", "good.csv"],
            {2},
            write("bad.json", '{"kind": "pipewarden/profile", "rows": "many"}'),
        ),
    ]


def _latin_verify(folder: Path, outcome: Outcome) -> str | None:
    # Read lossily (U+FFFD, with a warning) is the documented choice: rows must hold.
    if outcome.code == 2:
        return None
    data = profile_of(folder)
    return None if data and data.get("rows") == 3 else "rows lost"


def _bom_verify(folder: Path, outcome: Outcome) -> str | None:
    data = profile_of(folder)
    if data is None:
        return "no profile written"
    names = [c["name"] for c in data.get("columns", [])]  # type: ignore[attr-defined]
    return None if names and names[0] == "id" else f"first column read as {names[:1]}"


def _parquet_bytes(frame: pl.DataFrame) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.parquet"
        frame.write_parquet(path)
        return path.read_bytes()


def _far_parquet(folder: Path) -> None:
    far = pa.array([2**62, 0, None], pa.int64()).cast(pa.timestamp("ms"))
    pq.write_table(pa.table({"t": far}), folder / "far.parquet")


def _offset_parquet(folder: Path) -> None:
    times = pa.array([0, 10**12, None], pa.int64()).cast(pa.timestamp("us", "+05:30"))
    pq.write_table(pa.table({"t": times}), folder / "tz.parquet")


def _nested_parquet(folder: Path) -> None:
    table = pa.table(
        {
            "tags": pa.array([[1, 2], None, []], pa.list_(pa.int64())),
            "price": pa.array(["1.2500", None, "3.1000"]).cast(pa.decimal128(10, 4)),
            "grade": pa.array(["a", "b", "a"]).dictionary_encode(),
        }
    )
    pq.write_table(table, folder / "nested.parquet")


def contract_cases() -> list[Case]:
    check = ["check", "bad.yaml", "good.csv"]
    return [
        Case("missing contract", ["check", "none.yaml", "good.csv"], {2}),
        Case("malformed YAML", check, {2}, write("bad.yaml", "kind: [unclosed\n")),
        Case("empty contract", check, {2}, write("bad.yaml", "")),
        Case(
            "wrong kind",
            check,
            {2},
            contract_text(lambda t: t.replace("pipewarden/contract", "k8s/pod")),
        ),
        Case(
            "unknown dtype",
            check,
            {2},
            contract_text(lambda t: t.replace("dtype: Float64", "dtype: Float65", 1)),
        ),
        Case(
            "inverted range",
            check,
            {2},
            contract_text(
                lambda t: re.sub(
                    r"range:\n      min: \S+\n      max: \S+",
                    "range:\n      min: 1000.0\n      max: -5.0",
                    t,
                    count=1,
                )
            ),
        ),
        Case(
            "inverted row count",
            check,
            {2},
            contract_text(
                lambda t: re.sub(r"rows:\n    min: \d+", "rows:\n    min: 5000", t)
            ),
        ),
        Case(
            "bad datetime_format",
            check,
            {2},
            contract_text(
                lambda t: t.replace(
                    "on_unseen: keep", "on_unseen: keep\n      datetime_format: '%Q'", 1
                )
            ),
        ),
        Case(
            "unknown key",
            check,
            {2},
            contract_text(lambda t: t.replace("columns:", "colums: {}\ncolumns:", 1)),
        ),
        Case(
            "a CSV given as the contract",
            ["check", "good.csv", "good.csv"],
            {2},
        ),
        Case(
            "contract and data swapped",
            ["check", "good.csv", "contract.yaml"],
            {2},
        ),
        Case(
            "conform: a column the data lacks (policy fill)",
            ["conform", "bad.yaml", "good.csv", "-o", "out.csv", "--json", "-"],
            {0, 1},
            contract_text(lambda t: t.replace("  grade:", "  grade_missing:", 1)),
            rows_in=N,
        ),
    ]


def _strict_and_missing(folder: Path) -> None:
    text = (folder / "contract.yaml").read_text()
    (folder / "bad.yaml").write_text(
        text.replace("missing_columns: fill", "missing_columns: fail")
    )
    good_frame().drop("grade").write_csv(folder / "m.csv")


def _conform(name: str, setup: Setup | None, data: str, rows: int) -> Case:
    return Case(
        name,
        ["conform", "contract.yaml", data, "-o", "out.parquet", "--json", "-"],
        {0, 1},
        setup,
        rows_in=rows,
    )


def conform_cases() -> list[Case]:
    def shifted(folder: Path) -> None:
        frame = good_frame().with_columns(
            pl.col("amount").cast(pl.String).str.replace(r"^1", "$1,"),
            pl.when(pl.col("id") % 7 == 0)
            .then(None)
            .otherwise(pl.col("grade"))
            .alias("grade"),
        )
        frame = frame.with_columns(pl.col("id").cast(pl.String).replace({"5": "five"}))
        frame.write_csv(folder / "messy.csv")

    def wild(folder: Path) -> None:
        rows = [
            "id,amount,grade,ok,ts,extra",
            "1,NaN,A,true,2024-01-01,",
            "99999999999999999999999,1e400,Z,,,",
            "x,lots,,maybe,5,1",
            "4,-inf," + "é" * 1_000_000 + ",false,2024-01-01 10:00,",
            "5,inf,B,true,2024-02-30,",
        ]
        (folder / "wild.csv").write_text("\n".join(rows) + "\n")

    return [
        _conform("conform: messy values", shifted, "messy.csv", N),
        _conform("conform: NaN, inf, huge ints, 1 MB strings", wild, "wild.csv", 5),
        _conform(
            "conform: all-null columns",
            write("nulls.csv", "id,amount,grade,ok,ts\n" + ",,,,\n" * 10),
            "nulls.csv",
            10,
        ),
        _conform(
            "conform: header only",
            write("h.csv", "id,amount,grade,ok,ts\n"),
            "h.csv",
            0,
        ),
        _conform(
            "conform: unicode and unexpected columns",
            frame_file(
                "u.csv", lambda: good_frame().with_columns(pl.lit("x").alias("数量 🙂"))
            ),
            "u.csv",
            N,
        ),
        _conform(
            "conform: Parquet input",
            None,
            "good.parquet",
            N,
        ),
        Case(
            "conform: a missing column (policy fail)",
            ["conform", "bad.yaml", "m.csv", "-o", "out.csv"],
            {2},
            _strict_and_missing,
        ),
    ]


def output_cases() -> list[Case]:
    return [
        Case(
            "conform -o DATA",
            ["conform", "contract.yaml", "good.csv", "-o", "good.csv"],
            {2},
        ),
        Case(
            "check --json CONTRACT",
            ["check", "contract.yaml", "good.csv", "--json", "contract.yaml"],
            {2},
        ),
        Case(
            "contract infer -o DATA",
            ["contract", "infer", "good.csv", "-o", "good.csv"],
            {2},
        ),
        Case(
            "conform -o == --quarantine",
            [
                "conform",
                "contract.yaml",
                "good.csv",
                "-o",
                "o.csv",
                "--quarantine",
                "o.csv",
            ],
            {2},
        ),
        Case("profile -o DATA", ["profile", "good.csv", "-o", "good.csv"], {2}),
        Case(
            "drift --html REFERENCE",
            ["drift", "good.csv", "good.parquet", "--html", "good.csv"],
            {2},
        ),
        Case(
            "conform -o through a symlink to DATA",
            ["conform", "contract.yaml", "good.csv", "-o", "link.csv"],
            {2},
            lambda folder: (folder / "link.csv").symlink_to(folder / "good.csv"),
        ),
        Case(
            "check --store on the data's SQLite file",
            [
                "check",
                "contract.yaml",
                "sqlite:///src.db",
                "--query",
                "select * from t",
                "--store",
                "sqlite:///src.db",
            ],
            {2},
        ),
        Case(
            "output into a missing folder",
            ["profile", "good.csv", "-o", "no/such/dir/p.json"],
            {0, 1, 2},
        ),
    ]


def store_cases() -> list[Case]:
    check = ["check", "contract.yaml", "good.csv", "--dataset", "d", "--store"]

    def other_app(folder: Path) -> None:
        with sqlite3.connect(folder / "app.db") as db:
            db.execute("create table customers (id integer, name text)")

    def read_only(folder: Path) -> None:
        from pipewarden.store import open_store

        with open_store(f"sqlite:///{folder / 'ro.db'}"):
            pass  # a pipewarden store, then opened read-only

    return [
        Case("store: unknown scheme", [*check, "foo://u:s3cr3t@host/db"], {2}),
        Case(
            "store: missing driver",
            [*check, "mysql+nosuchdriver://u:s3cr3t@host/db"],
            {2},
        ),
        Case(
            "store: unreachable PostgreSQL (secret in URL)",
            [*check, f"postgresql+psycopg://u:s3cr3t@{PG_DOWN}/db"],
            {2},
        ),
        Case(
            "store: read-only SQLite (mode=ro)",
            [*check, "sqlite:///file:ro.db?mode=ro&uri=true"],
            {2},
            read_only,
        ),
        Case(
            "store: another application's database",
            [*check, "sqlite:///app.db"],
            {2},
            other_app,
        ),
        Case("store: a directory", [*check, "sqlite:///."], {2}),
        Case("store: not a database", [*check, "sqlite:///good.csv"], {2}),
        Case(
            "runs list on a missing store",
            ["runs", "list", "--store", "sqlite:///none.db"],
            {0, 2},
        ),
    ]


def sql_cases() -> list[Case]:
    return [
        Case("SQL: missing query", ["profile", "sqlite:///src.db"], {2}),
        Case(
            "SQL: write query (drop table)",
            ["profile", "sqlite:///src.db", "--query", "drop table t"],
            {2},
            verify=_table_kept,
        ),
        Case(
            "SQL: write query hidden after a comment",
            ["profile", "sqlite:///src.db", "--query", "/* x */ delete from t"],
            {2},
            verify=_table_kept,
        ),
        Case(
            "SQL: bad SQL", ["profile", "sqlite:///src.db", "--query", "selec 1"], {2}
        ),
        Case(
            "SQL: missing table",
            ["profile", "sqlite:///src.db", "--query", "select * from nope"],
            {2},
        ),
        Case(
            "SQL: secret in the URL (password)",
            [
                "profile",
                f"postgresql+psycopg://u:s3cr3t@{PG_DOWN}/db",
                "--query",
                "select 1",
            ],
            {2},
        ),
        Case(
            "SQL: secret in the URL (api_key, password=)",
            [
                "profile",
                f"postgresql+psycopg://u@{PG_DOWN}/db?password=s3cr3t&api_key={SECRETS[1]}",
                "--query",
                "select 1",
            ],
            {2},
        ),
        Case(
            "SQL: query on a file path",
            ["profile", "good.csv", "--query", "select 1"],
            {2},
        ),
        Case(
            "SQL: empty result",
            [
                "profile",
                "sqlite:///src.db",
                "--query",
                "select * from t where 0",
                "-o",
                "p.json",
            ],
            {0, 1, 2},
            verify=lambda folder, out: (
                None
                if out.code == 2 or (profile_of(folder) or {}).get("rows") == 0
                else "rows misread"
            ),
        ),
    ]


def _table_kept(folder: Path, outcome: Outcome) -> str | None:
    with sqlite3.connect(folder / "src.db") as db:
        rows = db.execute("select count(*) from t").fetchone()[0]
    return None if rows == N else f"the source table lost rows ({rows} of {N})"


def drift_cases() -> list[Case]:
    def one_row(folder: Path) -> None:
        good_frame().head(1).write_csv(folder / "one.csv")

    return [
        Case(
            "drift: saved profile and --html",
            ["drift", "ref.json", "good.csv", "--html", "r.html"],
            {0, 1},
            verify=lambda folder, out: (
                None if (folder / "r.html").stat().st_size > 1000 else "no report"
            ),
        ),
        Case(
            "drift: one-row sides", ["drift", "one.csv", "one.csv"], {0, 1, 2}, one_row
        ),
        Case(
            "drift: no shared columns",
            ["drift", "good.csv", "other.csv"],
            {0, 1, 2},
            write("other.csv", "p,q\n1,2\n3,4\n"),
        ),
        Case(
            "drift: --sample-rows 0",
            ["drift", "good.csv", "good.parquet", "--sample-rows", "0"],
            {0, 1},
        ),
        Case(
            "drift: --sample-rows -5",
            ["drift", "good.csv", "good.parquet", "--sample-rows", "-5"],
            {2},
        ),
        Case(
            "drift: header-only current",
            ["drift", "good.csv", "h.csv"],
            {0, 1, 2},
            write("h.csv", "id,amount,grade,ok,ts\n"),
        ),
        Case(
            "drift: missing --label column",
            ["drift", "good.csv", "good.csv", "--label", "nope"],
            {2},
        ),
        Case(
            "drift: bad --correction",
            ["drift", "good.csv", "good.csv", "--correction", "magic"],
            {2},
        ),
        Case(
            "check: --reference missing file",
            ["check", "contract.yaml", "good.csv", "--reference", "no.csv"],
            {2},
        ),
        Case(
            "check: bad --as-of",
            ["check", "contract.yaml", "good.csv", "--as-of", "yesterday"],
            {2},
        ),
        Case(
            "check: bad --fail-on",
            ["check", "contract.yaml", "good.csv", "--fail-on", "panic"],
            {2},
        ),
        Case(
            "profile: --label missing", ["profile", "good.csv", "--label", "nope"], {2}
        ),
        Case(
            "contract infer: --time on text",
            ["contract", "infer", "good.csv", "-o", "c2.yaml", "--time", "grade"],
            {0, 2},
        ),
        Case(
            "contract infer: --id not unique",
            ["contract", "infer", "good.csv", "-o", "c2.yaml", "--id", "grade"],
            {0, 2},
        ),
    ]


# ------------------------------------------------------------------ running


def run(args: list[str], folder: Path, timeout: float = TIMEOUT) -> Outcome:
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src"), "NO_COLOR": "1"}
    env.pop("PIPEWARDEN_STORE_URL", None)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pipewarden", *args],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        return Outcome(None, str(exc.stdout or ""), str(exc.stderr or ""), timeout)
    return Outcome(
        done.returncode, done.stdout, done.stderr, time.perf_counter() - start
    )


def hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def secrets_in(folder: Path, outcome: Outcome) -> list[str]:
    found = [s for s in SECRETS if s in outcome.stdout or s in outcome.stderr]
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            content = path.read_bytes()
            found += [f"{s} in {path.name}" for s in SECRETS if s.encode() in content]
    return found


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _summary(stdout: str) -> str:
    """The first line of standard output, or the status of the JSON printed there."""
    try:
        return f"(JSON on stdout: status {json.loads(stdout)['status']})"
    except (ValueError, KeyError, TypeError):
        return first_line(stdout)


def conform_rows(outcome: Outcome) -> tuple[int, int, int] | None:
    try:
        data = json.loads(outcome.stdout)["conform"]
    except (ValueError, KeyError, TypeError):
        return None
    return data["rows_in"], data["rows_out"], data["rows_quarantined"]


def judge(case: Case, root: Path) -> None:
    folder = Path(tempfile.mkdtemp(dir=root))
    base_folder(folder)
    if case.setup is not None:
        case.setup(folder)
    before = hashes(folder)
    outcome = run(case.args, folder)
    after = hashes(folder)
    misread = None
    if outcome.code not in case.expect:
        misread = f"exit {outcome.code}, expected {sorted(case.expect)}"
    elif case.verify is not None:
        misread = case.verify(folder, outcome)
    rows = conform_rows(outcome) if case.rows_in is not None else None
    lost = 0
    if case.rows_in is not None and outcome.code in (0, 1):
        if rows is None:
            misread = misread or "no conform JSON"
        else:
            lost = abs(rows[0] - rows[1] - rows[2]) + abs(case.rows_in - rows[0])
    case.results = {
        "code": outcome.code,
        "traceback": "Traceback" in outcome.stderr or "Traceback" in outcome.stdout,
        "message": first_line(outcome.stderr) or _summary(outcome.stdout),
        "rows": rows,
        "lost": lost,
        "misread": misread,
        "secrets": secrets_in(folder, outcome),
        "overwritten": [
            name for name, digest in before.items() if after.get(name) != digest
        ],
        "seconds": outcome.seconds,
    }
    shutil.rmtree(folder, ignore_errors=True)


# ------------------------------------------------------------------ kill -9 and writers

RECORD = [
    "check",
    "contract.yaml",
    "good.csv",
    "--store",
    "sqlite:///x.db",
    "--dataset",
    "d",
]


def runs_whole(db: Path) -> tuple[int, list[str]]:
    """Runs in the store, and the ids of runs missing their profile or findings."""
    with sqlite3.connect(db) as conn:
        runs = conn.execute("select id, errors, warnings from runs").fetchall()
        broken = []
        for run_id, errors, warnings in runs:
            profiles = conn.execute(
                "select count(*) from profiles where run_id = ?", (run_id,)
            ).fetchone()[0]
            told = conn.execute(
                "select count(*) from findings where run_id = ? "
                "and severity in ('error', 'warning')",
                (run_id,),
            ).fetchone()[0]
            if profiles != 1 or told != errors + warnings:
                broken.append(run_id)
    return len(runs), broken


def kill_test(root: Path, kills: int = 12) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(dir=root))
    base_folder(folder)
    baseline = run(RECORD, folder)  # one whole run first: the store exists
    span = max(baseline.seconds, 0.5)
    rng = random.Random(20)
    killed = finished = 0
    env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src")}
    for _ in range(kills):
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipewarden", *RECORD],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        time.sleep(rng.uniform(0.2, span * 1.1))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed += 1
        else:
            finished += 1
        proc.wait()
    listed = run(["runs", "list", "--store", "sqlite:///x.db", "--json"], folder)
    try:
        listed_runs = len(json.loads(listed.stdout))
    except ValueError:
        listed_runs = -1
    total, broken = runs_whole(folder / "x.db")
    after = run(RECORD, folder)
    result = {
        "attempts": kills,
        "killed": killed,
        "finished": finished,
        "runs_list_exit": listed.code,
        "runs_listed": listed_runs,
        "runs_in_store": total,
        "broken_runs": len(broken),
        "record_after_exit": after.code,
        "traceback": "Traceback" in listed.stderr + after.stderr,
        "baseline_seconds": round(baseline.seconds, 2),
    }
    shutil.rmtree(folder, ignore_errors=True)
    return result


def writers_test(root: Path, writers: int = 8) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(dir=root))
    base_folder(folder)
    env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src")}
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pipewarden",
                "check",
                "contract.yaml",
                "good.csv",
                "--store",
                "sqlite:///c.db",
                "--dataset",
                f"d{i}",
            ],
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(writers)
    ]
    outs = [p.communicate(timeout=TIMEOUT) for p in procs]
    seconds = time.perf_counter() - start
    total, broken = runs_whole(folder / "c.db")
    result = {
        "writers": writers,
        "exits": sorted(p.returncode for p in procs),
        "runs_in_store": total,
        "broken_runs": len(broken),
        "traceback": any("Traceback" in err for _, err in outs),
        "messages": sorted(
            {
                first_line(err)
                for p, (_, err) in zip(procs, outs, strict=True)
                if p.returncode not in (0, 1)
            }
        ),
        "seconds": round(seconds, 1),
    }
    shutil.rmtree(folder, ignore_errors=True)
    return result


# ------------------------------------------------------------------ report


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")[:160]


def report(
    cases: list[Case], kill: dict[str, object], writers: dict[str, object]
) -> str:
    tracebacks = sum(bool(c.results["traceback"]) for c in cases)
    lost = sum(int(c.results["lost"]) for c in cases)  # type: ignore[call-overload]
    misreads = [c for c in cases if c.results["misread"]]
    secrets = [c for c in cases if c.results["secrets"]]
    overwritten = [c for c in cases if c.results["overwritten"]]
    hung = [c for c in cases if c.results["code"] is None]
    kill_ok = (
        kill["runs_list_exit"] == 0
        and kill["broken_runs"] == 0
        and kill["runs_listed"] == kill["runs_in_store"]
    )
    writers_ok = (
        writers["runs_in_store"] == writers["writers"] and not writers["broken_runs"]
    )
    lines = [
        "# Reliability: bad input through the real commands",
        "",
        "Written by `python benchmarks/reliability.py` (`make reliability`). Each class",
        "runs `python -m pipewarden ...` in a fresh folder holding good.csv, good.parquet,",
        f"contract.yaml, ref.json and src.db ({N} rows), with a {TIMEOUT} s timeout.",
        "",
        "## Summary against the targets",
        "",
        "| target | result |",
        "|---|---|",
        f"| classes of bad input | {len(cases)} |",
        f"| tracebacks shown to the user | {tracebacks} |",
        f"| runs that hung (timeout) | {len(hung)} |",
        f"| rows lost by conform | {lost} |",
        f"| silent misreads / wrong outcomes | {len(misreads)}"
        + (f" ({', '.join(c.name for c in misreads)})" if misreads else "")
        + " |",
        f"| secrets printed or stored | {len(secrets)} |",
        f"| inputs overwritten | {len(overwritten)} |",
        f"| kill -9 during recorded runs | {kill['killed']} killed, {kill['finished']} "
        f"finished; store opens and `runs list` exits {kill['runs_list_exit']}; "
        f"{kill['runs_in_store']} runs stored, {kill['broken_runs']} partial: "
        f"{'pass' if kill_ok else 'FAIL'} |",
        f"| {writers['writers']} concurrent writers to one SQLite store | "
        f"{writers['runs_in_store']} of {writers['writers']} runs recorded, exits "
        f"{writers['exits']}, {writers['seconds']} s: {'pass' if writers_ok else 'FAIL'} |",
        "",
        "## Every class",
        "",
        "Expected: the exit codes that count as a correct outcome (2: refused in one",
        "line; 0/1: read, and checked where a misread is possible). Rows: in / out /",
        "quarantined for conform.",
        "",
        "| class | command | expected | exit | traceback | rows | verdict | message |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in cases:
        r = c.results
        problems = [
            str(r["misread"]) if r["misread"] else "",
            "traceback" if r["traceback"] else "",
            f"secret: {r['secrets']}" if r["secrets"] else "",
            f"overwrote {r['overwritten']}" if r["overwritten"] else "",
            f"{r['lost']} rows lost" if r["lost"] else "",
        ]
        verdict = "; ".join(p for p in problems if p) or "ok"
        rows = "/".join(map(str, r["rows"])) if r["rows"] else ""  # type: ignore[call-overload]
        lines.append(
            f"| {_cell(c.name)} | `{_cell('pipewarden ' + ' '.join(c.args))}` | "
            f"{'/'.join(map(str, sorted(c.expect)))} | {r['code']} | "
            f"{'yes' if r['traceback'] else 'no'} | {rows} | {_cell(verdict)} | "
            f"{_cell(r['message'])} |"
        )
    lines += [
        "",
        "## kill -9 and concurrent writers",
        "",
        f"- kill -9: `pipewarden {' '.join(RECORD)}` started {kill['attempts']} times "
        f"and sent SIGKILL at a random point within 1.1x the time of a whole run "
        f"({kill['baseline_seconds']} s). Afterwards `runs list` listed "
        f"{kill['runs_listed']} runs, the store holds {kill['runs_in_store']} (one "
        "baseline run, the runs that finished before the kill, and none half-written: "
        f"{kill['broken_runs']} runs lack their profile or findings), and a new "
        f"recorded run exits {kill['record_after_exit']}.",
        f"- writers: {writers['writers']} `pipewarden check ... --store sqlite:///c.db` "
        f"started at once: exits {writers['exits']}, {writers['runs_in_store']} runs "
        f"recorded, {writers['broken_runs']} partial"
        + (f", messages {writers['messages']}" if writers["messages"] else "")
        + ".",
        "",
    ]
    return "\n".join(lines)


def faults_sections() -> str:
    """The sections of issue #21 (faults, fuzzing, tokens, load, dependencies)."""
    for extra in (HERE.parent / "tests", HERE.parent / "tests" / "server"):
        if str(extra) not in sys.path:
            sys.path.append(str(extra))
    import _faults_report

    measured = _faults_report.measure()
    _faults_report.SAVED.write_text(json.dumps(measured, default=str))
    return _faults_report.markdown(measured)


def main() -> None:
    if "--faults-only" in sys.argv[1:]:
        # Keep the bad-input part as last written; measure and rewrite the rest.
        import _faults_report

        head = OUT.read_text().split(_faults_report.MARKER)[0].rstrip() + "\n\n"
        OUT.write_text(head + faults_sections())
        print(f"wrote {OUT}")
        return
    cases = (
        reader_cases()
        + contract_cases()
        + conform_cases()
        + output_cases()
        + store_cases()
        + sql_cases()
        + drift_cases()
    )
    root = Path(tempfile.mkdtemp(prefix="pw-reliability-"))
    try:
        for index, case in enumerate(cases, 1):
            judge(case, root)
            r = case.results
            print(
                f"[{index:2}/{len(cases)}] {case.name}: exit {r['code']}"
                + (f" MISREAD {r['misread']}" if r["misread"] else "")
                + (" TRACEBACK" if r["traceback"] else "")
                + (f" SECRET {r['secrets']}" if r["secrets"] else "")
                + (f" OVERWROTE {r['overwritten']}" if r["overwritten"] else "")
                + (f" LOST {r['lost']}" if r["lost"] else ""),
                flush=True,
            )
        kill = kill_test(root)
        print("kill -9:", kill, flush=True)
        writers = writers_test(root)
        print("writers:", writers, flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    OUT.write_text(report(cases, kill, writers) + "\n" + faults_sections())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
