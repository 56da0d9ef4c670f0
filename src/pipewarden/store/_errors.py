"""Turn SQLAlchemy and driver errors into StoreError, where they enter pipewarden."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic.util.exc import CommandError
from sqlalchemy import exc as sa_exc

from pipewarden.errors import (
    MissingDependencyError,
    StoreError,
    StoreUnavailableError,
)

__all__ = ["missing_driver", "store_error", "translated"]


@contextmanager
def translated(url: str) -> Iterator[None]:
    """Re-raise database errors met inside the block as StoreError naming the store.

    Args:
        url: The store URL, without password, for the message.
    """
    try:
        yield
    except sa_exc.NoSuchModuleError as exc:
        raise missing_driver(url, exc) from exc
    except (sa_exc.SQLAlchemyError, CommandError) as exc:
        raise store_error(exc, url) from exc


def store_error(exc: Exception, url: str) -> StoreError:
    """The StoreError for a database error: what happened, why, what to do."""
    reason = _reason(exc)
    low = reason.lower()
    if "database is locked" in low or "database table is locked" in low:
        return StoreError(
            f"The store {url} stayed locked by another process ({reason}). Retry, or "
            "use a PostgreSQL store (--store postgresql+psycopg://...) for many writers."
        )
    if "readonly database" in low or "read-only transaction" in low:
        return StoreError(
            f"The store {url} is read-only ({reason}), and pipewarden must write to "
            "it. Make the database writable (for SQLite, the file and its folder), "
            "or point --store at a store you can write."
        )
    if "unable to open database file" in low:
        return StoreError(
            f"Cannot open the store {url} ({reason}). Check that its folder exists "
            "and is writable."
        )
    if "file is not a database" in low or "malformed" in low:
        return StoreError(
            f"The store {url} is not a readable SQLite database ({reason}). Point "
            "--store at a pipewarden store, or move the file away to start afresh."
        )
    if _transient(exc, low):
        return StoreUnavailableError(
            f"Cannot reach the store {url} ({reason}). Check the URL, the server and "
            "your credentials."
        )
    if isinstance(exc, sa_exc.IntegrityError):
        return StoreError(
            f"The store {url} refused a write that conflicts with what it holds "
            f"({reason}). Retry; if it persists, report it."
        )
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        return StoreError(
            f"Cannot reach the store {url} ({reason}). Check the URL, the server and "
            "your credentials."
        )
    if isinstance(exc, sa_exc.ArgumentError):
        return StoreError(
            f"'{url}' is not a store URL pipewarden can open ({reason}). Use e.g. "
            "sqlite:///.pipewarden/pipewarden.db or "
            "postgresql+psycopg://user@host/db."
        )
    return StoreError(f"The store {url} failed ({reason}).")


_TRANSIENT_STATES = frozenset(
    {
        "40001",  # serialization failure
        "40P01",  # deadlock detected
        "57P01",  # admin shutdown (a restart)
        "57P02",  # crash shutdown
        "57P03",  # cannot connect now (starting up)
        "08000",
        "08001",
        "08003",
        "08004",
        "08006",  # connection failures
    }
)
_TRANSIENT_TEXT = (
    "connection refused",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "terminating connection",
    "server closed the connection",
    "connection is closed",
    "consuming input failed",
    "connection timeout expired",
)


def _transient(exc: Exception, low: str) -> bool:
    """A failure of the connection, not of the write: retrying may succeed."""
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    state = getattr(exc.orig, "sqlstate", None)
    if state in _TRANSIENT_STATES:
        return True
    return any(text in low for text in _TRANSIENT_TEXT)


def missing_driver(url: str, exc: Exception) -> MissingDependencyError:
    if url.startswith("postgres"):
        return MissingDependencyError(
            f"The PostgreSQL store {url} needs psycopg. "
            "Install it with: pip install 'pipewarden[postgres]'"
        )
    return MissingDependencyError(
        f"No database driver for {url} ({_reason(exc)}). Install the driver the URL "
        "names, or use a sqlite:/// or postgresql+psycopg:// URL."
    )


def _reason(exc: Exception) -> str:
    original = getattr(exc, "orig", None)
    text = str(original if original is not None else exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return first.rstrip(".")
