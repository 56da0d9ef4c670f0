"""Pipeline runs from the command line: start prints the id last, checkpoint and
finish record, list and show present stages, and the JSON equals the API's."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pipeline_store import DAY, make_pipeline_store

import pipewarden as pw

Cli = Callable[..., Any]


@pytest.fixture(scope="module")
def pipes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return make_pipeline_store(tmp_path_factory.mktemp("pipes"))


def test_start_checkpoint_finish_and_show(cli: Cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    data = tmp_path / "out.csv"
    data.write_text("a,b\n1,x\n2,y\n3,x\n")
    started = cli("runs", "start", "nightly", "--store", url)
    run_id = started.out.split()[-1]
    assert started.code == 0 and run_id.startswith("r-")
    first = cli("runs", "checkpoint", run_id, "load", str(data), "--store", url)
    second = cli(
        "runs",
        "checkpoint",
        run_id,
        "shape",
        str(data),
        "--inputs",
        "load",
        "--store",
        url,
    )
    assert (first.code, second.code) == (0, 0)
    again = cli("runs", "checkpoint", run_id, "load", str(data), "--store", url)
    assert again.code == 2 and again.err_lines == [
        f"error: Pipeline run {run_id} has a checkpoint of stage 'load' already. "
        "Name each stage once per run."
    ]
    finished = cli("runs", "finish", run_id, "--error", "disk full", "--store", url)
    assert finished.code == 0
    shown = json.loads(cli("runs", "show", run_id, "--store", url, "--json").out)
    assert shown["status"] == "failed" and shown["error_message"] == "disk full"
    assert [(s["stage"], s["inputs"], s["rows"]) for s in shown["stages"]] == [
        ("load", [], 3),
        ("shape", ["load"], 3),
    ]
    # the stage outputs are regular runs: runs show and the dataset list still work
    stage_run = cli(
        "runs", "show", shown["stages"][0]["run_id"], "--store", url, "--json"
    )
    assert json.loads(stage_run.out)["dataset"] == "nightly/load"
    listed = json.loads(cli("runs", "list", "--store", url, "--json").out)
    assert sorted(r["dataset"] for r in listed) == ["nightly/load", "nightly/shape"]


def test_localize_json_equals_the_api(cli: Cli, pipes: dict[str, str]) -> None:
    ran = cli("localize", pipes["bad"], "--store", pipes["pipes"], "--json", "-")
    api = pw.localize(pipes["bad"], store=pipes["pipes"]).to_dict()
    assert json.loads(ran.out) == json.loads(json.dumps(api))
    assert api["baseline"] == pipes["good"]
    text = cli("localize", pipes["bad"], "--store", pipes["pipes"])
    assert text.out.splitlines()[0].startswith(
        "Stage 'clean' introduced the change: 'x' became "
    )
    assert "concentrated in region ∈ {n} (100% of the new nulls)" in " ".join(
        text.out.split()
    )


def test_checklist_json_equals_the_api(cli: Cli, pipes: dict[str, str]) -> None:
    ran = json.loads(
        cli(
            "checklist", "--date", DAY.isoformat(), "--store", pipes["pipes"], "--json"
        ).out
    )
    api = pw.checklist(DAY, store=pipes["pipes"]).to_dict()
    ran.pop("now"), api.pop("now")
    assert ran == json.loads(json.dumps(api))
    assert [(r["pipeline"], r["status"], r["run"]) for r in ran["rows"]] == [
        ("churn", "ran", pipes["bad"])
    ]


def test_checklist_of_a_day_without_the_run_says_missed(pipes: dict[str, str]) -> None:
    found = pw.checklist(
        date(2026, 11, 4), store=pipes["pipes"], now=datetime(2026, 11, 5, tzinfo=UTC)
    )
    rows = [(r.slot.pipeline, r.slot.status) for r in found.rows]
    assert rows == [("churn", "missed")] + [("open", "running")] * 10  # unscheduled
    assert [f.check for f in found.findings] == ["run.missed"]


def test_a_missed_job_in_the_checklist_opens_an_alert_that_alerts_list_shows(
    cli: Cli, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    cli("pipelines", "schedule", "scores", "0 6 * * *", "--store", url)
    ran = cli("checklist", "--date", "2026-01-05", "--store", url)
    assert ran.code == 0
    assert "Alert 1 opened (sev2): Pipeline 'scores' was expected at 2026-01-05" in (
        " ".join(ran.err.split())
    )
    listed = json.loads(cli("alerts", "list", "--store", url, "--json").out)
    assert [(a["rule"], a["subject"], a["check"]) for a in listed] == [
        ("pipeline_runs", "pipeline:scores", "run.missed")
    ]
    again = cli("checklist", "--date", "2026-01-05", "--store", url, "--json")
    assert json.loads(again.out)["alerts"] == [] and again.err == ""


def test_pipelines_apply_declares_a_files_schedules_or_says_where_it_is_wrong(
    cli: Cli, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    good = tmp_path / "pipelines.yaml"
    good.write_text(
        "pipelines:\n  churn:\n    schedule: '0 6 * * *'\n"
        "    timezone: Europe/Amsterdam\n    grace: 1h\n",
        encoding="utf-8",
    )
    ran = cli("pipelines", "apply", good, "--store", url)
    assert ran.code == 0
    assert " ".join(ran.out.split()) == (
        "Pipeline 'churn' is expected at '0 6 * * *' (Europe/Amsterdam), grace 60 minutes."
    )
    assert [p.schedule for p in pw.open_store(url).list_pipelines()] == ["0 6 * * *"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("pipelines:\n  churn:\n    schedule: 'daily'\n", encoding="utf-8")
    refused = cli("pipelines", "apply", bad, "--store", url)
    assert refused.code == 2 and "Traceback" not in refused.err
    assert " ".join(refused.err.split()).startswith(
        f"error: {bad}, line 3, key 'pipelines.churn.schedule': 'daily' is not a cron"
    )
