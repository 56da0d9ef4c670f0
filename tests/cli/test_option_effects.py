"""Every option of every command shows an effect: an option that cannot is a defect.

Each case runs one command twice, without the option and with it (or with two of its
values), each time in a fresh empty folder, and reads one observable thing from each
run: a field of the JSON, the files written, the exit code, the findings. The table
is complete: ``test_every_option_of_every_command_has_an_effect_case`` walks the
Click command tree, so a new option without a case here fails the suite.

The demo takes seconds, so its two runs (defaults, and ``--out`` with ``--store``) are
made once and shared by its two cases.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import os
import random
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import polars as pl
import pytest
import typer.main
from junitparser import JUnitXml
from pipeline_store import make_pipeline_store

import pipewarden
from pipewarden.cli import main
from pipewarden.cli._app import app
from pipewarden.contracts.model import Contract
from pipewarden.demo import BATCHES
from pipewarden.demo.pipeline import STAGES
from pipewarden.env.fingerprint import capture
from pipewarden.workflows.checklist import schedule_pipeline

ROWS = 1000
DEMO_RUNS = len(BATCHES) + 3 * len(STAGES)
"""The demo's check runs: its batches, and the stages of its three pipeline runs."""
QUERY = "select * from t where id <= 750"
"""Three quarters of either table."""
AFTER_NEWEST = "2024-01-08T00:00:00Z"
"""An hour and a half after the newest ``ts`` of the reference (2024-01-07 22:30)."""
DEFAULT_STORE = ".pipewarden/pipewarden.db"
TIME_REASON = (
    "time column: it moves forward by design (time.gap and time.freshness watch it)"
)


class Ran(Protocol):
    """What one CLI run did: ``Run`` of tests/cli/conftest.py, or ``Result``."""

    @property
    def code(self) -> int: ...
    @property
    def out(self) -> str: ...
    @property
    def err(self) -> str: ...


Observe = Callable[[Ran, Path], object]
"""Reads the effect from a run and the folder it ran in."""


@dataclass(frozen=True)
class Effect:
    """One option, and what it visibly changes.

    ``without`` and ``with_`` are argument templates (``{name}`` is a path, URL or
    run id from the ``values`` fixture); ``expected`` is what ``observe`` reads from
    the run without the option, then from the run with it.
    """

    command: tuple[str, ...]
    option: str
    without: tuple[str, ...]
    with_: tuple[str, ...]
    observe: Observe
    expected: tuple[object, object]
    shared: bool = False
    """Run once per module and shared by the cases with the same arguments."""

    @property
    def key(self) -> tuple[tuple[str, ...], str]:
        return self.command, self.option


@dataclass(frozen=True)
class Result:
    """A run of a ``shared`` case (the ``cli`` fixture's ``Run`` is per test)."""

    code: int
    out: str
    err: str


# ------------------------------------------------------------------- observations


def files(_run: Ran, folder: Path) -> list[str]:
    """The files the run left in its folder, relative, sorted."""
    return sorted(
        p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()
    )


def table_rows(run: Ran, folder: Path) -> dict[str, int]:
    """The rows of each CSV or Parquet file the run left in its folder."""
    read: dict[str, Callable[[Path], pl.DataFrame]] = {
        ".csv": pl.read_csv,
        ".parquet": pl.read_parquet,
    }
    return {
        name: read[Path(name).suffix](folder / name).height
        for name in files(run, folder)
        if Path(name).suffix in read
    }


def json_file(name: str, pick: Callable[[Any], object]) -> Observe:
    """``pick`` of the JSON file NAME, or None when the run did not write it."""

    def observe(_run: Ran, folder: Path) -> object:
        path = folder / name
        return pick(json.loads(path.read_text())) if path.exists() else None

    return observe


def stdout_json(pick: Callable[[Any], object]) -> Observe:
    """``pick`` of the JSON on standard output, or None when the output is not JSON."""

    def observe(run: Ran, _folder: Path) -> object:
        try:
            data = json.loads(run.out)
        except json.JSONDecodeError:
            return None
        return pick(data)

    return observe


def code_and(pick: Observe) -> Observe:
    """The exit code, the number of lines on standard error, and ``pick``."""

    def observe(run: Ran, folder: Path) -> object:
        return run.code, len(run.err.strip().splitlines()), pick(run, folder)

    return observe


def line_starting(prefix: str) -> Observe:
    """The first line of standard output that starts with ``prefix``, if any."""

    def observe(run: Ran, _folder: Path) -> object:
        return next((s for s in run.out.splitlines() if s.startswith(prefix)), None)

    return observe


def status_word(run: Ran, _folder: Path) -> object:
    """The exit code and the first word printed (PASS, WARN or FAIL)."""
    return run.code, run.out.split(maxsplit=1)[0]


def first_line(name: str) -> Observe:
    def observe(_run: Ran, folder: Path) -> object:
        path = folder / name
        return path.read_text().splitlines()[0] if path.exists() else None

    return observe


def findings(prefix: str, *, least: str = "info") -> Observe:
    """(check, column, severity) of the findings JSON on stdout whose check starts
    with ``prefix``, at ``least`` severity."""
    ranks = {"info": 0, "warning": 1, "error": 2}

    def pick(data: Any) -> object:
        return [
            (f["check"], f["column"], f["severity"])
            for f in data["findings"]
            if f["check"].startswith(prefix) and ranks[f["severity"]] >= ranks[least]
        ]

    return stdout_json(pick)


def recorded(_run: Ran, folder: Path) -> dict[str, list[str]]:
    """The datasets of the runs in each store file (``*.db``) under the folder."""
    stores: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*.db")):
        with pipewarden.open_store(f"sqlite:///{path}") as store:
            runs = store.list_runs(limit=100)
        stores[path.relative_to(folder).as_posix()] = [run.dataset for run in runs]
    return stores


def contract_field(pick: Callable[[Contract], object]) -> Observe:
    """``pick`` of the contract written to c.yaml, or None when none was."""

    def observe(_run: Ran, folder: Path) -> object:
        path = folder / "c.yaml"
        return pick(pipewarden.load_contract(path)) if path.exists() else None

    return observe


def drift_column(name: str) -> Callable[[Any], object]:
    """Where a column went in the drift JSON: compared, or skipped and why."""

    def pick(data: Any) -> object:
        if any(c["column"] == name for c in data["columns"]):
            return "compared"
        return next(s["reason"] for s in data["skipped"] if s["column"] == name)

    return pick


def role(key: str) -> Callable[[Any], object]:
    """The column and check of the drift JSON's label or prediction, or None."""

    def pick(data: Any) -> object:
        part = data[key]
        return None if part is None else (part["column"], part["check"])

    return pick


def correction(data: Any) -> object:
    """The correction, and whether it left every p-value as the test gave it."""
    compared = [*data["columns"], *data["nulls"]]
    return data["correction"], all(c["p_value"] == c["p_value_raw"] for c in compared)


def sample_rows(data: Any) -> object:
    m = data["multivariate"]
    return None if m is None else m["sample_rows"]


def env_changes(data: Any) -> object:
    return [(c["kind"], c["name"], c["severity"]) for c in data["changes"]]


def alerts_kept(_run: Ran, folder: Path) -> object:
    """(rule, subject, status) of the alerts in the store s.db of the folder."""
    path = folder / "s.db"
    if not path.exists():
        return None
    with pipewarden.open_store(f"sqlite:///{path}") as store:
        return [(a.rule, a.subject, a.status) for a in store.list_alerts()]


def said(text: str) -> Observe:
    """The exit code, and whether standard output holds ``text``."""

    def observe(run: Ran, _folder: Path) -> object:
        return run.code, text in run.out

    return observe


def pipeline_runs_in(_run: Ran, folder: Path) -> dict[str, list[str]]:
    """The pipelines of the pipeline runs in each store file under the folder."""
    stores: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*.db")):
        with pipewarden.open_store(f"sqlite:///{path}") as store:
            runs = store.list_pipeline_runs(limit=100)
        stores[path.relative_to(folder).as_posix()] = [run.pipeline for run in runs]
    return stores


def exit_code(run: Ran, _folder: Path) -> int:
    return run.code


def after(prefix: str, end: str) -> Observe:
    """The text of the first output line after ``prefix``, up to ``end``."""

    def observe(run: Ran, _folder: Path) -> object:
        text = " ".join(run.out.split())
        if prefix not in text:
            return None
        return text.split(prefix, 1)[1].split(end, 1)[0]

    return observe


def junit_counts(name: str) -> Observe:
    """(test cases, failures) of the JUnit file NAME read by junitparser, or None."""

    def observe(_run: Ran, folder: Path) -> object:
        path = folder / name
        if not path.exists():
            return None
        suite = next(iter(JUnitXml.fromfile(str(path))))
        return suite.tests, suite.failures

    return observe


def markdown_status(name: str) -> Observe:
    """The status word ending the Markdown summary's heading, or None."""

    def observe(_run: Ran, folder: Path) -> object:
        path = folder / name
        if not path.exists():
            return None
        heading = path.read_text(encoding="utf-8").splitlines()[0]
        return heading.startswith("### ") and heading.rsplit(": ", 1)[1]

    return observe


def demo_contracts(_run: Ran, folder: Path) -> list[str]:
    """The folders the demo wrote its contract (and results) to."""
    return sorted(p.parent.name for p in folder.glob("*/contract.yaml"))


def demo_stores(run: Ran, folder: Path) -> object:
    """How many runs the demo recorded in each store file."""
    return {name: len(datasets) for name, datasets in recorded(run, folder).items()}


REGISTER = ("models", "register", "m", "--version", "1", "--store", "sqlite:///s.db")
TRAFFIC = ("--store", "{traffic}")
LOG = ("--id", "id", "--prediction", "pred", *TRAFFIC)
MONITOR = ("monitor", "plant", "--store", "{mon}", "--json", "-")
COMPARE = ("models", "compare", "plant:1", "plant:2", "--store", "{cmp}", "--json", "-")
NOW_DAY = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
_STORES: dict[str, str] = {}
"""Store URLs of the ``values`` fixture that observations read."""


