"""The API under fuzzing: schemathesis over every operation of /openapi.json, with the
token, without one and with a wrong one; SQL-like and path-like text in names,
filters and sort keys; bodies and uploads over the limit (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import _faults as faults
import pytest
from fastapi.testclient import TestClient
from server_data import add_model, fill, settings_for

from pipewarden.server.app import create_app
from pipewarden.store import open_store

EXAMPLES = int(os.environ.get("PIPEWARDEN_FUZZ_EXAMPLES", "4"))
"""Cases per route, mode and token (small in `make test`; reliability.py runs more)."""
LIMIT = 64 * 1024


@pytest.fixture
def filled_url(store_url: str) -> Iterator[str]:
    with open_store(store_url) as store:
        fill(store, store_url)
    add_model(store_url)
    yield store_url


def test_schemathesis_every_route(filled_url: str) -> None:
    app = create_app(settings_for(filled_url, token=faults.TOKEN))
    with TestClient(app):
        result = faults.fuzz_api(app, filled_url, examples=EXAMPLES)
    routes = result["routes"]
    assert len(routes) >= 30  # every operation of the schema was fuzzed
    for route in routes:
        assert route["cases"] >= 1, route["route"]
        assert route["server_errors"] == [], route
        assert route["bad_shape"] == [], route
        assert route["writes_without_token"] == [], route


def test_hostile_text_and_oversized_bodies(filled_url: str) -> None:
    app = create_app(settings_for(filled_url, token=faults.TOKEN, max_body_bytes=LIMIT))
    schema = app.openapi()["paths"]
    paths = [path for path, ops in schema.items() if "get" in ops]
    writes = sorted(
        path.replace("{name}", faults.MODEL).replace("{alert_id}", "1")
        for path, ops in schema.items()
        if "post" in ops and path.startswith("/api/")
    )
    with TestClient(app) as client:
        hostile = faults.hostile_inputs(client, filled_url, paths)
        big = faults.oversized(client, LIMIT, writes)
    assert hostile["problems"] == []
    assert hostile["requests"] > 500
    assert big["other"] == []
    assert big["refused_413"] == 2 * len(writes) + 1
