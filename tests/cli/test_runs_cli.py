"""pipewarden check --store/--dataset, runs list|show|diff, store upgrade: one line on error."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from pipewarden.contracts.yaml_io import dump_contract, load_contract
from pipewarden.demo import REFERENCE, data_path
from pipewarden.env import fingerprint as fingerprint_module
from pipewarden.env.fingerprint import Fingerprint
from pipewarden.store._dialects import connect, display_url
from pipewarden.store.database import HEAD_REVISION, alembic_config, open_store
from pipewarden.workflows import models as models_workflow
from pipewarden.workflows import record as record_workflow
from pipewarden.workflows.models import register_model

AS_OF = "2024-01-06T00:00:00Z"
Cli = Callable[..., Any]
PG_URL = os.environ.get("PIPEWARDEN_TEST_PG_URL")
"""Read at import: the ``cli`` fixture clears every PIPEWARDEN_* variable."""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store: a SQLite file, or a fresh schema on PIPEWARDEN_TEST_PG_URL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'runs.db'}"
        return
    base = PG_URL
    if not base:
        pytest.skip("PIPEWARDEN_TEST_PG_URL is not set")
    schema = f"pw_cli_{secrets.token_hex(6)}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.schema.CreateSchema(schema))
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True))
        admin.dispose()


@pytest.fixture(autouse=True)
def no_store_in_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PIPEWARDEN_STORE_URL", raising=False)
    monkeypatch.chdir(tmp_path)


def fingerprint(packages: dict[str, str]) -> Fingerprint:
    return Fingerprint(
        python_version="3.11.7",
        python_implementation="CPython",
        python_build=("main", "Jan  1 2024"),
        python_compiler="GCC 12.2.0",
        executable="/venv/bin/python",
        os="Linux",
        os_release="6.1",
        platform="Linux",
        machine="x86_64",
        cpu_count=2,
        hostname="host",
        captured_at="2026-11-01",
        packages=tuple(sorted(packages.items())),
        env=(),
    )


TRAINED = fingerprint({"numpy": "1.26.4", "scikit-learn": "1.5.2"})
UPGRADED = fingerprint({"numpy": "2.1.0", "scikit-learn": "1.5.2", "polars": "1.0"})


def use_environment(monkeypatch: pytest.MonkeyPatch, fp: Fingerprint) -> None:
    """Make every workflow that fingerprints this environment see ``fp``."""
    for module in (fingerprint_module, models_workflow, record_workflow):
        monkeypatch.setattr(module, "capture", lambda environ=None: fp)


def check(cli: Cli, files: dict[str, Path], data: str, *options: object) -> Any:
    return cli("check", files["contract.yaml"], files[data], "--as-of", AS_OF, *options)


def runs_json(cli: Cli, *options: object) -> list[dict[str, Any]]:
    run = cli("runs", "list", "--json", *options)
    assert run.code == 0, run.err
    data = json.loads(run.out)
    assert isinstance(data, list)
    return data


# ------------------------------------------------------------------ recording


def test_check_with_a_store_and_dataset_records_a_run(
    cli: Cli, cli_files: dict[str, Path], store_url: str
) -> None:
    run = check(cli, cli_files, "good.csv", "--store", store_url, "--dataset", "loans")

    assert run.code == 0
    [line] = run.err_lines
    assert line.startswith("Recorded run r-") and line.endswith(
        f"in {open_store(store_url).url}"
    )
    [listed] = runs_json(cli, "--store", store_url)
    assert listed["id"] == line.split()[2]
    assert (listed["dataset"], listed["status"], listed["rows"]) == (
        "loans",
        "pass",
        100,
    )
    assert {"id", "dataset", "status", "started_at"} <= set(listed)


def test_check_without_store_options_records_nothing(
    cli: Cli, cli_files: dict[str, Path], tmp_path: Path
) -> None:
    assert check(cli, cli_files, "good.csv").code == 0

    assert not (tmp_path / ".pipewarden").exists()


def test_no_record_wins_over_dataset(
    cli: Cli, cli_files: dict[str, Path], tmp_path: Path
) -> None:
    run = check(cli, cli_files, "good.csv", "--dataset", "loans", "--no-record")

    assert (run.code, run.err) == (0, "")
    assert not (tmp_path / ".pipewarden").exists()


def test_record_alone_uses_the_default_store(
    cli: Cli, cli_files: dict[str, Path], tmp_path: Path
) -> None:
    assert check(cli, cli_files, "good.csv", "--record").code == 0

    assert (tmp_path / ".pipewarden" / "pipewarden.db").is_file()
    [listed] = runs_json(cli)
    assert listed["dataset"] == "good.csv"


def test_the_store_url_can_come_from_the_environment(
    cli: Cli,
    cli_files: dict[str, Path],
    store_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PIPEWARDEN_STORE_URL", store_url)

    assert check(cli, cli_files, "good.csv").code == 0

    assert [r["dataset"] for r in runs_json(cli)] == ["good.csv"]


def test_check_json_includes_history_findings(
    cli: Cli, cli_files: dict[str, Path], store_url: str, tmp_path: Path
) -> None:
    half = tmp_path / "half.csv"
    lines = cli_files["good.csv"].read_text().splitlines()
    half.write_text("\n".join(lines[:41]) + "\n")
    options = ("--store", store_url, "--dataset", "loans")
    assert check(cli, cli_files, "good.csv", *options).code == 0

    run = cli(
        "check",
        cli_files["contract.yaml"],
        half,
        "--as-of",
        AS_OF,
        *options,
        "--json",
        "-",
    )

    checks = [(f["check"], f["column"]) for f in json.loads(run.out)["findings"]]
    assert ("history.row_count", None) in checks


# ------------------------------------------------------------------ last-pass


def test_reference_last_pass_compares_with_the_last_passing_run(
    cli: Cli, cli_files: dict[str, Path], store_url: str
) -> None:
    options = ("--store", store_url, "--dataset", "loans")
    check(cli, cli_files, "good.csv", *options)
    [first] = runs_json(cli, "--store", store_url)

    run = check(cli, cli_files, "good.csv", *options, "--reference", "last-pass")

    assert run.code == 0, run.err
    newest = runs_json(cli, "--store", store_url)[0]
    shown = json.loads(
        cli("runs", "show", newest["id"], "--store", store_url, "--json").out
    )
    assert shown["reference"] == f"run:{first['id']}"


def test_last_pass_needs_a_dataset(cli: Cli, cli_files: dict[str, Path]) -> None:
    run = check(cli, cli_files, "good.csv", "--reference", "last-pass")

    assert run.code == 2
    assert run.err_lines == [
        "error: The last-pass reference needs a dataset name: the dataset whose "
        "last passing run to compare with. Pass --dataset NAME (dataset='NAME' in "
        "Python)."
    ]


def test_last_pass_without_a_passing_run_says_how_to_record_one(
    cli: Cli, cli_files: dict[str, Path], store_url: str
) -> None:
    run = check(
        cli,
        cli_files,
        "good.csv",
        "--store",
        store_url,
        "--dataset",
        "new",
        "--reference",
        "last-pass",
    )

    assert run.code == 2
    [line] = run.err_lines
    assert line.startswith("error: No passing run of dataset 'new' in the store ")
    assert line.endswith(
        "Record one with: pipewarden check CONTRACT DATA --dataset new"
    )


# ------------------------------------------------------------------ models


def test_check_with_a_model_reports_environment_mismatches(
    cli: Cli,
    cli_files: dict[str, Path],
    store_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    register_model(
        "churn",
        "3",
        {"weights": [1, 2]},
        environment=TRAINED,
        important=["numpy"],
        store=store_url,
    )
    use_environment(monkeypatch, UPGRADED)

    run = check(
        cli,
        cli_files,
        "good.csv",
        "--store",
        store_url,
        "--model",
        "churn:3",
        "--json",
        "-",
    )

    assert run.code == 1
    found = [f for f in json.loads(run.out)["findings"] if f["check"] == "env.mismatch"]
    assert [f["segment"]["name"] for f in found] == ["numpy"], found
    finding = found[0]
    assert finding["severity"] == "error"
    assert finding["message"] == (
        "Model churn:3: numpy is 2.1.0 here but 1.26.4 where the model was trained "
        "(major change). Pin numpy==1.26.4 in production, or retrain."
    )
    assert not (Path.cwd() / ".pipewarden").exists()  # --model alone does not record


def test_an_unknown_model_is_one_line(
    cli: Cli, cli_files: dict[str, Path], store_url: str
) -> None:
    run = check(cli, cli_files, "good.csv", "--store", store_url, "--model", "nope")

    assert run.code == 2
    assert run.err_lines[0].startswith("error: No model 'nope' in the store ")


# ------------------------------------------------------------------ runs


def test_runs_list_shows_a_table_and_filters(
    cli: Cli, cli_files: dict[str, Path], store_url: str
) -> None:
    check(cli, cli_files, "good.csv", "--store", store_url, "--dataset", "a")
    check(cli, cli_files, "good.csv", "--store", store_url, "--dataset", "b")

    table = cli("runs", "list", "--store", store_url)

    assert table.code == 0
    assert "dataset" in table.out and "pass" in table.out
    assert [r["dataset"] for r in runs_json(cli, "--store", store_url)] == ["b", "a"]
    assert [
        r["dataset"] for r in runs_json(cli, "--store", store_url, "--dataset", "a")
    ] == ["a"]


def test_runs_list_of_an_empty_store_says_how_to_record(
    cli: Cli, store_url: str
) -> None:
    run = cli("runs", "list", "--store", store_url)

    assert run.code == 0
    assert run.out.strip() == (
        "No runs recorded yet. Record one with: pipewarden check CONTRACT DATA "
        "--dataset NAME"
    )
    assert runs_json(cli, "--store", store_url) == []


def test_runs_show_prints_provenance_and_findings(
    cli: Cli, cli_files: dict[str, Path], store_url: str
) -> None:
    check(cli, cli_files, "extra_column.csv", "--store", store_url, "--dataset", "a")
    [listed] = runs_json(cli, "--store", store_url)

    table = cli("runs", "show", listed["id"][:-2], "--store", store_url)
    data = json.loads(
        cli("runs", "show", listed["id"], "--store", store_url, "--json").out
    )

    assert table.code == 0
    assert f"Run {listed['id']}" in table.out and "promo_code" in table.out
    assert data["id"] == listed["id"]
    assert [f["check"] for f in data["findings"]] == ["schema.unexpected_column"]
    [source] = data["inputs"]
    assert source["path"].endswith("extra_column.csv")
    assert source["hash_method"] == "sha256"
    assert data["environment"]["python_version"]
    assert "annual_inc" in data["columns"]


def test_runs_show_of_an_unknown_run_is_one_line(cli: Cli, store_url: str) -> None:
    run = cli("runs", "show", "r-nope", "--store", store_url)

    assert run.code == 2
    [line] = run.err_lines
    assert line.startswith("error: No run matches 'r-nope' in the store ")


def test_runs_diff_names_columns_contract_and_packages_that_changed(
    cli: Cli, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two demo runs: the clean week, then the upstream rewrite on an upgraded box."""
    first, second = tmp_path / "c1.yaml", tmp_path / "c2.yaml"
    assert (
        cli("contract", "infer", data_path(REFERENCE), "-o", first, "--time", "ts").code
        == 0
    )
    contract = load_contract(first)
    columns = dict(contract.columns)
    columns["temperature"] = columns["temperature"].model_copy(
        update={"max_null_rate": 0.5}
    )
    columns.pop("vibration")
    dump_contract(contract.model_copy(update={"columns": columns}), second)
    options = (
        "--store",
        store_url,
        "--dataset",
        "pumps",
        "--as-of",
        "2026-11-15T01:00:00",
    )
    use_environment(monkeypatch, TRAINED)
    assert cli("check", first, data_path("batch_clean.csv"), *options).code == 0
    use_environment(monkeypatch, UPGRADED)
    assert (
        cli("check", second, data_path("batch_schema_change.csv"), *options).code == 1
    )
    newer, older = (r["id"] for r in runs_json(cli, "--store", store_url))

    report = json.loads(
        cli("runs", "diff", older, newer, "--store", store_url, "--json").out
    )
    shown = cli("runs", "diff", older, newer, "--store", store_url)

    changes = {c["column"]: c for c in report["columns"]}
    assert changes["humidity"]["change"] == "added"
    assert changes["vibration"]["change"] == "removed"
    assert changes["pressure"]["changed"][:2] == ["kind", "dtype"]
    assert report["contract"]["removed_columns"] == ["vibration"]
    assert report["contract"]["changed_columns"] == {"temperature": ["max_null_rate"]}
    packages = {c["name"]: c["change"] for c in report["environment"]["changes"]}
    assert packages == {"numpy": "major", "polars": "added"}
    [source] = report["inputs"]
    assert {"path", "size", "content_hash"} <= set(source["changed"])
    assert "schema.unexpected_column:humidity" in report["new_findings"]
    assert shown.code == 0
    for name in (
        "humidity",
        "vibration",
        "pressure",
        "temperature",
        "numpy",
        "polars",
        "Data columns",
        "Contract",
        "Environment",
        "Inputs",
    ):
        assert name in shown.out, name