def first_output_line(run: Ran, _folder: Path) -> str:
    return " ".join(run.out.split("\n")[0].split())


def model_field(pick: Callable[[Any], object]) -> Observe:
    """A field of model 'm' in the store the run left in its folder."""

    def observe(_run: Ran, folder: Path) -> object:
        path = folder / "s.db"
        if not path.exists():
            path = folder / DEFAULT_STORE
        with pipewarden.open_store(f"sqlite:///{path}") as store:
            return pick(store.get_model("m"))

    return observe


def newest_batch(pick: Callable[[dict[str, Any]], object]) -> Observe:
    """The newest predictions batch of the traffic store: its first time, columns."""

    def observe(_run: Ran, _folder: Path) -> object:
        import io as _io

        con = sqlite3.connect(_STORES["traffic"].removeprefix("sqlite:///"))
        try:
            first, blob = con.execute(
                "select min_time_us, rows_blob from monitor_batches "
                "where kind = 'predictions' order by id desc limit 1"
            ).fetchone()
        finally:
            con.close()
        moment = dt.datetime.fromtimestamp(first / 1e6, dt.UTC)
        columns = pl.read_parquet(_io.BytesIO(blob)).columns
        return pick({"first": moment.isoformat(), "columns": columns})

    return observe


# ------------------------------------------------------------------------ the table

DRIFT = ("drift", "{ref}", "{cur}", "--sample-rows", "0")
DRIFT_JSON = (*DRIFT, "--json", "d.json")
CHECK = ("check", "{contract}", "{cur}")
CHECK_EXTRA = ("check", "{contract}", "{extra}", "--dataset", "loans")
RUNS = ("--store", "{runs}")
REFS = ("--store", "{refs}")
"""A store holding reference set 'loans': version 1 of ref.csv, 2 of extra.csv."""
ADD = ("references", "add", "v", "{ref}", "--store", "sqlite:///r.db", "--json")

