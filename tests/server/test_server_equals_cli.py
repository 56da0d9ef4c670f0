"""The server answers what the CLI prints for the same store (the same workflows)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from server_data import Filled

from pipewarden.cli import main


def _cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def test_runs_alerts_and_diff_equal_the_cli(
    client: TestClient,
    filled: Filled,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path,
) -> None:
    monkeypatch.chdir(tmp_path)
    store = ("--store", filled.url)
    last, before = filled.orders[-1].id, filled.orders[-2].id

    cases = {
        "runs list": (("runs", "list", *store, "--json"), "/api/runs?limit=50"),
        "runs show": (("runs", "show", last, *store, "--json"), f"/api/runs/{last}"),
        "runs diff": (
            ("runs", "diff", before, last, *store, "--json"),
            f"/api/runs/{last}/diff",
        ),
        "alerts list": (("alerts", "list", *store, "--json"), "/api/alerts"),
    }
    for name, (args, path) in cases.items():
        printed = _cli_json(capsys, *args)
        answered = client.get(path).json()
        if name == "runs show":
            answered.pop("profile")  # the API adds the profile summary
        assert answered == printed, name