def test_runs_diff_of_a_run_with_itself_has_no_differences(
    cli: Cli, cli_files: dict[str, Path], store_url: str
) -> None:
    check(cli, cli_files, "good.csv", "--store", store_url, "--dataset", "a")
    [listed] = runs_json(cli, "--store", store_url)

    run = cli("runs", "diff", listed["id"], listed["id"], "--store", store_url)

    assert run.code == 0
    assert run.out.splitlines()[-1] == "No differences."


# ------------------------------------------------------------------ store upgrade


def test_store_upgrade_creates_then_leaves_a_store(cli: Cli, store_url: str) -> None:
    shown = open_store(store_url).url

    first = cli("store", "upgrade", "--store", store_url)
    again = cli("store", "upgrade", "--store", store_url)

    assert first.out.strip() == (
        f"Store {shown} is already at schema revision {HEAD_REVISION}."
    )
    assert again.out == first.out


def test_an_old_store_asks_for_an_upgrade_in_one_line(cli: Cli, store_url: str) -> None:
    open_store(store_url).close()
    database = connect(store_url)
    with database.connect() as conn, conn.begin():
        from alembic import command

        command.downgrade(alembic_config(conn), "base")
    database.dispose()

    listed = cli("runs", "list", "--store", store_url)
    upgraded = cli("store", "upgrade", "--store", store_url)

    assert listed.code == 2
    [line] = listed.err_lines
    assert line.startswith("error: The store ")
    assert line.endswith(
        f"this pipewarden needs {HEAD_REVISION}. Run `pipewarden store "
        f"upgrade --store {display_url(store_url)}`."
    )
    assert upgraded.code == 0
    assert "upgraded from schema revision base (empty)" in upgraded.out
    assert cli("runs", "list", "--store", store_url).code == 0