EFFECTS: tuple[Effect, ...] = (
    # profile
    Effect(
        ("profile",),
        "--output",
        ("profile", "{ref}"),
        ("profile", "{ref}", "-o", "p.json"),
        json_file("p.json", lambda d: d["rows"]),
        (None, ROWS),
    ),
    Effect(
        ("profile",),
        "--query",
        ("profile", "{cur_db}", "--output", "p.json"),
        ("profile", "{cur_db}", "--output", "p.json", "--query", QUERY),
        code_and(json_file("p.json", lambda d: d["rows"])),
        ((2, 1, None), (0, 0, 750)),
    ),
    # --engine spark refuses CSV before Spark starts (tests/cli/test_spark_cli.py runs
    # the engine itself on Parquet, where both engines give the same profile).
    Effect(
        ("profile",),
        "--engine",
        ("profile", "{ref}", "-o", "p.json"),
        ("profile", "{ref}", "-o", "p.json", "--engine", "spark"),
        code_and(json_file("p.json", lambda d: d["rows"])),
        ((0, 0, ROWS), (2, 1, None)),
    ),
    Effect(
        ("profile",),
        "--memory-budget",
        ("profile", "{ref}", "-o", "p.json"),
        ("profile", "{ref}", "-o", "p.json", "--memory-budget", "100MiB"),
        code_and(json_file("p.json", lambda d: d["rows"])),
        ((0, 0, ROWS), (2, 1, None)),
    ),
    Effect(
        ("profile",),
        "--label",
        ("profile", "{ref}"),
        ("profile", "{ref}", "--label", "y"),
        line_starting("Label "),
        (
            None,
            "Label 'y' is imbalanced: minority class '1' is 20% of rows (1 : 4). "
            "Use stratified splits, and class weights or resampling when training; "
            "judge the model by precision and recall, not accuracy.",
        ),
    ),
    # contract import / export / schema
    Effect(
        ("contract", "import"),
        "--from",
        ("contract", "import", "{pandera_schema}"),
        ("contract", "import", "{pandera_schema}", "--from", "gx"),
        code_and(stdout_json(lambda data: data)),
        ((0, 0, None), (2, 1, None)),
    ),
    Effect(
        ("contract", "import"),
        "--out",
        ("contract", "import", "{pandera_schema}"),
        ("contract", "import", "{pandera_schema}", "--out", "c.yaml"),
        contract_field(lambda c: list(c.columns)),
        (None, ["id", "g"]),
    ),
    Effect(
        ("contract", "export"),
        "--to",
        ("contract", "export", "{contract}"),
        ("contract", "export", "{contract}", "--to", "gx"),
        exit_code,
        (0, 2),
    ),
    Effect(
        ("contract", "export"),
        "--out",
        ("contract", "export", "{contract}"),
        ("contract", "export", "{contract}", "--out", "s.yaml"),
        files,
        ([], ["s.yaml"]),
    ),
    Effect(
        ("contract", "schema"),
        "--out",
        ("contract", "schema"),
        ("contract", "schema", "--out", "s.json"),
        code_and(files),
        ((0, 0, []), (0, 0, ["s.json"])),
    ),
    # contract infer
    Effect(
        ("contract", "infer"),
        "--output",
        ("contract", "infer", "{ref}", "-o", "a.yaml"),
        ("contract", "infer", "{ref}", "--output", "sub/b.yaml"),
        files,
        (["a.yaml"], ["sub/b.yaml"]),
    ),
    Effect(
        ("contract", "infer"),
        "--label",
        ("contract", "infer", "{ref}", "-o", "c.yaml"),
        ("contract", "infer", "{ref}", "-o", "c.yaml", "--label", "y"),
        contract_field(lambda c: c.dataset.label and c.dataset.label.column),
        (None, "y"),
    ),
    Effect(
        ("contract", "infer"),
        "--time",
        ("contract", "infer", "{ref}", "-o", "c.yaml"),
        ("contract", "infer", "{ref}", "-o", "c.yaml", "--time", "ts"),
        contract_field(lambda c: c.dataset.time and c.dataset.time.column),
        (None, "ts"),
    ),
    Effect(
        ("contract", "infer"),
        "--id",
        ("contract", "infer", "{ref}", "-o", "c.yaml"),
        ("contract", "infer", "{ref}", "-o", "c.yaml", "--id", "id"),
        contract_field(lambda c: (c.dataset.id, c.columns["id"].unique)),
        ((None, False), ("id", True)),
    ),
    Effect(
        ("contract", "infer"),
        "--segment",
        ("contract", "infer", "{ref}", "-o", "c.yaml"),
        ("contract", "infer", "{ref}", "-o", "c.yaml", "--segment", "g")
        + ("--segment", "hour"),
        contract_field(lambda c: list(c.dataset.segments)),
        ([], ["g", "hour"]),
    ),
    Effect(
        ("contract", "infer"),
        "--name",
        ("contract", "infer", "{ref}", "-o", "c.yaml"),
        ("contract", "infer", "{ref}", "-o", "c.yaml", "--name", "loans"),
        contract_field(lambda c: c.name),
        (None, "loans"),
    ),
    Effect(
        ("contract", "infer"),
        "--query",
        ("contract", "infer", "{ref_db}", "-o", "c.yaml"),
        ("contract", "infer", "{ref_db}", "-o", "c.yaml", "--query", QUERY),
        code_and(
            contract_field(
                lambda c: c.dataset.rows and (c.dataset.rows.min, c.dataset.rows.max)
            )
        ),
        ((2, 1, None), (0, 0, (375, 1500))),
    ),
    # check
    Effect(
        ("check",),
        "--engine",
        (*CHECK, "--json", "r.json"),
        (*CHECK, "--json", "r.json", "--engine", "spark"),
        code_and(json_file("r.json", lambda d: d["rows"])),
        ((0, 0, ROWS), (2, 1, None)),
    ),
    Effect(
        ("check",),
        "--reference",
        (*CHECK, "--json", "-"),
        (*CHECK, "--json", "-", "--reference", "{ref}"),
        findings("drift.", least="warning"),
        ([], [("drift.js", "g", "warning")]),
    ),
    Effect(
        ("check",),
        "--memory-budget",
        (*CHECK, "--json", "r.json"),
        (*CHECK, "--json", "r.json", "--memory-budget", "100MiB"),
        code_and(json_file("r.json", lambda d: d["rows"])),
        ((0, 0, ROWS), (2, 1, None)),
    ),
    Effect(
        ("check",),
        "--json",
        CHECK,
        (*CHECK, "--json", "r.json"),
        json_file("r.json", lambda d: (d["status"], d["rows"])),
        (None, ("pass", ROWS)),
    ),
    Effect(
        ("check",),
        "--html",
        CHECK,
        (*CHECK, "--html", "r.html"),
        first_line("r.html"),
        (None, "<!DOCTYPE html>"),
    ),
    Effect(
        ("check",),
        "--junit",
        CHECK_EXTRA,
        (*CHECK_EXTRA, "--junit", "j.xml"),
        junit_counts("j.xml"),
        (None, (10, 0)),
    ),
    Effect(
        ("check",),
        "--markdown",
        CHECK_EXTRA,
        (*CHECK_EXTRA, "--markdown", "s.md"),
        markdown_status("s.md"),
        (None, "WARN"),
    ),
    Effect(
        ("drift",),
        "--junit",
        DRIFT,
        (*DRIFT, "--junit", "j.xml"),
        junit_counts("j.xml"),
        (None, (14, 0)),
    ),
    Effect(
        ("drift",),
        "--markdown",
        DRIFT,
        (*DRIFT, "--markdown", "s.md"),
        markdown_status("s.md"),
        (None, "WARN"),
    ),
    Effect(
        ("conform",),
        "--junit",
        ("conform", "{gate}", "{dirty}", "-o", "out.csv"),
        ("conform", "{gate}", "{dirty}", "-o", "out.csv", "--junit", "j.xml"),
        junit_counts("j.xml"),
        (None, (9, 0)),
    ),
    Effect(
        ("conform",),
        "--markdown",
        ("conform", "{gate}", "{dirty}", "-o", "out.csv"),
        ("conform", "{gate}", "{dirty}", "-o", "out.csv", "--markdown", "s.md"),
        markdown_status("s.md"),
        (None, "WARN"),
    ),
    Effect(
        ("check",),
        "--as-of",
        ("check", "{timed}", "{ref}", "--json", "-"),
        ("check", "{timed}", "{ref}", "--json", "-", "--as-of", AFTER_NEWEST),
        findings("time.freshness"),
        ([("time.freshness", "ts", "warning")], []),
    ),
    Effect(
        ("check",),
        "--fail-on",
        ("check", "{contract}", "{extra}"),
        ("check", "{contract}", "{extra}", "--fail-on", "warning"),
        status_word,
        ((0, "WARN"), (1, "WARN")),
    ),
    Effect(
        ("check",),
        "--query",
        ("check", "{db_contract}", "{cur_db}", "--json", "r.json"),
        ("check", "{db_contract}", "{cur_db}", "--json", "r.json", "--query", QUERY),
        code_and(json_file("r.json", lambda d: (d["status"], d["rows"]))),
        ((2, 1, None), (0, 0, ("pass", 750))),
    ),
    Effect(
        ("check",),
        "--store",
        CHECK,
        (*CHECK, "--store", "sqlite:///s.db"),
        recorded,
        ({}, {"s.db": ["cur.csv"]}),
    ),
    Effect(
        ("check",),
        "--dataset",
        CHECK,
        (*CHECK, "--dataset", "loans"),
        recorded,
        ({}, {DEFAULT_STORE: ["loans"]}),
    ),
    Effect(
        ("check",),
        "--record",
        CHECK,
        (*CHECK, "--record"),
        recorded,
        ({}, {DEFAULT_STORE: ["cur.csv"]}),
    ),
    Effect(
        ("check",),
        "--no-record",
        (*CHECK, "--dataset", "loans"),
        (*CHECK, "--dataset", "loans", "--no-record"),
        recorded,
        ({DEFAULT_STORE: ["loans"]}, {}),
    ),
    Effect(
        ("check",),
        "--model",
        (*CHECK, "--json", "-", "--store", "{models}", "--no-record"),
        (*CHECK, "--json", "-", "--store", "{models}", "--no-record")
        + ("--model", "churn"),
        stdout_json(
            lambda d: [
                (f["check"], f["severity"], f["segment"])
                for f in d["findings"]
                if f["check"].startswith("env.")
            ]
        ),
        ([], [("env.mismatch", "error", {"kind": "package", "name": "polars"})]),
    ),
    # conform
    Effect(
        ("conform",),
        "--output",
        ("conform", "{contract}", "{cur}", "-o", "a.csv"),
        ("conform", "{contract}", "{cur}", "--output", "sub/b.parquet"),
        files,
        (["a.csv"], ["sub/b.parquet"]),
    ),
    Effect(
        ("conform",),
        "--quarantine",
        ("conform", "{gate}", "{dirty}", "-o", "out.csv"),
        ("conform", "{gate}", "{dirty}", "-o", "out.csv", "--quarantine", "q.csv"),
        table_rows,
        (
            {"out.csv": ROWS - 10, "out.quarantine.parquet": 10},
            {"out.csv": ROWS - 10, "q.csv": 10},
        ),
    ),
    Effect(
        ("conform",),
        "--query",
        ("conform", "{contract}", "{cur_db}", "-o", "o.csv", "--json", "c.json"),
        ("conform", "{contract}", "{cur_db}", "-o", "o.csv", "--json", "c.json")
        + ("--query", QUERY),
        code_and(json_file("c.json", lambda d: d["conform"]["rows_in"])),
        ((2, 1, None), (0, 0, 750)),
    ),
    Effect(
        ("conform",),
        "--memory-budget",
        ("conform", "{gate}", "{dirty}", "-o", "out.csv", "--json", "c.json"),
        ("conform", "{gate}", "{dirty}", "-o", "out.csv", "--json", "c.json")
        + ("--memory-budget", "100MiB"),
        code_and(json_file("c.json", lambda d: d["conform"]["rows_in"])),
        ((0, 0, ROWS), (2, 1, None)),
    ),
    Effect(
        ("conform",),
        "--json",
        ("conform", "{gate}", "{dirty}", "-o", "out.csv"),
        ("conform", "{gate}", "{dirty}", "-o", "out.csv", "--json", "c.json"),
        json_file("c.json", lambda d: d["conform"]),
        (
            None,
            {
                "rows_in": ROWS,
                "rows_out": ROWS - 10,
                "rows_quarantined": 10,
                "reasons": [
                    {
                        "check": "category.unseen",
                        "column": "g",
                        "reason": "value is not one of the 3 categories",
                        "rows": 10,
                    }
                ],
            },
        ),
    ),
    # drift
    Effect(
        ("drift",),
        "--engine",
        DRIFT_JSON,
        (*DRIFT_JSON, "--engine", "spark"),
        code_and(json_file("d.json", lambda d: len(d["columns"]))),
        ((0, 0, 5), (2, 1, None)),
    ),
    Effect(
        ("drift",),
        "--contract",
        DRIFT_JSON,
        (*DRIFT_JSON, "--contract", "{contract}"),
        json_file("d.json", lambda d: (d["contract"], role("label")(d))),
        ((None, None), ("loans", ("y", "label.shift"))),
    ),
    Effect(
        ("drift",),
        "--memory-budget",
        DRIFT_JSON,
        (*DRIFT_JSON, "--memory-budget", "100MiB"),
        code_and(json_file("d.json", lambda d: d["rows"])),
        ((0, 0, ROWS), (2, 1, None)),
    ),
    Effect(
        ("drift",),
        "--label",
        DRIFT_JSON,
        (*DRIFT_JSON, "--label", "y"),
        json_file("d.json", role("label")),
        (None, ("y", "label.shift")),
    ),
    Effect(
        ("drift",),
        "--prediction",
        DRIFT_JSON,
        (*DRIFT_JSON, "--prediction", "p"),
        json_file("d.json", role("prediction")),
        (None, ("p", "drift.prediction")),
    ),
    Effect(
        ("drift",),
        "--time",
        DRIFT_JSON,
        (*DRIFT_JSON, "--time", "hour"),
        json_file("d.json", drift_column("hour")),
        ("compared", TIME_REASON),
    ),
    Effect(
        ("drift",),
        "--json",
        DRIFT,
        (*DRIFT, "--json", "d.json"),
        json_file("d.json", lambda d: (d["status"], d["current_rows"])),
        (None, ("warn", ROWS)),
    ),
    Effect(
        ("drift",),
        "--html",
        DRIFT,
        (*DRIFT, "--html", "d.html"),
        first_line("d.html"),
        (None, "<!DOCTYPE html>"),
    ),
    Effect(
        ("drift",),
        "--correction",
        DRIFT_JSON,
        (*DRIFT_JSON, "--correction", "none"),
        json_file("d.json", correction),
        (("bh", False), ("none", True)),
    ),
    Effect(
        ("drift",),
        "--sample-rows",
        ("drift", "{ref}", "{cur}", "--json", "d.json", "--sample-rows", "0"),
        ("drift", "{ref}", "{cur}", "--json", "d.json", "--sample-rows", "200"),
        json_file("d.json", sample_rows),
        (None, {"reference": 200, "current": 200}),
    ),
    Effect(
        ("drift",),
        "--fail-on",
        DRIFT,
        (*DRIFT, "--fail-on", "warning"),
        status_word,
        ((0, "WARN"), (1, "WARN")),
    ),
    Effect(
        ("drift",),
        "--query",
        ("drift", "{ref_db}", "{cur_db}", "--sample-rows", "0", "--json", "d.json"),
        ("drift", "{ref_db}", "{cur_db}", "--sample-rows", "0", "--json", "d.json")
        + ("--query", QUERY),
        code_and(
            json_file("d.json", lambda d: (d["reference_rows"], d["current_rows"]))
        ),
        ((2, 1, None), (0, 0, (750, 750))),
    ),
    # demo: two runs in all, shared by both cases
    Effect(
        ("demo",),
        "--out",
        ("demo",),
        ("demo", "--out", "results", "--store", "sqlite:///demo.db"),
        demo_contracts,
        (["demo-output"], ["results"]),
        shared=True,
    ),
    Effect(
        ("demo",),
        "--store",
        ("demo",),
        ("demo", "--out", "results", "--store", "sqlite:///demo.db"),
        demo_stores,
        ({DEFAULT_STORE: DEMO_RUNS}, {"demo.db": DEMO_RUNS}),
        shared=True,
    ),
    # env
    Effect(
        ("env", "capture"),
        "--output",
        ("env", "capture"),
        ("env", "capture", "-o", "env.json"),
        lambda run, folder: (
            stdout_json(lambda d: d["format"])(run, folder),
            json_file("env.json", lambda d: d["format"])(run, folder),
        ),
        (("pipewarden/fingerprint", None), (None, "pipewarden/fingerprint")),
    ),
    Effect(
        ("env", "diff"),
        "--important",
        ("env", "diff", "{trained}", "{here}", "--json", "-"),
        ("env", "diff", "{trained}", "{here}", "--json", "-", "--important", "polars"),
        lambda run, folder: (run.code, stdout_json(env_changes)(run, folder)),
        (
            (0, [("package", "polars", "warning")]),
            (1, [("package", "polars", "error")]),
        ),
    ),
    Effect(
        ("env", "diff"),
        "--json",
        ("env", "diff", "{trained}", "{here}"),
        ("env", "diff", "{trained}", "{here}", "--json", "e.json"),
        json_file("e.json", lambda d: d["max_severity"]),
        (None, "warning"),
    ),
    Effect(
        ("env", "export"),
        "--format",
        ("env", "export", "{trained}"),
        ("env", "export", "{trained}", "--format", "mlflow"),
        lambda run, folder: (run.code, files(run, folder)),
        ((2, []), (0, ["python_env.yaml", "requirements.txt"])),
    ),
    Effect(
        ("env", "export"),
        "--out",
        ("env", "export", "{trained}", "--format", "mlflow"),
        ("env", "export", "{trained}", "--format", "mlflow", "--out", "m/env"),
        files,
        (
            ["python_env.yaml", "requirements.txt"],
            ["m/env/python_env.yaml", "m/env/requirements.txt"],
        ),
    ),
    # runs
    Effect(
        ("runs", "list"),
        "--dataset",
        ("runs", "list", *RUNS, "--json"),
        ("runs", "list", *RUNS, "--json", "--dataset", "loans"),
        stdout_json(lambda d: [r["dataset"] for r in d]),
        (["scores", "loans", "loans"], ["loans", "loans"]),
    ),
    Effect(
        ("runs", "list"),
        "--status",
        ("runs", "list", *RUNS, "--json"),
        ("runs", "list", *RUNS, "--json", "--status", "warn"),
        stdout_json(lambda d: [(r["dataset"], r["status"]) for r in d]),
        (
            [("scores", "pass"), ("loans", "warn"), ("loans", "pass")],
            [("loans", "warn")],
        ),
    ),
    Effect(
        ("runs", "list"),
        "--limit",
        ("runs", "list", *RUNS, "--json"),
        ("runs", "list", *RUNS, "--json", "--limit", "1"),
        stdout_json(lambda d: [r["dataset"] for r in d]),
        (["scores", "loans", "loans"], ["scores"]),
    ),
    Effect(
        ("runs", "list"),
        "--store",
        ("runs", "list", "--json"),
        ("runs", "list", "--json", *RUNS),
        stdout_json(lambda d: [r["dataset"] for r in d]),
        ([], ["scores", "loans", "loans"]),
    ),
    Effect(
        ("runs", "list"),
        "--json",
        ("runs", "list", *RUNS),
        ("runs", "list", *RUNS, "--json"),
        stdout_json(lambda d: [r["dataset"] for r in d]),
        (None, ["scores", "loans", "loans"]),
    ),
    Effect(
        ("runs", "show"),
        "--store",
        ("runs", "show", "{run_b}", "--json"),
        ("runs", "show", "{run_b}", "--json", *RUNS),
        code_and(stdout_json(lambda d: (d["dataset"], d["status"]))),
        ((2, 1, None), (0, 0, ("loans", "warn"))),
    ),
    Effect(
        ("runs", "show"),
        "--json",
        ("runs", "show", "{run_b}", *RUNS),
        ("runs", "show", "{run_b}", *RUNS, "--json"),
        stdout_json(lambda d: (d["dataset"], d["status"])),
        (None, ("loans", "warn")),
    ),
    Effect(
        ("runs", "diff"),
        "--store",
        ("runs", "diff", "{run_a}", "{run_b}", "--json"),
        ("runs", "diff", "{run_a}", "{run_b}", "--json", *RUNS),
        code_and(stdout_json(lambda d: (d["a"]["status"], d["b"]["status"]))),
        ((2, 1, None), (0, 0, ("pass", "warn"))),
    ),
    Effect(
        ("runs", "diff"),
        "--json",
        ("runs", "diff", "{run_a}", "{run_b}", *RUNS),
        ("runs", "diff", "{run_a}", "{run_b}", *RUNS, "--json"),
        stdout_json(lambda d: d["new_findings"]),
        (None, ["schema.unexpected_column:promo"]),
    ),
    # reference sets
    Effect(
        ("drift",),
        "--store",
        ("drift", "ref:loans@1", "{cur}", "--json", "d.json"),
        ("drift", "ref:loans@1", "{cur}", "--json", "d.json", *REFS),
        code_and(json_file("d.json", lambda d: (d["reference"], d["current_rows"]))),
        ((2, 1, None), (0, 0, ("ref:loans@1", ROWS))),
    ),
    Effect(
        ("references", "add"),
        "--note",
        ADD,
        (*ADD, "--note", "Q3 refresh"),
        stdout_json(lambda d: (d["version"], d["note"])),
        ((1, None), (1, "Q3 refresh")),
    ),
    Effect(
        ("references", "add"),
        "--contract",
        ADD,
        (*ADD, "--contract", "{contract}"),
        stdout_json(lambda d: (d["contract"], d["status"])),
        ((None, None), ("loans", "pass")),
    ),
    Effect(
        ("references", "add"),
        "--query",
        ("references", "add", "v", "{ref_db}", "--json", "--store", "sqlite:///r.db"),
        (
            *("references", "add", "v", "{ref_db}", "--json", "--store"),
            *("sqlite:///r.db", "--query", QUERY),
        ),
        code_and(stdout_json(lambda d: d["rows"])),
        ((2, 1, None), (0, 0, 750)),
    ),
    Effect(
        ("references", "add"),
        "--store",
        ("references", "add", "v", "{ref}"),
        ("references", "add", "v", "{ref}", "--store", "sqlite:///r.db"),
        files,
        ([".pipewarden/pipewarden.db"], ["r.db"]),
    ),
    Effect(
        ("references", "add"),
        "--json",
        ("references", "add", "v", "{ref}", "--store", "sqlite:///r.db"),
        ADD,
        stdout_json(lambda d: (d["name"], d["version"], d["rows"])),
        (None, ("v", 1, ROWS)),
    ),
    Effect(
        ("references", "list"),
        "--store",
        ("references", "list", "--json"),
        ("references", "list", "--json", *REFS),
        stdout_json(lambda d: [(r["name"], r["version"], r["rows"]) for r in d]),
        ([], [("loans", 1, ROWS), ("loans", 2, ROWS)]),
    ),
    Effect(
        ("references", "list"),
        "--json",
        ("references", "list", *REFS),
        ("references", "list", *REFS, "--json"),
        stdout_json(lambda d: [r["version"] for r in d]),
        (None, [1, 2]),
    ),
    Effect(
        ("references", "show"),
        "--store",
        ("references", "show", "loans@1", "--json"),
        ("references", "show", "loans@1", "--json", *REFS),
        code_and(stdout_json(lambda d: (d["version"], d["profile"]["rows"]))),
        ((2, 1, None), (0, 0, (1, ROWS))),
    ),
    Effect(
        ("references", "show"),
        "--json",
        ("references", "show", "loans", *REFS),
        ("references", "show", "loans", *REFS, "--json"),
        stdout_json(lambda d: (d["version"], d["rows"])),
        (None, (2, ROWS)),
    ),
    Effect(
        ("references", "diff"),
        "--store",
        ("references", "diff", "loans@1", "loans@2", "--json"),
        ("references", "diff", "loans@1", "loans@2", "--json", *REFS),
        code_and(
            stdout_json(lambda d: [(c["column"], c["change"]) for c in d["columns"]])
        ),
        ((2, 1, None), (0, 0, [("promo", "added")])),
    ),
    Effect(
        ("references", "diff"),
        "--json",
        ("references", "diff", "loans@1", "loans@2", *REFS),
        ("references", "diff", "loans@1", "loans@2", *REFS, "--json"),
        stdout_json(lambda d: [Path(c["path"]).name for c in d["inputs"]]),
        (None, ["extra.csv"]),
    ),
    # alerts
    Effect(
        ("check",),
        "--rules",
        (*CHECK_EXTRA, "--store", "sqlite:///s.db"),
        (*CHECK_EXTRA, "--store", "sqlite:///s.db", "--rules", "{rules}"),
        alerts_kept,
        ([], [("warnings", "dataset:loans", "open")]),
    ),
    Effect(
        ("alerts", "list"),
        "--status",
        ("alerts", "list", "--store", "{alerts_list}", "--json"),
        ("alerts", "list", "--store", "{alerts_list}", "--json", "--status", "all"),
        stdout_json(lambda d: [a["status"] for a in d]),
        (["open"], ["open", "resolved"]),
    ),
    Effect(
        ("alerts", "list"),
        "--store",
        ("alerts", "list", "--json"),
        ("alerts", "list", "--json", "--store", "{alerts_list}"),
        stdout_json(lambda d: [a["rule"] for a in d]),
        ([], ["dataset_errors"]),
    ),
    Effect(
        ("alerts", "list"),
        "--json",
        ("alerts", "list", "--store", "{alerts_list}"),
        ("alerts", "list", "--store", "{alerts_list}", "--json"),
        stdout_json(lambda d: len(d)),
        (None, 1),
    ),
    Effect(
        ("alerts", "ack"),
        "--by",
        ("alerts", "ack", "1", "--store", "{alerts_ack_a}"),
        ("alerts", "ack", "1", "--store", "{alerts_ack_b}", "--by", "ana"),
        said("acknowledged by ana."),
        ((0, False), (0, True)),
    ),
    Effect(
        ("alerts", "ack"),
        "--store",
        ("alerts", "ack", "1", "--by", "ana"),
        ("alerts", "ack", "1", "--by", "ana", "--store", "{alerts_ack_c}"),
        said("acknowledged by ana."),
        ((2, False), (0, True)),
    ),
    Effect(
        ("alerts", "resolve"),
        "--by",
        ("alerts", "resolve", "1", "--store", "{alerts_resolve_a}"),
        ("alerts", "resolve", "1", "--store", "{alerts_resolve_b}", "--by", "bo"),
        said("resolved by bo."),
        ((0, False), (0, True)),
    ),
    Effect(
        ("alerts", "resolve"),
        "--store",
        ("alerts", "resolve", "1", "--by", "bo"),
        ("alerts", "resolve", "1", "--by", "bo", "--store", "{alerts_resolve_c}"),
        said("resolved by bo."),
        ((2, False), (0, True)),
    ),
    Effect(
        ("alerts", "escalate"),
        "--store",
        (
            "alerts",
            "escalate",
        ),
        ("alerts", "escalate", "--store", "{alerts_overdue}"),
        said("escalated to level"),
        ((0, False), (0, True)),
    ),
    Effect(
        ("runs", "list"),
        "--pipeline",
        ("runs", "list", "--store", "{pipes}", "--json"),
        ("runs", "list", "--store", "{pipes}", "--json", "--pipeline", "churn"),
        stdout_json(lambda d: sorted({"stages" in r for r in d})),
        ([False], [True]),
    ),
    # pipeline runs
    Effect(
        ("runs", "start"),
        "--store",
        ("runs", "start", "etl"),
        ("runs", "start", "etl", "--store", "sqlite:///s.db"),
        pipeline_runs_in,
        ({DEFAULT_STORE: ["etl"]}, {"s.db": ["etl"]}),
    ),
    Effect(
        ("runs", "checkpoint"),
        "--contract",
        ("runs", "checkpoint", "{open_1}", "x", "{extra}", "--store", "{pipes}"),
        ("runs", "checkpoint", "{open_2}", "x", "{extra}", "--store", "{pipes}")
        + ("--contract", "{contract}"),
        after("Stage 'x': ", ","),
        ("pass", "warn"),
    ),
    Effect(
        ("runs", "checkpoint"),
        "--inputs",
        ("runs", "checkpoint", "{open_3}", "s2", "{ref}", "--store", "{pipes}"),
        ("runs", "checkpoint", "{open_4}", "s2", "{ref}", "--store", "{pipes}")
        + ("--inputs", "s1"),
        after("Stage 's2'", ":"),
        ("", " (read s1)"),
    ),
    Effect(
        ("runs", "checkpoint"),
        "--store",
        ("runs", "checkpoint", "{open_5}", "x", "{ref}"),
        ("runs", "checkpoint", "{open_5}", "x", "{ref}", "--store", "{pipes}"),
        exit_code,
        (2, 0),
    ),
    Effect(
        ("runs", "finish"),
        "--failed",
        ("runs", "finish", "{open_6}", "--store", "{pipes}"),
        ("runs", "finish", "{open_7}", "--store", "{pipes}", "--failed"),
        after("'open': ", ","),
        ("success", "failed"),
    ),
    Effect(
        ("runs", "finish"),
        "--error",
        ("runs", "finish", "{open_8}", "--store", "{pipes}"),
        ("runs", "finish", "{open_9}", "--store", "{pipes}", "--error", "disk full"),
        after("'open': ", ","),
        ("success", "failed"),
    ),
    Effect(
        ("runs", "finish"),
        "--store",
        ("runs", "finish", "{open_10}"),
        ("runs", "finish", "{open_10}", "--store", "{pipes}"),
        exit_code,
        (2, 0),
    ),
    # pipelines, checklist, localize
    Effect(
        ("pipelines", "schedule"),
        "--timezone",
        ("pipelines", "schedule", "p", "0 6 * * *", "--store", "sqlite:///s.db"),
        ("pipelines", "schedule", "p", "0 6 * * *", "--store", "sqlite:///s.db")
        + ("--timezone", "Europe/Amsterdam"),
        after("* * *' (", ")"),
        ("UTC", "Europe/Amsterdam"),
    ),
    Effect(
        ("pipelines", "schedule"),
        "--grace",
        ("pipelines", "schedule", "p", "0 6 * * *", "--store", "sqlite:///s.db"),
        ("pipelines", "schedule", "p", "0 6 * * *", "--store", "sqlite:///s.db")
        + ("--grace", "2h"),
        after("grace ", " ."),
        ("30 minutes.", "2.0 hours."),
    ),
    Effect(
        ("pipelines", "schedule"),
        "--store",
        ("pipelines", "schedule", "p", "0 6 * * *"),
        ("pipelines", "schedule", "p", "0 6 * * *", "--store", "sqlite:///s.db"),
        lambda _run, folder: sorted(
            p.relative_to(folder).as_posix() for p in folder.rglob("*.db")
        ),
        ([DEFAULT_STORE], ["s.db"]),
    ),
    Effect(
        ("pipelines", "apply"),
        "--store",
        ("pipelines", "apply", "{pipelines_yaml}"),
        ("pipelines", "apply", "{pipelines_yaml}", "--store", "sqlite:///s.db"),
        lambda _run, folder: sorted(
            p.relative_to(folder).as_posix() for p in folder.rglob("*.db")
        ),
        ([DEFAULT_STORE], ["s.db"]),
    ),
    Effect(
        ("checklist",),
        "--date",
        ("checklist", "--store", "{pipes}", "--json"),
        ("checklist", "--store", "{pipes}", "--json", "--date", "2026-11-03"),
        stdout_json(
            lambda d: [(r["pipeline"], r["status"]) for r in d["rows"] if r["run"]]
        ),
        ([], [("churn", "ran")]),
    ),
    Effect(
        ("checklist",),
        "--json",
        ("checklist", "--store", "{pipes}", "--date", "2026-11-03"),
        ("checklist", "--store", "{pipes}", "--date", "2026-11-03", "--json"),
        stdout_json(lambda d: d["date"]),
        (None, "2026-11-03"),
    ),
    Effect(
        ("checklist",),
        "--store",
        ("checklist", "--date", "2026-11-03", "--json"),
        ("checklist", "--date", "2026-11-03", "--json", "--store", "{pipes}"),
        stdout_json(lambda d: sorted({r["pipeline"] for r in d["rows"]})),
        ([], ["churn"]),
    ),
    Effect(
        ("checklist",),
        "--rules",
        ("checklist", "--store", "{scheduled}", "--date", "2026-11-04", "--json"),
        ("checklist", "--store", "{scheduled}", "--date", "2026-11-04", "--json")
        + ("--rules", "{pipe_rules}"),
        stdout_json(
            lambda d: [
                (e["event"]["kind"], e["alert"]["rule"])
                for e in d["alerts"]
                if e["alert"]["subject"] == "pipeline:churn"
            ]
        ),
        ([("opened", "pipeline_runs")], [("opened", "missed_runs")]),
    ),
    Effect(
        ("localize",),
        "--baseline",
        ("localize", "{bad}", "--store", "{pipes}", "--json", "-"),
        (
            "localize",
            "{bad}",
            "--store",
            "{pipes}",
            "--json",
            "-",
            "--baseline",
            "{bad}",
        ),
        stdout_json(lambda d: d["stage"] and d["stage"]["name"]),
        ("clean", None),
    ),
    Effect(
        ("localize",),
        "--json",
        ("localize", "{bad}", "--store", "{pipes}"),
        ("localize", "{bad}", "--store", "{pipes}", "--json", "l.json"),
        json_file("l.json", lambda d: [c["column"] for c in d["columns"]]),
        (None, ["x"]),
    ),
    Effect(
        ("localize",),
        "--html",
        ("localize", "{bad}", "--store", "{pipes}"),
        ("localize", "{bad}", "--store", "{pipes}", "--html", "l.html"),
        first_line("l.html"),
        (None, "<!DOCTYPE html>"),
    ),
    Effect(
        ("localize",),
        "--store",
        ("localize", "{bad}"),
        ("localize", "{bad}", "--store", "{pipes}"),
        exit_code,
        (2, 0),
    ),
    # store
    Effect(
        ("store", "upgrade"),
        "--store",
        ("store", "upgrade"),
        ("store", "upgrade", "--store", "sqlite:///other.db"),
        files,
        ([DEFAULT_STORE], ["other.db"]),
    ),
    Effect(  # another application's database: refused, then adopted
        ("store", "upgrade"),
        "--adopt",
        ("store", "upgrade", "--store", "{app_db}"),
        ("store", "upgrade", "--store", "{app_db}", "--adopt"),
        lambda run, _folder: (run.code, "upgraded from" in " ".join(run.out.split())),
        ((2, False), (0, True)),
    ),
    # models
    *(
        Effect(
            ("models", "register"),
            option,
            (*REGISTER, *base),
            (*REGISTER, *base, *extra),
            model_field(pick),
            expected,
        )
        for option, base, extra, pick, expected in (
            (
                "--model-file",
                (),
                ("--model-file", "{model_pkl}"),
                lambda m: sorted(m.importances),
                ([], ["x1", "x2"]),
            ),
            (
                "--training-data",
                (),
                ("--training-data", "{train}"),
                lambda m: list(m.inputs),
                ([], ["x1", "x2", "y"]),
            ),
            (
                "--label",
                ("--training-data", "{train}"),
                ("--label", "y"),
                lambda m: (m.label, m.task),
                ((None, None), ("y", "regression")),
            ),
            (
                "--task",
                ("--training-data", "{train}", "--label", "y"),
                ("--task", "classification"),
                lambda m: m.task,
                ("regression", "classification"),
            ),
            (
                "--metric",
                (),
                ("--metric", "mae=0.85"),
                lambda m: m.metrics,
                ({}, {"mae": 0.85}),
            ),
            (
                "--importance",
                (),
                ("--importance", "x1=2", "--importance", "x2=6"),
                lambda m: m.importances,
                ({}, {"x1": 0.25, "x2": 0.75}),
            ),
        )
    ),
    Effect(
        ("models", "register"),
        "--version",
        ("models", "register", "m", "--store", "sqlite:///s.db"),
        REGISTER,
        exit_code,
        (2, 0),
    ),
    Effect(
        ("models", "register"),
        "--store",
        ("models", "register", "m", "--version", "1"),
        REGISTER,
        files,
        ([DEFAULT_STORE], ["s.db"]),
    ),
    Effect(
        ("models", "list"),
        "--json",
        ("models", "list", "--store", "{mon}"),
        ("models", "list", "--store", "{mon}", "--json"),
        stdout_json(lambda d: [(m["name"], m["advice"]["retrain"]) for m in d]),
        (None, [("plant", True)]),
    ),
    Effect(
        ("models", "list"),
        "--store",
        ("models", "list", "--json"),
        ("models", "list", "--json", "--store", "{mon}"),
        stdout_json(lambda d: [m["name"] for m in d]),
        ([], ["plant"]),
    ),
    *(
        Effect(
            ("models", "compare"),
            option,
            (*COMPARE, *base),
            (*COMPARE, *base, *extra),
            stdout_json(pick),
            expected,
        )
        for option, base, extra, pick, expected in (
            (
                "--metric",
                (),
                ("--metric", "rmse"),
                lambda d: d["metric"],
                ("mae", "rmse"),
            ),
            (
                "--since",
                (),
                ("--since", "2026-05-04T05:00:00Z"),
                lambda d: d["rows"],
                (600, 300),
            ),
            (
                "--until",
                (),
                ("--until", "2026-05-04T02:00:00Z"),
                lambda d: d["rows"],
                (600, 120),
            ),
            (
                "--segment",
                (),
                ("--segment", "band"),
                lambda d: sorted({s["column"] for s in d["segments"]}),
                (["band", "site"], ["band"]),
            ),
        )
    ),
    Effect(
        ("models", "compare"),
        "--expected-share",
        ("models", "compare", "ab:1", "ab:2", "--store", "{split}", "--json", "-"),
        (
            *("models", "compare", "ab:1", "ab:2", "--store", "{split}"),
            *("--json", "-", "--expected-share", "0.75"),
        ),
        stdout_json(lambda d: d["sample_ratio"]["mismatch"]),
        (True, False),
    ),
    Effect(
        ("models", "compare"),
        "--json",
        COMPARE[:-2],
        (*COMPARE[:-2], "--json", "c.json"),
        json_file("c.json", lambda d: d["design"]),
        (None, "paired"),
    ),
    Effect(
        ("models", "compare"),
        "--store",
        ("models", "compare", "plant:1", "plant:2"),
        ("models", "compare", "plant:1", "plant:2", "--store", "{cmp}"),
        exit_code,
        (2, 0),
    ),
    Effect(
        ("models", "promote"),
        "--evidence",
        ("models", "promote", "plant:2", "--store", "{cmp}"),
        (
            "models",
            "promote",
            "plant:2",
            "--store",
            "{cmp}",
            "--evidence",
            "{evidence}",
        ),
        line_starting("Evidence:"),
        (None, "Evidence: mae challenger better (paired, 600 rows)."),
    ),
    Effect(
        ("models", "promote"),
        "--note",
        ("models", "promote", "plant:2", "--store", "{cmp}"),
        ("models", "promote", "plant:2", "--store", "{cmp}", "--note", "wins"),
        line_starting("Note given:"),
        (None, "Note given: wins"),
    ),
    Effect(
        ("models", "promote"),
        "--store",
        ("models", "promote", "plant:2"),
        ("models", "promote", "plant:2", "--store", "{cmp}"),
        exit_code,
        (2, 0),
    ),
    # predictions and labels (each case logs for models of its own)
    Effect(
        ("predictions", "log"),
        "--id",
        ("predictions", "log", "p_id", "{batch}", "--prediction", "pred", *TRAFFIC),
        (
            "predictions",
            "log",
            "p_id",
            "{batch}",
            "--prediction",
            "pred",
            *TRAFFIC,
            "--id",
            "id",
        ),
        exit_code,
        (2, 0),
    ),
    Effect(
        ("predictions", "log"),
        "--prediction",
        ("predictions", "log", "p_pred", "{batch}", "--id", "id", *TRAFFIC),
        (
            "predictions",
            "log",
            "p_pred",
            "{batch}",
            "--id",
            "id",
            *TRAFFIC,
            "--prediction",
            "pred",
        ),
        exit_code,
        (2, 0),
    ),
    Effect(
        ("predictions", "log"),
        "--time",
        ("predictions", "log", "p_time_a", "{batch}", *LOG),
        ("predictions", "log", "p_time_b", "{batch}", *LOG, "--time", "ts"),
        newest_batch(lambda b: b["first"][:10]),
        (NOW_DAY, "2026-01-01"),
    ),
    Effect(
        ("predictions", "log"),
        "--score",
        ("predictions", "log", "p_score_a", "{batch}", *LOG),
        ("predictions", "log", "p_score_b", "{batch}", *LOG, "--score", "s"),
        newest_batch(lambda b: [c for c in b["columns"] if "score" in c]),
        ([], ["__pw_score:s"]),
    ),
    Effect(
        ("predictions", "log"),
        "--batch-key",
        ("predictions", "log", "p_key", "{batch}", *LOG),
        ("predictions", "log", "p_key", "{batch}", *LOG, "--batch-key", "k1"),
        first_output_line,
        (
            "Logged 20 of 20 predictions",
            "Logged 0 of 20 predictions (already logged ids 20)",
        ),
    ),
    Effect(
        ("predictions", "log"),
        "--store",
        (
            "predictions",
            "log",
            "p_store",
            "{batch}",
            "--id",
            "id",
            "--prediction",
            "pred",
        ),
        (
            "predictions",
            "log",
            "p_store",
            "{batch}",
            "--id",
            "id",
            "--prediction",
            "pred",
            *TRAFFIC,
        ),
        exit_code,
        (2, 0),
    ),
    Effect(
        ("labels", "log"),
        "--id",
        ("labels", "log", "l_id", "{labels}", "--label", "y", *TRAFFIC),
        ("labels", "log", "l_id", "{labels}", "--label", "y", *TRAFFIC, "--id", "id"),
        exit_code,
        (2, 0),
    ),
    Effect(
        ("labels", "log"),
        "--label",
        ("labels", "log", "l_label", "{labels}", "--id", "id", *TRAFFIC),
        (
            "labels",
            "log",
            "l_label",
            "{labels}",
            "--id",
            "id",
            *TRAFFIC,
            "--label",
            "y",
        ),
        exit_code,
        (2, 0),
    ),
    Effect(
        ("labels", "log"),
        "--batch-key",
        ("labels", "log", "l_key", "{labels}", "--id", "id", "--label", "y", *TRAFFIC),
        (
            "labels",
            "log",
            "l_key",
            "{labels}",
            "--id",
            "id",
            "--label",
            "y",
            *TRAFFIC,
            "--batch-key",
            "k1",
        ),
        first_output_line,
        ("Logged 20 of 20 labels (new 20)", "Logged 0 of 20 labels (unchanged 20)"),
    ),
    Effect(
        ("labels", "log"),
        "--store",
        ("labels", "log", "l_store", "{labels}", "--id", "id", "--label", "y"),
        (
            "labels",
            "log",
            "l_store",
            "{labels}",
            "--id",
            "id",
            "--label",
            "y",
            *TRAFFIC,
        ),
        exit_code,
        (2, 0),
    ),
    # monitor
    *(
        Effect(
            ("monitor", "run"),
            option,
            (*MONITOR, *base),
            (*MONITOR, *base, *extra),
            stdout_json(pick),
            expected,
        )
        for option, base, extra, pick, expected in (
            (
                "--window",
                (),
                ("--window", "month"),
                lambda d: len(d["windows"]),
                (84, 3),
            ),
            (
                "--since",
                ("--window", "month"),
                ("--since", "2026-02-01"),
                lambda d: len(d["windows"]),
                (3, 2),
            ),
            (
                "--until",
                ("--window", "month"),
                ("--until", "2026-02-01"),
                lambda d: len(d["windows"]),
                (3, 1),
            ),
            (
                "--rules",
                ("--window", "month"),
                ("--rules", "{rules}"),
                lambda d: [
                    f["check"] for f in d["findings"] if f["check"] == "perf.mae"
                ],
                (["perf.mae"], []),
            ),
            (
                "--policy",
                ("--window", "month"),
                ("--policy", "{policy}"),
                lambda d: d["advice"]["retrain"],
                (True, False),
            ),
        )
    ),
    Effect(
        ("monitor", "run"),
        "--json",
        ("monitor", "plant", "--store", "{mon}", "--window", "month"),
        (
            "monitor",
            "plant",
            "--store",
            "{mon}",
            "--window",
            "month",
            "--json",
            "m.json",
        ),
        json_file("m.json", lambda d: d["advice"]["retrain"]),
        (None, True),
    ),
    Effect(
        ("monitor", "run"),
        "--store",
        ("monitor", "plant", "--window", "month"),
        ("monitor", "plant", "--window", "month", "--store", "{mon}"),
        exit_code,
        (2, 0),
    ),
    Effect(
        ("monitor", "rules"),
        "--init",
        ("monitor", "rules"),
        ("monitor", "rules", "--init", "r.yaml"),
        lambda run, folder: (run.code, files(run, folder)),
        ((2, []), (0, ["r.yaml"])),
    ),
)


