from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import exc as sa_exc

from pipewarden.errors import MigrationRequiredError, MissingDependencyError, StoreError
from pipewarden.store._dialects import connect, display_url
from pipewarden.store._errors import store_error, translated
from pipewarden.store.database import (
    HEAD_REVISION,
    MIGRATIONS,
    alembic_config,
    open_store,
    schema_revision,
    upgrade_store,
)
from pipewarden.store.tables import VERSION_TABLE, Base
from store_helpers import database_of

TABLES = {
    "alert_events",
    "alerts",
    "contracts",
    "environments",
    "findings",
    "inputs",
    "metrics",
    "models",
    "model_promotions",
    "monitor_batches",
    "predictions",
    "labels",
    "prediction_profiles",
    "outbox",
    "pipeline_runs",
    "pipelines",
    "profiles",
    "reference_sets",
    "runs",
    "stage_checkpoints",
    VERSION_TABLE,
}


def table_names(url: str) -> set[str]:
    database = connect(url)
    try:
        with database.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        database.dispose()


def downgrade_to_base(url: str) -> None:
    database = connect(url)
    try:
        with database.connect() as conn, conn.begin():
            command.downgrade(alembic_config(conn), "base")
    finally:
        database.dispose()


# ------------------------------------------------------------------ schema


def test_head_revision_is_alembics_head() -> None:
    assert ScriptDirectory(str(MIGRATIONS)).get_current_head() == HEAD_REVISION


def test_revision_files_are_named_by_their_dated_revision() -> None:
    script = ScriptDirectory(str(MIGRATIONS))
    names = sorted(p.name for p in (MIGRATIONS / "versions").glob("*.py"))
    revisions = sorted(r.revision for r in script.walk_revisions())
    assert [n.split("_", 2)[0] + "_" + n.split("_", 2)[1] for n in names] == revisions
    assert names[0] == "20261122_0001_initial_schema.py"


def test_a_brand_new_store_is_created_at_head(store_url: str) -> None:
    with open_store(store_url):
        pass

    assert schema_revision(store_url) == HEAD_REVISION
    assert table_names(store_url) >= TABLES


def test_migration_creates_exactly_the_tables_of_the_models(store_url: str) -> None:
    with open_store(store_url) as store:
        database = database_of(store)
        with database.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)

    assert [
        d for d in differences if d[0] != "remove_table" or d[1].name != VERSION_TABLE
    ] == []


def test_opening_twice_keeps_the_data(store_url: str) -> None:
    with open_store(store_url):
        pass
    with open_store(store_url) as store:
        assert store.count_runs() == 0


def test_store_at_an_older_revision_asks_for_an_upgrade(store_url: str) -> None:
    with open_store(store_url):
        pass
    downgrade_to_base(store_url)

    with pytest.raises(MigrationRequiredError) as raised:
        open_store(store_url)

    shown = display_url(store_url)
    assert str(raised.value) == (
        f"The store {shown} is at schema revision base (empty); this pipewarden needs "
        f"{HEAD_REVISION}. Run `pipewarden store upgrade --store {shown}`."
    )
    assert "\n" not in str(raised.value)


def test_upgrade_brings_an_old_store_to_head(store_url: str) -> None:
    with open_store(store_url):
        pass
    downgrade_to_base(store_url)

    result = upgrade_store(store_url)

    assert (result.before, result.after, result.changed) == (None, HEAD_REVISION, True)
    with open_store(store_url) as store:
        assert store.count_runs() == 0


def test_upgrade_of_a_current_store_changes_nothing(store_url: str) -> None:
    with open_store(store_url):
        pass

    result = upgrade_store(store_url)

    assert (result.before, result.changed) == (HEAD_REVISION, False)


def test_store_from_a_newer_pipewarden_is_refused(store_url: str) -> None:
    with open_store(store_url) as store, database_of(store).begin() as conn:
        versions = sa.table(VERSION_TABLE, sa.column("version_num"))
        conn.execute(versions.update().values(version_num="29990101_0009"))

    with pytest.raises(StoreError, match="a newer pipewarden wrote it"):
        open_store(store_url)


