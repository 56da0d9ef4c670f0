"""The Dagster asset check, run by Dagster itself (``materialize``): pass/fail and
severity by the findings, metadata, the asset's value loaded by its IO manager, and
the run recorded in the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from integration_data import Batches

import pipewarden as pw
from pipewarden.store import open_store

dg = pytest.importorskip("dagster")

from pipewarden.integrations.dagster import pipewarden_asset_check  # noqa: E402


def _evaluation(result: Any) -> Any:
    (evaluation,) = result.get_asset_check_evaluations()
    return evaluation


def _orders_asset(path: Path) -> Any:
    @dg.asset(name="orders")
    def orders() -> pl.DataFrame:
        return pl.read_parquet(path)

    return orders


@pytest.mark.parametrize(
    ("which", "fail_on", "passed", "severity"),
    [
        ("good", "error", True, "WARN"),
        ("warn", "error", True, "WARN"),
        ("warn", "warning", False, "WARN"),
        ("bad", "error", False, "ERROR"),
        ("bad", "never", True, "ERROR"),
    ],
)
def test_the_check_loads_the_asset_and_judges_it(
    batches: Batches, which: str, fail_on: str, passed: bool, severity: str
) -> None:
    orders = _orders_asset(getattr(batches, which))
    check = pipewarden_asset_check(
        asset=orders, contract=batches.contract, fail_on=fail_on
    )

    result = dg.materialize([orders, check], raise_on_error=False)

    evaluation = _evaluation(result)
    expected = pw.check(getattr(batches, which), batches.contract)
    assert evaluation.passed is passed
    assert evaluation.severity == getattr(dg.AssetCheckSeverity, severity)
    meta = {k: v.value for k, v in evaluation.metadata.items()}
    assert meta["status"] == expected.status
    assert meta["rows"] == expected.rows == 500
    assert meta["errors"] == len(expected.at_least(pw.Severity.ERROR))
    warnings = len(expected.at_least(pw.Severity.WARNING)) - meta["errors"]
    assert meta["warnings"] == warnings
    for finding in expected.at_least(pw.Severity.WARNING):
        assert f"| {finding.check} | {finding.column} |" in meta["findings"]
    assert result.success  # a failed check is a result, not a failed run


def test_a_blocking_check_stops_downstream_assets_on_errors(batches: Batches) -> None:
    orders = _orders_asset(batches.bad)

    @dg.asset(deps=[orders])
    def scores() -> int:
        return 1

    check = pipewarden_asset_check(
        asset=orders, contract=batches.contract, blocking=True
    )

    result = dg.materialize([orders, scores, check], raise_on_error=False)

    assert _evaluation(result).passed is False
    assert not result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert materialized == {dg.AssetKey("orders")}


def test_a_data_source_and_a_store_record_the_run(batches: Batches) -> None:
    orders = _orders_asset(batches.good)
    check = pipewarden_asset_check(
        asset=orders,
        data=str(batches.warn),
        contract=batches.contract,
        store=batches.store,
        pipeline="orders-daily",
    )

    result = dg.materialize([orders, check])

    evaluation = _evaluation(result)
    meta = {k: v.value for k, v in evaluation.metadata.items()}
    with open_store(batches.store) as store:
        (run,) = store.list_pipeline_runs(pipeline="orders-daily")
        recorded = store.get_run(meta["run_id"])
    assert meta["pipeline_run_id"] == run.id
    assert [(s.stage, s.status) for s in run.stages] == [("orders", "warn")]
    assert recorded.dataset == "orders-daily/orders"
    assert [f.check for f in recorded.result.findings if f.severity != "info"] == [
        "range.out_of_bounds"
    ]
    assert evaluation.passed is True


def _load_example(name: str, path: Path) -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("which", "scored"), [("warn", True), ("bad", False)])
def test_the_example_definitions_check_and_block(
    batches: Batches, monkeypatch: pytest.MonkeyPatch, which: str, scored: bool
) -> None:
    folder = batches.contract.parent  # orders.yaml is there
    getattr(batches, which).rename(folder / "orders.parquet")
    monkeypatch.setenv("ORDERS_DIR", str(folder))
    monkeypatch.setenv("PIPEWARDEN_STORE_URL", batches.store)
    example = Path(__file__).parents[2] / "examples" / "dagster" / "orders_assets.py"
    module = _load_example("orders_assets", example)

    result = dg.materialize(
        [module.orders, module.order_scores, module.orders_contract],
        raise_on_error=False,
    )

    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert (dg.AssetKey("order_scores") in materialized) is scored
    evaluation = _evaluation(result)
    assert evaluation.passed is scored
    with open_store(batches.store) as store:
        (run,) = store.list_runs(dataset="orders")
    assert run.status == {"warn": "warn", "bad": "fail"}[which]