# ---------------------------------------------------------------------------- serve
# `pipewarden serve` would block in uvicorn.run: the cases below replace uvicorn.run
# (only it) with a probe that starts the real app (lifespan included) in a TestClient,
# makes a few real requests and writes what it saw to served.json.
SERVE = ("serve", "--insecure")
BIG_BODY = 2 * 1024 * 1024


@pytest.fixture(autouse=True)
def _serve_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", _probe)


def _probe(app: Any, host: str, port: int, **_options: Any) -> None:
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        anonymous = client.post("/api/alerts/1/ack")
        big = client.post(
            "/api/checks",
            content=b'{"records": [], "pad": "' + b"x" * BIG_BODY + b'"}',
            headers={"content-type": "application/json"},
        )
        metrics = client.get("/metrics").text
        running = client.get("/healthz").json()["background"]["running"]
    seen = {
        "host": host,
        "port": port,
        "store": Path(app.state.store.url.rpartition("/")[2]).name,
        "anonymous_write": anonymous.status_code,
        "big_body": big.status_code,
        "column_series": sum(
            line.startswith("pipewarden_dataset_column_null_ratio{")
            for line in metrics.splitlines()
        ),
        "background": running,
    }
    Path("served.json").write_text(json.dumps(seen), encoding="utf-8")


