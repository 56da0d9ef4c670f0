"""Pipeline runs and their localization, in the API and on the dashboard."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from server_data import settings_for

from pipewarden.server.app import create_app
from pipewarden.workflows.localize import localize

_SPEC = importlib.util.spec_from_file_location(
    "pipeline_store", Path(__file__).parents[1] / "cli" / "pipeline_store.py"
)
assert _SPEC is not None and _SPEC.loader is not None
pipeline_store = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(pipeline_store)


@pytest.fixture(scope="module")
def pipes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return pipeline_store.make_pipeline_store(tmp_path_factory.mktemp("pipes"))


@pytest.fixture
def pipe_client(pipes: dict[str, str]):  # type: ignore[no-untyped-def]
    with TestClient(create_app(settings_for(pipes["pipes"]))) as c:
        yield c


def test_the_localization_is_the_workflows(
    pipe_client: TestClient, pipes: dict[str, str]
) -> None:
    got = pipe_client.get(f"/api/pipeline-runs/{pipes['bad']}/localization").json()
    run = pipe_client.get(f"/api/pipeline-runs/{pipes['bad']}").json()

    expected = localize(pipes["bad"], store=pipes["pipes"])
    assert got == json.loads(json.dumps(expected.to_dict()))
    assert got["stage"]["name"] == "clean"
    assert [s["stage"] for s in run["stages"]] == ["ingest", "clean"]


def test_the_pipeline_run_page_says_where_the_change_began(
    pipe_client: TestClient, pipes: dict[str, str]
) -> None:
    bad = pipe_client.get(f"/pipeline-runs/{pipes['bad']}").text
    good = pipe_client.get(f"/pipeline-runs/{pipes['good']}").text

    headline = localize(pipes["bad"], store=pipes["pipes"]).headline
    assert f'<p class="headline" id="headline">{escape(headline)}</p>' in bad
    assert 'id="headline"' not in good
    assert good.count("<tr><td>") == 2  # its two stages


def test_a_pipeline_run_without_a_good_run_before_says_so(
    pipe_client: TestClient, pipes: dict[str, str]
) -> None:
    page = pipe_client.get(f"/pipeline-runs/{pipes['open_1']}").text

    assert "has no successful run before" in page
