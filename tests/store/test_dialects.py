"""Where SQLite and PostgreSQL differ: URLs shown without passwords, upserts."""

from __future__ import annotations

import pytest

from pipewarden.store._dialects import display_url, insert_missing
from pipewarden.store.tables import EnvironmentRow
from store_helpers import database_of, make_fingerprint


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://u:pw@h:5432/d", "postgresql+psycopg://u:***@h:5432/d"),
        ("postgresql+psycopg://u:p%40ss%2Fw@h/d", "postgresql+psycopg://u:***@h/d"),
        ("postgresql://:pw@h/d", "postgresql://:***@h/d"),
        (
            "postgresql://u@h/d?password=pw&sslmode=require",
            "postgresql://u@h/d?password=***&sslmode=require",
        ),
        ("postgresql://u@h/d", "postgresql://u@h/d"),
        ("sqlite:///.pipewarden/pipewarden.db", "sqlite:///.pipewarden/pipewarden.db"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_display_url_hides_the_password(url: str, shown: str) -> None:
    assert display_url(url) == shown


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:pw@h:notaport/d", "postgresql://u:***@h:notaport/d"),
        ("postgresql://u:p@ss@h/d", "postgresql://u:***@h/d"),  # '@' not escaped
        ("nonsense", "nonsense"),
        ("not a url://x", "not a url://x"),
    ],
)
def test_a_url_that_does_not_parse_is_shown_as_given_but_its_password(
    url: str, shown: str
) -> None:
    assert display_url(url) == shown


def test_insert_missing_leaves_a_row_that_is_there(store_url: str) -> None:
    from pipewarden.store import open_store

    fingerprint = make_fingerprint()
    values = EnvironmentRow.values_of(fingerprint)
    with open_store(store_url) as store:
        with database_of(store).begin() as conn:
            insert_missing(conn, EnvironmentRow, values)
            insert_missing(conn, EnvironmentRow, values)

        assert store.get_environment(fingerprint.digest) == fingerprint