def served(key: str) -> Observe:
    """The exit code and one thing the probe saw (None when the server never ran)."""
    read = json_file("served.json", lambda d: d[key])
    return lambda run, folder: (run.code, read(run, folder))


SERVE_EFFECTS: tuple[Effect, ...] = (
    Effect(
        ("serve",),
        "--store",
        SERVE,
        (*SERVE, "--store", "{runs}"),
        served("store"),
        ((0, "pipewarden.db"), (0, "runs.db")),
    ),
    Effect(
        ("serve",),
        "--host",
        SERVE,
        (*SERVE, "--host", "0.0.0.0"),
        served("host"),
        ((0, "127.0.0.1"), (0, "0.0.0.0")),
    ),
    Effect(
        ("serve",),
        "--port",
        SERVE,
        (*SERVE, "--port", "9001"),
        served("port"),
        ((0, 8765), (0, 9001)),
    ),
    Effect(  # no token, not insecure: refused; with the file's token: writes need it
        ("serve",),
        "--token-file",
        ("serve",),
        ("serve", "--token-file", "{token_file}"),
        served("anonymous_write"),
        ((2, None), (0, 401)),
    ),
    Effect(  # writes open to anyone: the ack reaches the store (no alert 1 there)
        ("serve",),
        "--insecure",
        ("serve",),
        SERVE,
        served("anonymous_write"),
        ((2, None), (0, 404)),
    ),
    Effect(
        ("serve",),
        "--max-body-mb",
        SERVE,
        (*SERVE, "--max-body-mb", "1"),
        served("big_body"),
        ((0, 422), (0, 413)),
    ),
    Effect(
        ("serve",),
        "--column-metrics",
        (*SERVE, "--store", "{runs}"),
        (*SERVE, "--store", "{runs}", "--column-metrics", "loans"),
        served("column_series"),
        ((0, 0), (0, 9)),  # the newest loans run: 8 columns and promo
    ),
    Effect(
        ("serve",),
        "--background-seconds",
        SERVE,
        (*SERVE, "--background-seconds", "0"),
        served("background"),
        ((0, True), (0, False)),
    ),
)


