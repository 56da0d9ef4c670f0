"""Where SQLite and PostgreSQL differ, in one place: URLs, connections, locks, upserts.

SQLite (the embedded default) runs in WAL mode with a busy timeout, so several
processes can record runs at once; writers take the write lock up front
(``BEGIN IMMEDIATE``) so they queue instead of failing. PostgreSQL connections are
checked before use, and migrations take an advisory lock. Other databases get
SQLAlchemy's defaults.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, event, func, insert, make_url, select
from sqlalchemy import Engine as Database
from sqlalchemy import create_engine as create_database
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.pool import StaticPool

from pipewarden.errors import StoreError
from pipewarden.io.urls import redact_url as display_url
from pipewarden.store._errors import missing_driver, translated
from pipewarden.store.tables import VERSION_TABLE, to_json

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "WRITE_OPTION",
    "connect",
    "display_url",
    "insert_missing",
    "lock_for_migration",
    "writer",
]

BUSY_TIMEOUT_SECONDS = 60
"""How long a SQLite writer waits for another to finish before giving up."""
WRITE_OPTION = "pipewarden_write"
"""Execution option marking write transactions (SQLite takes its write lock at BEGIN)."""

_PRAGMAS = (
    "PRAGMA busy_timeout = 60000",  # BUSY_TIMEOUT_SECONDS
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
)
_WAL = "PRAGMA journal_mode = WAL"
"""Written into the file itself: only for an empty database or a pipewarden store."""
_MIGRATION_LOCK = 7_361_029_117  # pg_advisory_xact_lock key: one migrator at a time


def connect(url: str) -> Database:
    """A database for a store URL, with SQLite tuned for several processes.

    Raises:
        StoreError: The URL is malformed, or a SQLite file's folder cannot be made.
        MissingDependencyError: Its driver is not installed.
    """
    shown = display_url(url)
    with translated(shown):
        parsed = make_url(url)
    options: dict[str, Any] = {"json_serializer": to_json}
    if parsed.get_backend_name() == "sqlite":
        return _sqlite(parsed, shown, options)
    options["pool_pre_ping"] = True
    try:
        with translated(shown):
            return create_database(parsed, **options)
    except ImportError as exc:
        raise missing_driver(shown, exc) from exc


def writer(database: Database) -> Database:
    """The same database, its transactions marked as writes (see ``WRITE_OPTION``)."""
    return database.execution_options(**{WRITE_OPTION: True})


def insert_missing(conn: Connection, row_class: Any, values: dict[str, Any]) -> None:
    """Insert a row keyed by its primary key, unless another writer just did."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        conn.execute(
            postgresql_insert(row_class).values(values).on_conflict_do_nothing()
        )
    elif dialect == "sqlite":
        conn.execute(sqlite_insert(row_class).values(values).on_conflict_do_nothing())
    else:
        conn.execute(insert(row_class).values(values))


def lock_for_migration(conn: Connection) -> None:
    """Make other migrators wait until this transaction ends.

    On SQLite, the write transaction (``BEGIN IMMEDIATE``) already does.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK)))


# --------------------------------------------------------------------------- SQLite


def _sqlite(parsed: URL, shown: str, options: dict[str, Any]) -> Database:
    path = parsed.database
    in_memory = not path or path == ":memory:" or parsed.query.get("mode") == "memory"
    if in_memory:
        options["poolclass"] = StaticPool
        options["connect_args"] = {"check_same_thread": False}
    else:
        uri = parsed.query.get("uri") == "true"  # sqlite:///file:path?mode=ro&uri=true
        _make_parent(
            Path((path or "").removeprefix("file:") if uri else path or ""), shown
        )
        options["connect_args"] = {"timeout": BUSY_TIMEOUT_SECONDS}
    with translated(shown):
        database = create_database(parsed, **options)
    event.listen(database, "connect", _on_sqlite_connect)
    event.listen(database, "begin", _on_sqlite_begin)
    return database


def _make_parent(path: Path, shown: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"Cannot create the folder of the store {shown} ({exc.strerror}). "
            "Choose a writable path with --store or PIPEWARDEN_STORE_URL."
        ) from exc


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy emits BEGIN itself (see _on_sqlite_begin), not the sqlite3 module.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _PRAGMAS:
            cursor.execute(pragma)
        # WAL mode outlives the connection: another application's database, which
        # the store then refuses, must be left as it was.
        tables = {
            name
            for (name,) in cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
        }
        if not tables or VERSION_TABLE in tables:
            _use_wal(cursor)
    finally:
        cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch to WAL, waiting for a writer of the old journal to finish.

    The switch upgrades a read lock to an exclusive one. While another connection
    holds the write lock of a rollback-journal database (two processes creating a
    store at once), SQLite refuses at once rather than call its busy handler, which
    could deadlock; so the switch is retried here, for as long as a writer waits.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    pause = 0.005
    while True:
        try:
            cursor.execute(_WAL)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(2 * pause, 0.2)


def _on_sqlite_begin(connection: Connection) -> None:
    writing = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")
