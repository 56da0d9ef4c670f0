"""Every write route in the OpenAPI schema refuses a missing and a wrong token."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from server_data import AUTH, TOKEN, Filled, settings_for

from pipewarden.errors import ConfigError
from pipewarden.server.app import create_app
from pipewarden.server.settings import ServerSettings, read_token

READS = {"get", "head", "options"}


def _writes(schema: dict) -> list[tuple[str, str]]:
    return [
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method not in READS
    ]


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_write_route_refuses_a_missing_and_a_wrong_token(
    client: TestClient,
) -> None:
    writes = _writes(client.get("/openapi.json").json())
    refused = {}
    for method, path in writes:
        url = _url(path)
        missing = client.request(method, url)
        wrong = client.request(
            method, url, headers={"Authorization": "Bearer " + "x" * len(TOKEN)}
        )
        almost = client.request(
            method, url, headers={"Authorization": f"Bearer {TOKEN[:-1]}"}
        )
        refused[(method, path)] = (
            missing.status_code,
            missing.json()["error"],
            wrong.status_code,
            almost.status_code,
        )

    assert len(writes) >= 7  # checks x2, conform, ack, resolve, and the two forms
    assert refused == {key: (401, "unauthorized", 401, 401) for key in writes}


def test_the_right_token_gets_past_the_check(client: TestClient) -> None:
    writes = _writes(client.get("/openapi.json").json())

    passed = {
        (m, p): client.request(m, _url(p), headers=AUTH).status_code for m, p in writes
    }

    assert 401 not in passed.values(), passed


def test_the_schema_marks_the_api_writes_with_the_bearer_scheme(
    client: TestClient,
) -> None:
    schema = client.get("/openapi.json").json()

    marked = {
        (m, p)
        for m, p in _writes(schema)
        if schema["paths"][p][m].get("security") == [{"bearer": []}]
    }

    assert {p for _, p in marked} >= {
        "/api/checks",
        "/api/checks/upload",
        "/api/conform",
        "/api/alerts/{alert_id}/ack",
        "/api/alerts/{alert_id}/resolve",
    }


def test_insecure_mode_accepts_writes_without_a_token(filled: Filled) -> None:
    app = create_app(settings_for(filled.url, token=None, insecure=True))
    with TestClient(app) as open_client:
        acked = open_client.post(f"/api/alerts/{filled.alert_id}/ack")

    assert acked.status_code == 200


def test_no_token_and_not_insecure_refuses_to_start() -> None:
    with pytest.raises(ConfigError) as caught:
        ServerSettings(store_url="sqlite://")

    assert str(caught.value) == (
        "The server's write routes need a token: set PIPEWARDEN_TOKEN or pass "
        "--token-file FILE (or pass --insecure to accept writes from anyone, for a "
        "local trial only)."
    )


def test_a_short_token_is_refused() -> None:
    with pytest.raises(ConfigError, match="use at least 16"):
        ServerSettings(store_url="sqlite://", token="short")


def test_the_token_comes_from_the_file_before_the_environment(tmp_path) -> None:
    path = tmp_path / "token"
    path.write_text("from-the-file-123456\nignored\n")
    empty = tmp_path / "empty"
    empty.write_text("\n")

    assert read_token(path, {"PIPEWARDEN_TOKEN": "env"}) == "from-the-file-123456"
    assert read_token(None, {"PIPEWARDEN_TOKEN": "env"}) == "env"
    assert read_token(None, {}) is None
    with pytest.raises(ConfigError, match="is empty"):
        read_token(empty, {})
    with pytest.raises(ConfigError, match="Cannot read the token file"):
        read_token(tmp_path / "absent", {})