# ---------------------------------------------------------------------------- data


def _rows(*, current: bool) -> list[dict[str, object]]:
    """Loans every ten minutes from 2024-01-01. The current batch is the reference
    with g's shares moved from a third each to 1/2, 1/4, 1/4: a Jensen-Shannon
    distance of 0.144, drift (0.1) but not an error (0.2), exact on any run."""
    rnd = random.Random(1)
    start = dt.datetime(2024, 1, 1)
    rows: list[dict[str, object]] = []
    for i in range(ROWS):
        y = int(rnd.random() < 0.2)
        ts = start + dt.timedelta(minutes=10 * i)
        rows.append(
            {
                "id": i + 1,
                "x": round(rnd.gauss(50, 10), 3),
                "g": "aabc"[i % 4] if current else "abc"[i % 3],
                "y": y,
                "p": round(0.15 + 0.1 * rnd.random() + 0.3 * y, 4),
                "hour": i // 6,
                "ts": f"{ts:%Y-%m-%d %H:%M:%S}",
                "loaded": f"{ts + dt.timedelta(hours=2):%Y-%m-%d %H:%M:%S}",
            }
        )
    return rows


def _write_csv(path: Path, rows: list[dict[str, object]]) -> str:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def _write_db(path: Path, rows: list[dict[str, object]]) -> str:
    names = list(rows[0])
    con = sqlite3.connect(path)
    try:
        con.execute(f"create table t ({', '.join(names)})")
        con.executemany(
            f"insert into t values ({', '.join('?' * len(names))})",
            [tuple(r.values()) for r in rows],
        )
        con.commit()
    finally:
        con.close()
    return f"sqlite:///{path}"


