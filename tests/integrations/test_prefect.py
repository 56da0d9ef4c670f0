"""The Prefect task, run in real flows against Prefect's test harness (a temporary
local API and database): task states by ``fail_on``, the returned summary, and the
run recorded in the store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from integration_data import Batches

import pipewarden as pw
from pipewarden.errors import ValidationFailedError
from pipewarden.store import open_store

prefect = pytest.importorskip(
    "prefect",
    reason="Prefect 3.9 pins fastapi<0.151 and cannot share the dev venv: "
    "run `make test-separate`",
)

from prefect.testing.utilities import prefect_test_harness  # noqa: E402

from pipewarden.integrations.prefect import pipewarden_check  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    home = tmp_path_factory.mktemp("prefect-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PREFECT_HOME", str(home))
        patch.setenv("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        with prefect_test_harness(server_startup_timeout=120):
            yield


def test_a_passing_check_returns_the_summary(batches: Batches) -> None:
    @prefect.flow
    def orders_flow(path: str, contract: str, store: str) -> dict[str, Any]:
        summary: dict[str, Any] = pipewarden_check(
            path, contract, store=store, dataset="orders"
        )
        return summary

    state = orders_flow(
        str(batches.warn), str(batches.contract), batches.store, return_state=True
    )

    assert state.is_completed()
    summary = state.result()
    expected = pw.check(batches.warn, batches.contract)
    assert summary["status"] == "warn" and summary["failed"] is False
    assert summary["findings"] == expected.to_dict()["findings"]
    with open_store(batches.store) as store:
        run = store.get_run(summary["run_id"])
    assert (run.dataset, run.status) == ("orders", "warn")


@pytest.mark.parametrize(
    ("which", "fail_on", "fails"),
    [("warn", "warning", True), ("bad", "error", True), ("bad", "never", False)],
)
def test_the_task_fails_on_the_chosen_severity(
    batches: Batches, which: str, fail_on: str, fails: bool
) -> None:
    @prefect.flow
    def orders_flow(path: str, contract: str) -> tuple[bool, Any]:
        state = pipewarden_check(path, contract, fail_on=fail_on, return_state=True)
        return state.is_failed(), state.result(raise_on_failure=False)

    failed, result = orders_flow(str(getattr(batches, which)), str(batches.contract))

    assert failed is fails
    expected = pw.check(getattr(batches, which), batches.contract)
    if fails:
        assert isinstance(result, ValidationFailedError)
        assert result.result.to_dict() == expected.to_dict()
        assert f"failed on {fail_on}s" in str(result) or "failed against" in str(result)
    else:
        assert result["status"] == "fail" and result["failed"] is False
        assert result["findings"] == expected.to_dict()["findings"]


def test_a_failed_task_fails_the_flow_and_later_tasks_do_not_run(
    batches: Batches, tmp_path: Path
) -> None:
    marker = tmp_path / "scored"

    @prefect.task
    def score() -> None:
        marker.write_text("ran")

    @prefect.flow
    def orders_flow() -> None:
        pipewarden_check(str(batches.bad), str(batches.contract))
        score()

    state = orders_flow(return_state=True)

    assert state.is_failed()
    assert not marker.exists()


def test_the_example_flow_scores_a_passing_batch_only(
    batches: Batches, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    folder = batches.contract.parent  # orders.yaml is there
    monkeypatch.setenv("ORDERS_DIR", str(folder))
    monkeypatch.setenv("PIPEWARDEN_STORE_URL", batches.store)
    example = Path(__file__).parents[2] / "examples" / "prefect" / "orders_flow.py"
    spec = importlib.util.spec_from_file_location("orders_flow", example)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    assert module.orders_daily(batch=batches.good.name) == 500
    state = module.orders_daily(batch=batches.bad.name, return_state=True)

    assert state.is_failed()
    with open_store(batches.store) as store:
        statuses = [r.status for r in store.list_runs(dataset="orders")]
    assert statuses == ["fail", "pass"]  # newest first