def test_a_bad_store_url_is_one_line(cli: Cli, cli_files: dict[str, Path]) -> None:
    run = check(cli, cli_files, "good.csv", "--store", "nonsense", "--dataset", "a")

    assert run.code == 2
    assert run.err_lines == [
        "error: 'nonsense' is not a store URL pipewarden can open (Could not parse "
        "SQLAlchemy URL from given URL string). Use e.g. "
        "sqlite:///.pipewarden/pipewarden.db or postgresql+psycopg://user@host/db."
    ]


# ------------------------------------------------------------------ secrets


@pytest.mark.postgres
def test_runs_show_never_holds_a_secret_of_the_data_url(
    cli: Cli, tmp_path: Path, store_url: str
) -> None:
    if not PG_URL or "?" in PG_URL:
        pytest.skip("PIPEWARDEN_TEST_PG_URL is not set, or has a query already")
    data_url = f"{PG_URL}?password=Sx-s3cr3t-9&sslpassword=Sx-s3cr3t-8&sslmode=prefer"
    contract = tmp_path / "c.yaml"
    contract.write_text(
        "kind: pipewarden/contract\nversion: 1\ncolumns:\n"
        "  a:\n    kind: integer\n    dtype: Int64\n",
        encoding="utf-8",
    )
    query = "SELECT 1 AS a UNION ALL SELECT 2"
    options = ("--store", store_url, "--dataset", "d")
    checked = cli("check", contract, data_url, "--query", query, *options)
    [listed] = runs_json(cli, "--store", store_url)
    shown = cli("runs", "show", listed["id"], "--store", store_url, "--json")

    assert checked.code == 0, checked.err
    assert "s3cr3t" not in checked.out + checked.err + shown.out
    [source] = json.loads(shown.out)["inputs"]
    assert source["path"] == (f"{PG_URL}?password=***&sslmode=prefer&sslpassword=***")
