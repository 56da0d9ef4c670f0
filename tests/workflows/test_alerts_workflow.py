"""Recorded checks feed the alert rules: default rules, a rules file, notifications."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import polars as pl
import pytest

import pipewarden as pw
from pipewarden.errors import ConfigError
from pipewarden.monitor.rules import RuleSet
from pipewarden.store import open_store
from pipewarden.workflows.alerts import list_alerts
from pipewarden.workflows.check import check_batch


@pytest.fixture
def batches(tmp_path: Path) -> tuple[Path, Path, Path]:
    good = pl.DataFrame({"id": [1, 2, 3, 4], "amount": [1.0, 2.5, 3.0, 4.5]})
    bad = pl.DataFrame({"id": [5, 6], "amount": ["x", "y"]})  # amount is text now
    contract = pw.infer_contract(pw.profile(good), name="orders")
    contract_path = tmp_path / "orders.yaml"
    pw.dump_contract(contract, contract_path)
    good_path, bad_path = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_csv(good_path)
    bad.write_csv(bad_path)
    return contract_path, good_path, bad_path


def test_a_failing_recorded_run_opens_an_alert_and_the_next_passing_one_resolves_it(
    store_url: str, batches: tuple[Path, Path, Path]
) -> None:
    contract, good, bad = batches
    failed = check_batch(bad, contract, dataset="orders", store=store_url, environ={})
    assert failed.result.failed
    assert failed.alerts is not None
    assert [e.kind for e in failed.alerts.events] == ["opened"]
    opened = failed.alerts.events[0].alert
    assert (opened.rule, opened.subject, opened.alert_severity) == (
        "dataset_errors",
        "dataset:orders",
        "sev3",
    )
    errors = [f for f in failed.result.findings if f.severity == "error"]
    assert (opened.check, opened.column) == (errors[0].check, errors[0].column)
    assert failed.run is not None
    assert opened.first_window == failed.run.started_at

    again = check_batch(bad, contract, dataset="orders", store=store_url, environ={})
    assert again.alerts is not None and again.alerts.events == ()
    passed = check_batch(good, contract, dataset="orders", store=store_url, environ={})
    assert passed.alerts is not None
    assert [e.kind for e in passed.alerts.events] == ["resolved"]
    with open_store(store_url) as store:
        [alert] = list_alerts(store, status="all")
        assert (alert.status, alert.hits, alert.resolved_by) == (
            "resolved",
            2,
            "pipewarden",
        )


def test_rules_need_a_recorded_run(batches: tuple[Path, Path, Path]) -> None:
    contract, good, _ = batches
    with pytest.raises(ConfigError, match="Alert rules judge recorded runs only"):
        pw.check(good, contract, rules=RuleSet.default())


@pytest.fixture
def hanging_url() -> Iterator[str]:
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            release.wait(10)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def test_a_hanging_receiver_does_not_lose_the_alert_of_a_recorded_run(
    tmp_path: Path, batches: tuple[Path, Path, Path], hanging_url: str
) -> None:
    contract, _, bad = batches
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  - name: errors\n    check: '*'\n    min_severity: error\n"
        "    severity: sev2\n"
        f"notify:\n  - name: ops\n    webhook: {hanging_url}\n    timeout: 0.3\n",
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 's.db'}"
    outcome = check_batch(
        bad, contract, dataset="orders", store=url, environ={}, rules=str(rules)
    )
    assert outcome.alerts is not None and outcome.alerts.delivery is not None
    assert outcome.alerts.delivery.errors == ("ops: no answer within 0.3 s",)
    with open_store(url) as store:
        [alert] = store.list_alerts()
        assert (alert.rule, alert.status, alert.alert_severity) == (
            "errors",
            "open",
            "sev2",
        )
        [item] = store.list_outbox()
        assert (item.status, item.attempts) == ("pending", 1)
