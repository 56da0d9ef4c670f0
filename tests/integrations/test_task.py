"""The check every scheduler integration runs: the same findings as ``pw.check``, the
task's fate by ``fail_on``, and the run (and pipeline checkpoint) in a real store."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from integration_data import Batches

import pipewarden as pw
from pipewarden.errors import ConfigError, ValidationFailedError
from pipewarden.integrations._task import raise_for, run_check
from pipewarden.store import open_store


def _findings(result: pw.CheckResult) -> list[tuple[str, str | None, str]]:
    return [(f.check, f.column, f.severity.value) for f in result.findings]


@pytest.mark.parametrize("which", ["good", "warn", "bad"])
def test_the_findings_are_those_of_pw_check(batches: Batches, which: str) -> None:
    data = getattr(batches, which)
    outcome = run_check(data, batches.contract, fail_on="never")

    expected = pw.check(data, batches.contract)
    assert outcome.result.to_dict() == expected.to_dict()
    assert outcome.summary()["findings"] == expected.to_dict()["findings"]
    assert outcome.run_id is None and outcome.store_url is None


def test_fail_on_decides_by_severity(batches: Batches) -> None:
    frame = batches.frame("bad")
    null_rate = frame["amount"].null_count() / frame.height  # 50 / 500, by Polars

    bad = run_check(batches.bad, batches.contract, fail_on="error")
    with pytest.raises(ValidationFailedError) as raised:
        raise_for(bad)
    (nulls,) = [f for f in raised.value.result.findings if f.check == "nulls.rate"]
    assert (nulls.column, nulls.severity.value) == ("amount", "error")
    assert nulls.value == pytest.approx(null_rate)
    assert "nulls.rate [amount]" in str(raised.value)
    assert bad.counts()["error"] == sum(
        f.severity.value == "error" for f in bad.result.findings
    )

    warn = run_check(batches.warn, batches.contract, fail_on="error")
    assert warn.result.status == "warn" and not warn.failed
    assert raise_for(warn) is warn
    strict = run_check(batches.warn, batches.contract, fail_on="warning")
    assert [f.check for f in strict.failing] == ["range.out_of_bounds"]
    with pytest.raises(ValidationFailedError, match="range.out_of_bounds"):
        raise_for(strict)

    never = run_check(batches.bad, batches.contract, fail_on="never")
    assert never.result.status == "fail" and never.failing == []
    assert raise_for(never).summary()["failed"] is False

    good = run_check(batches.good, batches.contract, fail_on="warning")
    assert good.result.status == "pass" and not good.failed


def test_a_store_records_the_run(batches: Batches, store_url: str) -> None:
    outcome = run_check(
        batches.bad, batches.contract, store=store_url, dataset="orders"
    )

    assert outcome.run_id is not None and outcome.failed
    with open_store(store_url) as store:
        run = store.get_run(outcome.run_id)
        assert (run.dataset, run.status) == ("orders", "fail")
        assert run.profile is not None and run.profile.rows == 500
        assert _findings(run.result) == _findings(outcome.result)
        assert [r.id for r in store.list_runs(dataset="orders")] == [run.id]
    assert outcome.summary()["run_id"] == run.id


def test_a_pipeline_name_records_a_one_stage_run(
    batches: Batches, store_url: str
) -> None:
    outcome = run_check(
        batches.bad,
        batches.contract,
        store=store_url,
        pipeline="orders-daily",
        stage="clean",
        fail_on="never",
    )

    with open_store(store_url) as store:
        (run,) = store.list_pipeline_runs(pipeline="orders-daily")
        assert run.id == outcome.pipeline_run_id and run.status == "success"
        assert [(s.stage, s.status, s.rows) for s in run.stages] == [
            ("clean", "fail", 500)
        ]
        assert run.stages[0].run_id == outcome.run_id
        assert not run.is_good
        recorded = store.get_run(outcome.run_id or "")
        assert recorded.dataset == "orders-daily/clean"
    assert _findings(outcome.result) == _findings(
        pw.check(batches.bad, batches.contract)
    )


def test_tasks_add_stages_to_an_open_pipeline_run(batches: Batches) -> None:
    with open_store(batches.store) as store:
        from pipewarden.workflows.pipeline import start_pipeline_run

        started = start_pipeline_run("orders-daily", store=store)
    first = run_check(
        batches.good,
        batches.contract,
        store=batches.store,
        pipeline_run=started.id,
        stage="ingest",
    )
    second = run_check(
        batches.warn,
        None,
        store=batches.store,
        pipeline_run=started.id[:12],
        stage="score",
    )

    assert first.pipeline_run_id == second.pipeline_run_id == started.id
    with open_store(batches.store) as store:
        run = store.get_pipeline_run(started.id)
    assert run.status == "running"  # left open for the task that finishes it
    assert [(s.stage, s.status) for s in run.stages] == [
        ("ingest", "pass"),
        ("score", "pass"),  # no contract: inferred from this very output
    ]


def test_bad_settings_are_one_line_config_errors(
    batches: Batches, tmp_path: Path
) -> None:
    cases = [
        (dict(fail_on="sometimes"), "fail_on must be one of error, warning, never"),
        (dict(pipeline="p"), "A pipeline checkpoint is recorded in a store"),
        (
            dict(pipeline="p", store=batches.store, reference=batches.good),
            "takes no reference",
        ),
    ]
    for kwargs, message in cases:
        with pytest.raises(ConfigError, match=message) as raised:
            run_check(batches.good, batches.contract, **kwargs)  # type: ignore[arg-type]
        assert "\n" not in str(raised.value)
    with pytest.raises(ConfigError, match="A check needs a contract"):
        run_check(batches.good, None)
    with pytest.raises(pw.PipewardenError):
        run_check(tmp_path / "missing.parquet", batches.contract)


def test_the_message_names_the_data_the_counts_and_the_run(batches: Batches) -> None:
    outcome = run_check(
        pl.read_parquet(batches.bad),
        batches.contract,
        store=batches.store,
        dataset="orders",
    )
    message = outcome.message()

    assert message.startswith("pipewarden: orders failed against orders (500 rows;")
    assert f"run {outcome.run_id}" in message
    assert "Failing at error or worse: nulls.rate [amount]" in message