def test_other_tables_in_the_database_are_left_alone(store_url: str) -> None:
    database = connect(store_url)
    with database.begin() as conn:
        conn.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        conn.execute(sa.text("INSERT INTO alembic_version VALUES ('someone_elses')"))
    database.dispose()

    upgrade_store(store_url, adopt=True)  # another application's: only when asked
    with open_store(store_url):
        pass

    assert schema_revision(store_url) == HEAD_REVISION
    database = connect(store_url)
    with database.connect() as conn:
        theirs = conn.execute(sa.text("SELECT version_num FROM alembic_version"))
        assert theirs.scalars().all() == ["someone_elses"]
    database.dispose()


# ------------------------------------------------------------------ SQLite


def test_default_store_is_a_sqlite_file_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    with open_store() as store:
        assert store.url == "sqlite:///.pipewarden/pipewarden.db"

    assert (tmp_path / ".pipewarden" / "pipewarden.db").is_file()


def test_sqlite_store_uses_wal_a_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    with open_store(url) as store, database_of(store).connect() as conn:
        pragmas = {
            name: conn.exec_driver_sql(sql).scalar()
            for name, sql in (
                ("journal_mode", "PRAGMA journal_mode"),
                ("busy_timeout", "PRAGMA busy_timeout"),
                ("foreign_keys", "PRAGMA foreign_keys"),
            )
        }

    assert pragmas == {"journal_mode": "wal", "busy_timeout": 60000, "foreign_keys": 1}


def test_in_memory_sqlite_store_works() -> None:
    with open_store("sqlite://") as store:
        assert store.count_runs() == 0


# ------------------------------------------------------------------ errors


def test_a_file_that_is_not_a_database_gives_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)

    with pytest.raises(StoreError, match="is not a readable SQLite database"):
        open_store(f"sqlite:///{path}")


def test_a_store_under_a_file_gives_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")

    with pytest.raises(StoreError, match="Cannot create the folder of the store"):
        open_store(f"sqlite:///{tmp_path / 'file' / 'store.db'}")


def test_an_unreachable_server_gives_a_store_error_without_password() -> None:
    url = "postgresql+psycopg://user:s3cret@127.0.0.1:1/db?connect_timeout=2"

    with pytest.raises(StoreError) as raised:
        open_store(url)

    message = str(raised.value)
    assert message.startswith(
        "Cannot reach the store postgresql+psycopg://user:***@127.0.0.1:1/db"
    )
    assert "s3cret" not in message
    assert message.endswith("Check the URL, the server and your credentials.")


def test_a_malformed_url_gives_a_store_error() -> None:
    with pytest.raises(StoreError, match="is not a store URL pipewarden can open"):
        open_store("not a url")


def test_an_unknown_database_kind_says_what_to_install() -> None:
    with pytest.raises(MissingDependencyError, match="No database driver"):
        open_store("nosuchdb://host/db")


def _wrapped(cls: type[sa_exc.DBAPIError], driver_error: Exception) -> Exception:
    return cls("INSERT ...", {}, driver_error)


KNOWN_DRIVER_ERRORS = [
    (
        _wrapped(
            sa_exc.OperationalError, sqlite3.OperationalError("database is locked")
        ),
        "The store U stayed locked by another process (database is locked). Retry, or use "
        "a PostgreSQL store (--store postgresql+psycopg://...) for many writers.",
    ),
    (
        _wrapped(
            sa_exc.OperationalError,
            sqlite3.OperationalError("unable to open database file"),
        ),
        "Cannot open the store U (unable to open database file). Check that its folder "
        "exists and is writable.",
    ),
    (
        _wrapped(
            sa_exc.OperationalError,
            sqlite3.OperationalError("attempt to write a readonly database"),
        ),
        "The store U is read-only (attempt to write a readonly database), and "
        "pipewarden must write to it. Make the database writable (for SQLite, the file "
        "and its folder), or point --store at a store you can write.",
    ),
    (
        _wrapped(
            sa_exc.InternalError,
            psycopg.errors.ReadOnlySqlTransaction(
                "cannot execute INSERT in a read-only transaction"
            ),
        ),
        "The store U is read-only (cannot execute INSERT in a read-only transaction), "
        "and pipewarden must write to it. Make the database writable (for SQLite, the "
        "file and its folder), or point --store at a store you can write.",
    ),
    (
        _wrapped(sa_exc.DatabaseError, sqlite3.DatabaseError("file is not a database")),
        "The store U is not a readable SQLite database (file is not a database). Point "
        "--store at a pipewarden store, or move the file away to start afresh.",
    ),
    (
        _wrapped(
            sa_exc.IntegrityError,
            sqlite3.IntegrityError("UNIQUE constraint failed: runs.id"),
        ),
        "The store U refused a write that conflicts with what it holds (UNIQUE constraint "
        "failed: runs.id). Retry; if it persists, report it.",
    ),
    (
        _wrapped(
            sa_exc.IntegrityError,
            psycopg.errors.UniqueViolation("duplicate key value\nDETAIL: x"),
        ),
        "The store U refused a write that conflicts with what it holds (duplicate key "
        "value). Retry; if it persists, report it.",
    ),
    (
        _wrapped(
            sa_exc.OperationalError, psycopg.OperationalError("connection refused")
        ),
        "Cannot reach the store U (connection refused). Check the URL, the server and "
        "your credentials.",
    ),
    (
        _wrapped(sa_exc.ProgrammingError, psycopg.errors.UndefinedTable("no runs")),
        "The store U failed (no runs).",
    ),
]


