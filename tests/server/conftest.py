"""Fixtures of the server tests: a filled store and a TestClient over it.

``store_url`` (tests/conftest.py) runs each test on SQLite and, when
PIPEWARDEN_TEST_PG_URL is set, on a real PostgreSQL server.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from server_data import Filled, fill, settings_for

from pipewarden.server.app import create_app
from pipewarden.store import open_store


@pytest.fixture
def filled(store_url: str) -> Iterator[Filled]:
    with open_store(store_url) as store:
        yield fill(store, store_url)


@pytest.fixture
def client(filled: Filled) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(filled.url))) as test_client:
        yield test_client
