"""Open the store's database: SQLite by default, PostgreSQL by URL, always at schema head.

The embedded default is a SQLite file at ``.pipewarden/pipewarden.db`` in the working
directory, in WAL mode with a busy timeout, so several processes can record runs at
once; writers take the write lock up front (``BEGIN IMMEDIATE``) so they queue instead
of failing. A brand-new store is created at the newest schema revision; an older one
must be upgraded explicitly with ``pipewarden store upgrade``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import URL, Connection, event, func, inspect, make_url, select
from sqlalchemy import Engine as Database
from sqlalchemy import create_engine as create_database
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql import column, table

from pipewarden.config import DEFAULT_STORE_URL
from pipewarden.errors import MigrationRequiredError, StoreError
from pipewarden.monitor.history import HistoryPolicy
from pipewarden.store._errors import missing_driver, translated
from pipewarden.store.repository import WRITE_OPTION, Store
from pipewarden.store.tables import VERSION_TABLE, Base, to_json

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "HEAD_REVISION",
    "MIGRATIONS",
    "UpgradeResult",
    "alembic_config",
    "connect",
    "display_url",
    "open_store",
    "schema_revision",
    "upgrade_store",
]

logger = logging.getLogger(__name__)

HEAD_REVISION = "20261122_0001"
"""The schema revision this pipewarden writes (a test checks it is Alembic's head)."""
MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_SECONDS = 60
"""How long a SQLite writer waits for another to finish before giving up."""

_PRAGMAS = (
    "PRAGMA busy_timeout = 60000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
)
_MIGRATION_LOCK = 7_361_029_117  # pg_advisory_xact_lock key: one migrator at a time
_VERSIONS = table(VERSION_TABLE, column("version_num"))


@dataclass(frozen=True, slots=True)
class UpgradeResult:
    """What ``upgrade_store`` did: the revision before (None: empty) and after."""

    url: str
    before: str | None
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def open_store(
    url: str | None = None,
    *,
    compression: int = 0,
    history: HistoryPolicy | None = None,
) -> Store:
    """Open (and, if brand new, create) a store.

    Args:
        url: SQLAlchemy URL: ``sqlite:///path.db`` or
            ``postgresql+psycopg://user@host/db``. None: the embedded default,
            ``sqlite:///.pipewarden/pipewarden.db`` in the working directory.
        compression: zlib level (1-9) for stored profiles; 0 (the default) leaves
            them uncompressed: about half of a profile is distinct-count hashes,
            which do not compress, so level 1 saves only ~25% at ~3-5 ms a run, and
            PostgreSQL compresses large values itself.
        history: Thresholds for ``history.*`` anomaly findings.

    Returns:
        The store; close it (or use it as a context manager) when done.

    Raises:
        MigrationRequiredError: The store is at an older schema revision; the message
            gives the upgrade command.
        StoreError: The database cannot be reached or is not a pipewarden store.
        MissingDependencyError: The URL needs a driver that is not installed.

    Example:
        >>> with open_store("sqlite:///runs.db") as store:
        ...     store.list_runs(dataset="orders")
    """
    target = url or DEFAULT_STORE_URL
    shown = display_url(target)
    database = connect(target)
    try:
        with translated(shown):
            _ensure_schema(database, shown)
    except Exception:
        database.dispose()
        raise
    return Store(database, url=shown, compression=compression, history=history)


def upgrade_store(url: str | None = None) -> UpgradeResult:
    """Bring a store's schema to this pipewarden's revision (creating it if empty).

    Raises:
        StoreError: The database cannot be reached, or the store is newer than this
            pipewarden.
    """
    target = url or DEFAULT_STORE_URL
    shown = display_url(target)
    database = connect(target)
    try:
        with translated(shown), _migrating(database) as conn:
            before = _current_revision(conn)
            _check_known(before, shown)
            command.upgrade(alembic_config(conn), "head")
            return UpgradeResult(shown, before, HEAD_REVISION)
    finally:
        database.dispose()


def schema_revision(url: str | None = None) -> str | None:
    """The schema revision a store is at, or None when it has no pipewarden tables."""
    target = url or DEFAULT_STORE_URL
    database = connect(target)
    try:
        with translated(display_url(target)), database.connect() as conn:
            return _current_revision(conn)
    finally:
        database.dispose()


def connect(url: str) -> Database:
    """A database for a store URL, with SQLite tuned for several processes.

    Raises:
        StoreError: The URL is malformed.
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


def display_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # a malformed URL is reported when connecting
        return url


def alembic_config(connection: Connection) -> Config:
    """An Alembic configuration that migrates through ``connection``.

    The migrations ship inside the package; nothing reads an ``alembic.ini``.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


# --------------------------------------------------------------------------- SQLite


def _sqlite(parsed: URL, shown: str, options: dict[str, Any]) -> Database:
    path = parsed.database
    in_memory = not path or path == ":memory:" or parsed.query.get("mode") == "memory"
    if in_memory:
        options["poolclass"] = StaticPool
        options["connect_args"] = {"check_same_thread": False}
    else:
        _make_parent(Path(path or ""), shown)
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
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    writing = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


# --------------------------------------------------------------------------- schema


def _ensure_schema(database: Database, shown: str) -> None:
    with database.connect() as conn:
        current = _current_revision(conn)
        fresh = _is_brand_new(conn)
    if current == HEAD_REVISION:
        return
    if not fresh:
        _check_known(current, shown)
        raise _migration_required(current, shown)
    with _migrating(database) as conn:  # another process may have created it meanwhile
        if _is_brand_new(conn):
            logger.info("Creating a new store at %s", shown)
            command.upgrade(alembic_config(conn), "head")
            return
        current = _current_revision(conn)
        if current != HEAD_REVISION:
            _check_known(current, shown)
            raise _migration_required(current, shown)


@contextmanager
def _migrating(database: Database) -> Iterator[Connection]:
    """A write transaction that one migrator at a time may hold."""
    writer = database.execution_options(**{WRITE_OPTION: True})
    with writer.connect() as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
        yield conn


def _current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(select(_VERSIONS.c.version_num)).scalar()


def _is_brand_new(conn: Connection) -> bool:
    """Neither a version table nor any store table: nothing to migrate, only create."""
    present = set(inspect(conn).get_table_names())
    return VERSION_TABLE not in present and not present & set(Base.metadata.tables)


def _check_known(revision: str | None, shown: str) -> None:
    if revision is None or revision == HEAD_REVISION:
        return
    scripts = ScriptDirectory(str(MIGRATIONS))
    try:
        known = scripts.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise StoreError(
            f"The store {shown} is at schema revision {revision}, which this pipewarden "
            "does not know: a newer pipewarden wrote it. Upgrade pipewarden "
            "(pip install -U pipewarden)."
        )


def _migration_required(current: str | None, shown: str) -> MigrationRequiredError:
    where = "" if shown == DEFAULT_STORE_URL else f" --store {shown}"
    return MigrationRequiredError(
        f"The store {shown} is at schema revision {current or 'base (empty)'}; this "
        f"pipewarden needs {HEAD_REVISION}. Run `pipewarden store upgrade{where}`."
    )
