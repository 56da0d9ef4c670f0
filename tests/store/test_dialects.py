"""Where SQLite and PostgreSQL differ: upserts."""

from __future__ import annotations

from pipewarden.store._dialects import insert_missing
from pipewarden.store.tables import EnvironmentRow
from store_helpers import database_of, make_fingerprint


def test_insert_missing_leaves_a_row_that_is_there(store_url: str) -> None:
    from pipewarden.store import open_store

    fingerprint = make_fingerprint()
    values = EnvironmentRow.values_of(fingerprint)
    with open_store(store_url) as store:
        with database_of(store).begin() as conn:
            insert_missing(conn, EnvironmentRow, values)
            insert_missing(conn, EnvironmentRow, values)

        assert store.get_environment(fingerprint.digest) == fingerprint
