"""The dbt example (examples/dbt): ``pipewarden check`` on the model's table through
the SQL source.

The model's table is built here the way dbt builds it (the seed CSV loaded, the
model's SQL run, in SQLite), so the pipewarden side runs in every test run; with
PIPEWARDEN_TEST_DBT naming a real dbt (``make test-separate`` installs dbt-core +
dbt-sqlite in .venv-dbt: dbt's pins clash with the dev venv's), examples/dbt/run.sh
runs end to end: ``dbt seed``, ``dbt run``, then the check.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import pipewarden as pw

EXAMPLE = Path(__file__).parents[2] / "examples" / "dbt"
CONTRACT = EXAMPLE / "contracts" / "orders_clean.yaml"
QUERY = "select * from orders_clean"


def _build_model(db: Path, seed: Path) -> None:
    """What ``dbt seed`` + ``dbt run`` do, with the model's own SQL."""
    raw = pl.read_csv(seed)
    model = (EXAMPLE / "models" / "orders_clean.sql").read_text(encoding="utf-8")
    sql = model.replace("{{ ref('raw_orders') }}", "raw_orders")
    with sqlite3.connect(db) as con:
        con.execute("drop table if exists raw_orders")
        con.execute("drop table if exists orders_clean")
        con.execute(
            "create table raw_orders (order_id integer, customer text, amount real, "
            "country text, status text)"
        )
        con.executemany(
            "insert into raw_orders values (?, ?, ?, ?, ?)", raw.iter_rows()
        )
        con.execute(f"create table orders_clean as {sql}")


def _check_cli(db: Path, out: Path) -> tuple[int, dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-m", "pipewarden", "check", str(CONTRACT), f"sqlite:///{db}"]
        + ["--query", QUERY, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(out.read_text(encoding="utf-8"))


def test_the_models_table_passes_its_contract(tmp_path: Path) -> None:
    db = tmp_path / "shop.db"
    seed = EXAMPLE / "seeds" / "raw_orders.csv"
    _build_model(db, seed)

    code, report = _check_cli(db, tmp_path / "check.json")

    paid = pl.read_csv(seed).filter(pl.col("status") == "paid").height
    assert (code, report["status"], report["rows"]) == (0, "pass", paid)
    expected = pw.check(f"sqlite:///{db}", CONTRACT, query=QUERY).to_dict()
    assert report["findings"] == expected["findings"]


def test_a_broken_upstream_fails_the_check(tmp_path: Path) -> None:
    seed = tmp_path / "raw_orders.csv"
    rows = pl.read_csv(EXAMPLE / "seeds" / "raw_orders.csv")
    extra = pl.DataFrame(
        {
            "order_id": [9, 10],
            "customer": ["ivan", "jane"],
            "amount": [None, 5000.0],
            "country": ["XX", "FR"],
            "status": ["paid", "paid"],
        },
        schema=rows.schema,
    )
    pl.concat([rows, extra]).write_csv(seed)
    db = tmp_path / "shop.db"
    _build_model(db, seed)

    code, report = _check_cli(db, tmp_path / "check.json")

    assert code == 1 and report["status"] == "fail"
    found = {
        (f["check"], f["column"])
        for f in report["findings"]  # type: ignore[attr-defined]
        if f["severity"] != "info"
    }
    assert found == {
        ("nulls.rate", "amount"),
        ("category.unseen", "country"),
        ("range.out_of_bounds", "amount"),
    }


@pytest.mark.skipif(
    not os.environ.get("PIPEWARDEN_TEST_DBT"),
    reason="needs a dbt with dbt-sqlite (PIPEWARDEN_TEST_DBT; `make test-separate`)",
)
def test_run_sh_builds_the_model_with_dbt_and_checks_it(tmp_path: Path) -> None:
    project = tmp_path / "dbt"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("target", "logs"))
    pipewarden = tmp_path / "pipewarden"
    pipewarden.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m pipewarden "$@"\n')
    pipewarden.chmod(0o755)
    env = {
        **os.environ,
        "DBT": os.environ["PIPEWARDEN_TEST_DBT"],
        "PIPEWARDEN": str(pipewarden),
        "DBT_SHOP_DIR": str(tmp_path),
    }

    done = subprocess.run(
        ["bash", str(project / "run.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = json.loads((tmp_path / "orders_clean.check.json").read_text())
    with sqlite3.connect(tmp_path / "shop.db") as con:
        (rows,) = con.execute("select count(*) from orders_clean").fetchone()
    assert (report["status"], report["rows"], rows) == ("pass", 7, 7)