def _contract(
    root: Path,
    file: str,
    data: str | None = None,
    query: str | None = None,
    **roles: Any,
) -> str:
    reference = pipewarden.profile(data or root / "ref.csv", query=query)
    contract = pipewarden.infer_contract(reference, **roles)
    path = root / file
    pipewarden.dump_contract(contract, path)
    return str(path)


def _gate(root: Path) -> str:
    """The contract, with rows of an unseen category of g quarantined."""
    contract = pipewarden.load_contract(root / "contract.yaml")
    g = contract.columns["g"]
    quarantining = g.model_copy(
        update={"conform": g.conform.model_copy(update={"on_unseen": "quarantine"})}
    )
    columns = {**contract.columns, "g": quarantining}
    path = root / "gate.yaml"
    pipewarden.dump_contract(contract.model_copy(update={"columns": columns}), path)
    return str(path)


@pytest.fixture(scope="module")
def values(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Paths, store URLs and run ids the argument templates name."""
    root = tmp_path_factory.mktemp("effects")
    ref, cur = _rows(current=False), _rows(current=True)
    dirty = [{**r, "g": "zzz"} if i % 100 == 0 else r for i, r in enumerate(cur)]
    v = {
        "ref": _write_csv(root / "ref.csv", ref),
        "cur": _write_csv(root / "cur.csv", cur),
        "extra": _write_csv(root / "extra.csv", [{**r, "promo": "X"} for r in ref]),
        "dirty": _write_csv(root / "dirty.csv", dirty),
        "ref_db": _write_db(root / "ref.db", ref),
        "cur_db": _write_db(root / "cur.db", cur),
        "app_db": _write_db(root / "app.db", ref[:3]),
        "contract": _contract(root, "contract.yaml", label="y", id="id", name="loans"),
        "timed": _contract(root, "timed.yaml", time="ts"),
    }
    # SQLite has no timestamp type: the database's contract reads ts as text.
    v["db_contract"] = _contract(root, "db.yaml", data=v["ref_db"], query=QUERY)
    v["gate"] = _gate(root)
    schema = root / "schema.yaml"  # a pandera schema, as DataFrameSchema.to_yaml()
    schema.write_text(
        "schema_type: dataframe\napi: pandas\ncolumns:\n"
        "  id: {dtype: int64, unique: true}\n  g: {dtype: str, isin: [a, b]}\n",
        encoding="utf-8",
    )
    v["pandera_schema"] = str(schema)

    here = capture()
    polars = here.package_version("polars")
    assert polars is not None
    older = {**dict(here.packages), "polars": _older_minor(polars)}
    trained = dataclasses.replace(here, packages=tuple(sorted(older.items())))
    for name, fingerprint in (("trained", trained), ("here", here)):
        fingerprint.save(root / f"{name}.json")
        v[name] = str(root / f"{name}.json")

    v["models"] = f"sqlite:///{root / 'models.db'}"
    (root / "model.bin").write_bytes(b"a trained model")
    pipewarden.register_model(
        "churn",
        "1",
        root / "model.bin",
        environment=trained,
        important=["polars"],
        store=v["models"],
    )

    v.update(_monitoring(root))
    v.update(_champion_store(root))
    v.update(_split_store(root))

    v["runs"] = f"sqlite:///{root / 'runs.db'}"
    for data, dataset in (("ref", "loans"), ("extra", "loans"), ("cur", "scores")):
        pipewarden.check(v[data], v["contract"], dataset=dataset, store=v["runs"])
    with pipewarden.open_store(v["runs"]) as store:
        newest_first = store.list_runs(limit=10)
    v["run_a"], v["run_b"] = newest_first[2].id, newest_first[1].id
    v["refs"] = f"sqlite:///{root / 'refs.db'}"
    for data in ("ref", "extra"):
        pipewarden.references.add("loans", v[data], store=v["refs"], user="effects")
    v.update(_alert_stores(root))
    v.update(make_pipeline_store(root))
    token_file = root / "token"
    token_file.write_text("effects-token-0123456789\n", encoding="utf-8")
    v["token_file"] = str(token_file)
    return v


def _monitoring(root: Path) -> dict[str, str]:
    """A monitored model 'plant' (three months, the third shifted) in one store, and
    models of their own for the logging cases in another."""
    import pickle

    import numpy as np
    from sklearn.linear_model import LinearRegression

    from pipewarden.monitor.retrain import POLICY_KIND

    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(0, 1, 3000), rng.normal(0, 1, 3000)
    train = pl.DataFrame(
        {"x1": x1, "x2": x2, "y": 3 * x1 + 2 * x2 + rng.normal(0, 1, 3000)}
    )
    v = {"train": str(root / "train.csv"), "model_pkl": str(root / "model.pkl")}
    train.write_csv(v["train"])
    fitted = LinearRegression().fit(train.select("x1", "x2").to_pandas(), train["y"])
    (root / "model.pkl").write_bytes(pickle.dumps(fitted))
    v["mon"] = f"sqlite:///{root / 'mon.db'}"
    pipewarden.register_model(
        "plant",
        "1",
        fitted,
        training_data=train,
        label="y",
        metrics={"mae": 0.8},
        importances={"x1": 3, "x2": 2},
        store=v["mon"],
    )
    months = []
    for month, shift in ((1, 0.0), (2, 0.0), (3, 2.5)):
        a, b = rng.normal(shift, 1, 300), rng.normal(0, 1, 300)
        start = dt.datetime(2026, month, 1, tzinfo=dt.UTC)
        months.append(
            pl.DataFrame(
                {
                    "id": [f"{month}-{i}" for i in range(300)],
                    "ts": [start + dt.timedelta(hours=2 * i) for i in range(300)],
                    "x1": a,
                    "x2": b,
                    "pred": 3 * a + 2 * b,
                    "y": 3 * a
                    + 2 * b
                    + 0.8 * np.maximum(a - 1.5, 0) ** 2
                    + rng.normal(0, 1, 300),
                }
            )
        )
    frame = pl.concat(months)
    pipewarden.log_predictions(
        "plant", frame, id="id", prediction="pred", time="ts", store=v["mon"]
    )
    pipewarden.log_labels("plant", frame, id="id", label="y", store=v["mon"])
    v["rules"] = str(root / "rules.yaml")
    (root / "rules.yaml").write_text(
        "kind: pipewarden/rules\nversion: 1\nrules:\n  - name: mae_far\n"
        "    check: perf.mae\n    above: 10\n    relative: ratio\n"
    )
    v["policy"] = str(root / "policy.yaml")
    (root / "policy.yaml").write_text(
        f"kind: {POLICY_KIND}\nperformance_windows: null\nmax_age_days: null\n"
        "drift_top_inputs: null\n"
    )
    v["traffic"] = f"sqlite:///{root / 'traffic.db'}"
    _STORES["traffic"] = v["traffic"]
    batch = frame.head(20).with_columns(s=pl.lit(0.5))
    v["batch"] = str(root / "batch.csv")
    batch.drop("y").write_csv(v["batch"])
    v["labels"] = str(root / "labels.csv")
    batch.select("id", "y").write_csv(v["labels"])
    for name in (
        "p_id",
        "p_pred",
        "p_time_a",
        "p_time_b",
        "p_score_a",
        "p_score_b",
        "p_key",
        "p_store",
        "l_id",
        "l_label",
        "l_key",
        "l_store",
    ):
        pipewarden.register_model(
            name, "1", name.encode(), training_data=train, label="y", store=v["traffic"]
        )
        if name.startswith("l_"):
            pipewarden.log_predictions(
                name, batch, id="id", prediction="pred", time="ts", store=v["traffic"]
            )
    return v


def _champion_store(root: Path) -> dict[str, str]:
    """Two versions of 'plant' scoring the same 600 ids (a shadow test, one a minute
    from 2026-05-04 00:00 UTC), the second better; and the comparison's JSON."""
    import numpy as np

    rng = np.random.default_rng(3)
    y = rng.normal(0, 3, 600)
    frame = pl.DataFrame(
        {
            "id": [f"c{i}" for i in range(600)],
            "ts": [
                dt.datetime(2026, 5, 4, tzinfo=dt.UTC) + dt.timedelta(minutes=i)
                for i in range(600)
            ],
            "site": rng.choice(["north", "south"], 600),
            "band": rng.choice(["low", "high"], 600),
            "y": y,
            "a": y + rng.normal(0, 1.5, 600),
            "b": y + rng.normal(0, 0.5, 600),
        }
    )
    url = f"sqlite:///{root / 'cmp.db'}"
    for version, column in (("1", "a"), ("2", "b")):
        pipewarden.register_model("plant", version, column.encode(), store=url)
        pipewarden.log_predictions(
            f"plant:{version}",
            frame.drop("y"),
            id="id",
            prediction=column,
            time="ts",
            store=url,
        )
    pipewarden.log_labels("plant:1", frame, id="id", label="y", store=url)
    evidence = root / "evidence.json"
    report = pipewarden.compare_models("plant:1", "plant:2", store=url)
    evidence.write_text(json.dumps(report.to_dict()), encoding="utf-8")
    return {"cmp": url, "evidence": str(evidence)}


def _split_store(root: Path) -> dict[str, str]:
    """An A/B split of 'ab': 300 ids went to version 1 and 100 to version 2, each
    labelled: a mismatch for an even split, as planned for a 75% : 25% one."""
    import numpy as np

    rng = np.random.default_rng(5)
    y = rng.normal(0, 3, 400)
    frame = pl.DataFrame(
        {
            "id": [f"s{i}" for i in range(400)],
            "y": y,
            "pred": y + rng.normal(0, 1, 400),
        }
    )
    url = f"sqlite:///{root / 'split.db'}"
    for version, part in (("1", frame.head(300)), ("2", frame.tail(100))):
        pipewarden.register_model("ab", version, version.encode(), store=url)
        pipewarden.log_predictions(
            f"ab:{version}", part, id="id", prediction="pred", store=url
        )
        pipewarden.log_labels(f"ab:{version}", part, id="id", label="y", store=url)
    return {"split": url}


def _alert_stores(root: Path) -> dict[str, str]:
    """Stores holding one open alert (each used by one case), one with a resolved
    alert too, one with an alert 10 days overdue; and a rules file."""
    from pipewarden.checks.findings import Severity
    from pipewarden.monitor.alerts import resolve_alert, sync_alerts
    from pipewarden.monitor.rules import Observation, RuleSet

    rules = RuleSet.default()
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)

    def opened(name: str, *, resolved: bool = False, at: dt.datetime = long_ago) -> str:
        url = f"sqlite:///{root / name}.db"
        with pipewarden.open_store(url) as store:
            for i in range(2 if resolved else 1):
                subject = f"dataset:t{i}"
                seen = [
                    Observation(
                        subject, at, "nulls.rate", severity=Severity.ERROR, column="x"
                    )
                ]
                sync_alerts(store, rules, rules.evaluate(seen), seen, now=at)
            if resolved:
                resolve_alert(store, 1, by="cy", now=at)
        return url

    out = {
        name: opened(name)
        for name in (
            "alerts_ack_a",
            "alerts_ack_b",
            "alerts_ack_c",
            "alerts_resolve_a",
            "alerts_resolve_b",
            "alerts_resolve_c",
        )
    }
    out["alerts_list"] = opened("alerts_list", resolved=True)
    out["alerts_overdue"] = opened("alerts_overdue")
    rules_file = root / "rules.yaml"
    rules_file.write_text(
        "rules:\n  - name: warnings\n    check: '*'\n    subject: 'dataset:*'\n"
        "    min_severity: warning\n    severity: sev4\n",
        encoding="utf-8",
    )
    out["rules"] = str(rules_file)
    pipe_rules = root / "pipe_rules.yaml"
    pipe_rules.write_text(
        "rules:\n  - name: missed_runs\n    check: 'run.missed'\n"
        "    subject: 'pipeline:*'\n    min_severity: error\n    severity: sev1\n",
        encoding="utf-8",
    )
    out["pipe_rules"] = str(pipe_rules)
    pipelines_yaml = root / "pipelines.yaml"
    pipelines_yaml.write_text(
        "pipelines:\n  churn:\n    schedule: '0 6 * * *'\n", encoding="utf-8"
    )
    out["pipelines_yaml"] = str(pipelines_yaml)
    out["scheduled"] = f"sqlite:///{root / 'scheduled.db'}"
    schedule_pipeline("churn", "0 6 * * *", store=out["scheduled"])
    return out


