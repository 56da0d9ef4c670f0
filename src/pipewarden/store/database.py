"""Open the store's database: SQLite by default, PostgreSQL by URL, always at schema head.

The embedded default is a SQLite file at ``.pipewarden/pipewarden.db`` in the working
directory, tuned so several processes can record runs at once (see ``_dialects``). A
brand-new store is created at the newest schema revision, in an empty database only
(another application's database is adopted on request: ``store upgrade --adopt``); an
older one must be upgraded explicitly with ``pipewarden store upgrade``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, inspect, select
from sqlalchemy import Engine as Database
from sqlalchemy.sql import column, table

from pipewarden.config import DEFAULT_STORE_URL
from pipewarden.errors import MigrationRequiredError, StoreError
from pipewarden.store._dialects import (
    connect,
    display_url,
    lock_for_migration,
    writer,
)
from pipewarden.store._errors import translated
from pipewarden.store.base import Store
from pipewarden.store.sql import SqlStore
from pipewarden.store.tables import VERSION_TABLE, Base

__all__ = [
    "HEAD_REVISION",
    "MIGRATIONS",
    "UpgradeResult",
    "alembic_config",
    "open_store",
    "schema_revision",
    "upgrade_store",
]

logger = logging.getLogger(__name__)

HEAD_REVISION = "20261207_0105"
"""The schema revision this pipewarden writes (a test checks it is Alembic's head)."""
MIGRATIONS = Path(__file__).parent / "migrations"

_TABLES_NAMED = 5
"""How many of another application's tables a message names."""
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


def open_store(url: str | None = None, *, compression: int = 0) -> Store:
    """Open (and, if brand new, create) a store.

    Args:
        url: SQLAlchemy URL: ``sqlite:///path.db`` or
            ``postgresql+psycopg://user@host/db``. None: the embedded default,
            ``sqlite:///.pipewarden/pipewarden.db`` in the working directory.
        compression: zlib level (1-9) for stored profiles; 0 (the default) leaves
            them uncompressed: about half of a profile is distinct-count hashes,
            which do not compress, so level 1 saves only ~25% at ~3-5 ms a run, and
            PostgreSQL compresses large values itself.

    Returns:
        The store (a :class:`~pipewarden.store.sql.SqlStore`); close it (or use it
        as a context manager) when done.

    Raises:
        MigrationRequiredError: The store is at an older schema revision; the message
            gives the upgrade command.
        StoreError: The database cannot be reached or is not a pipewarden store
            (among them, a database of other tables, which ``upgrade_store`` can adopt).
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
    return SqlStore(database, url=shown, compression=compression)


def upgrade_store(url: str | None = None, *, adopt: bool = False) -> UpgradeResult:
    """Bring a store's schema to this pipewarden's revision (creating it if empty).

    Args:
        url: The store URL; None: the embedded default.
        adopt: Create the store also in a database that holds other tables (another
            application's), leaving them alone.

    Raises:
        StoreError: The database cannot be reached, the store is newer than this
            pipewarden, or the database holds other tables and ``adopt`` is False.
    """
    target = url or DEFAULT_STORE_URL
    shown = display_url(target)
    database = connect(target)
    try:
        with translated(shown), _migrating(database) as conn:
            before = _current_revision(conn)
            _check_known(before, shown)
            if not adopt and _is_brand_new(conn):
                _refuse_foreign(conn, shown)
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


def alembic_config(connection: Connection) -> Config:
    """An Alembic configuration that migrates through ``connection``.

    The migrations ship inside the package; nothing reads an ``alembic.ini``.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


# --------------------------------------------------------------------------- schema


def _ensure_schema(database: Database, shown: str) -> None:
    with database.connect() as conn:
        current = _current_revision(conn)
        fresh = _is_brand_new(conn)
        if fresh:  # checked again below, under the migration lock
            _refuse_foreign(conn, shown)
    if current == HEAD_REVISION:
        return
    if not fresh:
        _check_known(current, shown)
        raise _migration_required(current, shown)
    with _migrating(database) as conn:  # another process may have created it meanwhile
        if _is_brand_new(conn):
            _refuse_foreign(conn, shown)
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
    with writer(database).connect() as conn, conn.begin():
        lock_for_migration(conn)
        yield conn


def _current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(select(_VERSIONS.c.version_num)).scalar()


def _is_brand_new(conn: Connection) -> bool:
    """Neither a version table nor any store table: nothing to migrate, only create."""
    present = set(inspect(conn).get_table_names())
    return VERSION_TABLE not in present and not present & set(Base.metadata.tables)


def _refuse_foreign(conn: Connection, shown: str) -> None:
    """Refuse to add a store to a database that holds another application's tables."""
    others = sorted(set(inspect(conn).get_table_names()) - set(Base.metadata.tables))
    if not others:
        return
    named = ", ".join(others[:_TABLES_NAMED])
    if len(others) > _TABLES_NAMED:
        named += f" and {len(others) - _TABLES_NAMED} more"
    raise StoreError(
        f"The database {shown} is not a pipewarden store: it holds other tables "
        f"({named}) and none of pipewarden's. Point --store at a pipewarden store or "
        f"an empty database, or run `pipewarden store upgrade --store {shown} --adopt` "
        "to add pipewarden's tables beside them."
    )


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