@pytest.mark.parametrize(("error", "message"), KNOWN_DRIVER_ERRORS)
def test_known_driver_errors_map_to_store_errors(
    error: Exception, message: str
) -> None:
    assert str(store_error(error, "U")) == message

    with pytest.raises(StoreError) as raised, translated("U"):
        raise error
    assert raised.value.__cause__ is error


# ------------------------------------------------------- other databases, read-only


def test_another_applications_database_is_refused_unless_adopted(
    store_url: str,
) -> None:
    database = connect(store_url)
    with database.begin() as conn:
        for name in ("customers", "orders"):
            conn.execute(sa.text(f"CREATE TABLE {name} (id INTEGER)"))
    database.dispose()
    shown = display_url(store_url)
    refused = (
        f"The database {shown} is not a pipewarden store: it holds other tables "
        "(customers, orders) and none of pipewarden's. Point --store at a pipewarden "
        f"store or an empty database, or run `pipewarden store upgrade --store {shown} "
        "--adopt` to add pipewarden's tables beside them."
    )

    for attempt in (open_store, upgrade_store):
        with pytest.raises(StoreError) as raised:
            attempt(store_url)
        assert str(raised.value) == refused
    assert table_names(store_url) == {"customers", "orders"}

    result = upgrade_store(store_url, adopt=True)

    assert (result.before, result.after) == (None, HEAD_REVISION)
    assert table_names(store_url) == TABLES | {"customers", "orders"}
    with open_store(store_url) as store:
        assert store.count_runs() == 0


def test_refusing_another_applications_sqlite_file_leaves_it_as_it_was(
    tmp_path: Path,
) -> None:
    # Opening it used to switch the file to WAL mode (bytes 18-19 of its header)
    # before refusing it: an input changed by a command that wrote nothing.
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id INTEGER)")
    db.close()
    before = path.read_bytes()

    with pytest.raises(StoreError, match="is not a pipewarden store"):
        open_store(f"sqlite:///{path}")

    assert path.read_bytes() == before
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    db.close()


def test_a_read_only_sqlite_store_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import polars as pl

    import pipewarden as pw

    monkeypatch.chdir(tmp_path)
    batch = pl.DataFrame({"x": [1.0, 2.0, 3.0]})
    contract = pw.infer_contract(pw.profile(batch))
    path = tmp_path / "store.db"
    with open_store(f"sqlite:///{path}"):
        pass
    # Tests run as root, whom chmod 0444 does not stop: SQLite's read-only mode does.
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"

    with pytest.raises(StoreError) as raised:
        pw.check(batch, contract, store=read_only, dataset="orders")

    assert str(raised.value) == (
        f"The store {display_url(read_only)} is read-only (attempt to write a readonly "
        "database), and pipewarden must write to it. Make the database writable (for "
        "SQLite, the file and its folder), or point --store at a store you can write."
    )
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == []


def test_a_store_opens_while_another_process_writes_its_fresh_file(
    tmp_path: Path,
) -> None:
    # Two processes creating one store: the first holds the write lock of a file
    # still in rollback-journal mode, where SQLite refuses the switch to WAL at once.
    path = tmp_path / "s.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    released = threading.Timer(0.5, holder.execute, ("COMMIT",))
    released.start()
    try:
        with open_store(f"sqlite:///{path}") as store:
            assert store.count_runs() == 0
    finally:
        released.join()
        holder.close()

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