def _older_minor(version: str) -> str:
    major, minor, *_ = version.split(".")
    return f"{major}.{int(minor) - 1}.0" if int(minor) else f"{int(major) - 1}.0.0"


# ------------------------------------------------------------------------ running


@pytest.fixture(scope="module")
def shared_runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[tuple[str, ...]], tuple[Ran, Path]]:
    """Runs of ``shared`` cases, once per argument list, each in its own folder."""
    done: dict[tuple[str, ...], tuple[Ran, Path]] = {}

    def run(args: tuple[str, ...]) -> tuple[Ran, Path]:
        if args not in done:
            folder = tmp_path_factory.mktemp("shared")
            out, err = io.StringIO(), io.StringIO()
            with pytest.MonkeyPatch.context() as mp:
                for name in [n for n in os.environ if n.startswith("PIPEWARDEN_")]:
                    mp.delenv(name)
                mp.chdir(folder)
                with redirect_stdout(out), redirect_stderr(err):
                    code = main(list(args))
            done[args] = (Result(code, out.getvalue(), err.getvalue()), folder)
        return done[args]

    return run


EFFECTS = (*EFFECTS, *SERVE_EFFECTS)


@pytest.mark.parametrize(
    "effect", EFFECTS, ids=[f"{' '.join(e.command)} {e.option}" for e in EFFECTS]
)
def test_each_option_changes_what_the_command_does(
    effect: Effect,
    values: dict[str, str],
    cli: Callable[..., Ran],
    shared_runs: Callable[[tuple[str, ...]], tuple[Ran, Path]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    seen = []
    for side, template in (("without", effect.without), ("with", effect.with_)):
        args = tuple(arg.format_map(values) for arg in template)
        if effect.shared:
            run, folder = shared_runs(args)
        else:
            folder = tmp_path / side
            folder.mkdir()
            monkeypatch.chdir(folder)  # after cli's own chdir to tmp_path
            run = cli(*args)
        seen.append(effect.observe(run, folder))
    assert tuple(seen) == effect.expected


# ---------------------------------------------------------------------- complete


def _options(
    command: Any, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], str]]:
    """(command path, option) for every option of every command under ``command``:
    its long name, and each ``--no-...`` side of a boolean pair."""
    for param in command.params:
        # Not isinstance(param, click.Option): Typer 0.22+ builds its commands from
        # a Click of its own, whose Option is not click.Option.
        if param.param_type_name != "option":
            continue
        names = [max(param.opts, key=len), *param.secondary_opts]
        yield from ((path, name) for name in names if name != "--help")
    for name, sub in getattr(command, "commands", {}).items():
        yield from _options(sub, (*path, name))


def test_every_option_of_every_command_has_an_effect_case() -> None:
    tree = set(_options(typer.main.get_command(app)))
    table = [effect.key for effect in EFFECTS]
    assert len(table) == len(set(table)), "a (command, option) has two cases"
    missing, stale = sorted(tree - set(table)), sorted(set(table) - tree)
    assert (missing, stale) == ([], [])
