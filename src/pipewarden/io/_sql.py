"""Read the result of a SQL query through SQLAlchemy, chunk by chunk, read-only.

A source query never writes: a statement that plainly writes (``DROP``, ``DELETE``,
...) is refused before it runs, and the rest run in the database's own read-only
mode (SQLite ``PRAGMA query_only``, PostgreSQL ``SET TRANSACTION READ ONLY``), which
refuses whatever else would write (a function that inserts, say). Other databases
rely on the rights of the database user. SQLAlchemy is imported only when a
database URL is read, so ``import pipewarden`` stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from pipewarden.errors import MissingDependencyError, SourceError
from pipewarden.io._reasons import first_line
from pipewarden.io.urls import redact_text, redact_url

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://")
_READ_ONLY = {
    "sqlite": "PRAGMA query_only = ON",
    "postgresql": "SET TRANSACTION READ ONLY",
}
"""Per database, the statement that makes the rest of the connection read-only."""
_WRITES = re.compile(
    r"^(?:\s|--[^\n]*(?:\n|$)|/\*.*?\*/|\()*"
    r"(?:insert|update|delete|merge|upsert|replace|drop|create|alter|truncate|rename"
    r"|grant|revoke|comment|copy|vacuum|reindex|cluster|refresh|attach|detach|lock"
    r"|call|do|exec|execute)\b",
    re.IGNORECASE | re.DOTALL,
)
"""A query whose first keyword (after comments and parentheses) writes."""
_READ_ONLY_REFUSALS = ("readonly database", "read-only transaction")
_NOT_DATABASES = frozenset(
    {"file", "http", "https", "s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "hf"}
)


def url_scheme(text: str) -> str | None:
    """Return the scheme of a ``scheme://...`` string, lower-cased, else None."""
    match = _URL.match(text)
    return match["scheme"].lower() if match else None


def is_database_url(text: str) -> bool:
    """Tell whether a string is a SQLAlchemy URL rather than a path or file URL."""
    scheme = url_scheme(text)
    return scheme is not None and scheme not in _NOT_DATABASES


def sql_frames(url: str, query: str, chunk_rows: int) -> Iterator[pl.DataFrame]:
    """Run a query and yield its rows as frames of at most ``chunk_rows`` rows.

    The first frame is yielded even when the query returns no rows, so the columns
    are known.

    Raises:
        SourceError: Bad URL, missing SQLite file, or the database rejected the query.
        MissingDependencyError: The URL names a driver that is not installed.
    """
    import sqlalchemy as sa

    if _WRITES.match(query):
        raise _writes(url, query)
    engine = _create_engine(url)
    try:
        with engine.connect() as connection:
            read_only = _READ_ONLY.get(engine.dialect.name)
            if read_only is not None:
                connection.execute(sa.text(read_only))
            options = connection.execution_options(
                stream_results=True, max_row_buffer=chunk_rows
            )
            result = options.execute(sa.text(query))
            if not result.returns_rows:
                raise SourceError(
                    f"Query on '{redact_url(url)}' returns no rows: {query!r}. "
                    "Pass a SELECT query."
                )
            columns = list(map(str, result.keys()))
            _check_unique(columns)
            while True:
                rows = result.fetchmany(chunk_rows)
                yield _rows_frame(rows, columns, url)
                if len(rows) < chunk_rows:
                    break
    except sa.exc.SQLAlchemyError as exc:
        reason = redact_text(first_line(getattr(exc, "orig", None) or exc), url)
        if any(refusal in reason.lower() for refusal in _READ_ONLY_REFUSALS):
            raise _writes(url, query) from exc
        raise SourceError(
            f"SQL query failed on '{redact_url(url)}': {reason}. "
            "Check the query and the database URL."
        ) from exc
    finally:
        engine.dispose()


def _writes(url: str, query: str) -> SourceError:
    shown = " ".join(query.split())
    if len(shown) > 80:
        shown = shown[:79] + "…"
    return SourceError(
        f"The query on '{redact_url(url)}' tries to write ({shown}); pipewarden runs "
        "source queries read-only. Pass a query that only reads (SELECT ...)."
    )


def _create_engine(url: str) -> Engine:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(url)
    except ImportError as exc:
        raise MissingDependencyError(
            f"The database URL '{redact_url(url)}' needs the driver module "
            f"'{exc.name}', which is not installed. Install it (for PostgreSQL: "
            "pip install 'pipewarden[postgres]')."
        ) from exc
    except sa.exc.ArgumentError as exc:
        raise SourceError(
            f"Cannot use database URL '{redact_url(url)}': "
            f"{redact_text(first_line(exc), url)}. Check the "
            "URL, e.g. 'sqlite:///data.db' or 'postgresql+psycopg://user@host/db'."
        ) from exc
    database = engine.url.database
    is_file = database not in (None, "", ":memory:") and not str(database).startswith(
        "file:"
    )
    sqlite = engine.url.get_backend_name() == "sqlite"
    if sqlite and is_file and not Path(str(database)).is_file():
        engine.dispose()
        raise SourceError(
            f"No such database file: '{database}' (from '{redact_url(url)}'). "
            "Check the path in the URL; sqlite:/// takes a path after the "
            "third slash."
        )
    return engine


def _check_unique(columns: list[str]) -> None:
    for name in columns:
        count = columns.count(name)
        if count > 1:
            raise SourceError(
                f"Column names must be unique: '{name}' appears {count} times. "
                "Give each column its own alias in the query."
            )


def _rows_frame(rows: Sequence[Any], columns: list[str], url: str) -> pl.DataFrame:
    """Build a frame from DB-API rows; mixed types become String, objects str()."""
    try:
        frame = pl.DataFrame(
            [tuple(row) for row in rows],
            schema=columns,
            orient="row",
            infer_schema_length=None,
        )
    except pl.exceptions.PolarsError as exc:
        raise SourceError(
            f"Cannot turn the rows of the query on '{redact_url(url)}' into a frame: "
            f"{first_line(exc)}. CAST the columns to plain types in the query."
        ) from exc
    objects = [name for name, dtype in frame.schema.items() if dtype == pl.Object]
    return frame.with_columns(
        pl.Series(name, [_text(value) for value in frame[name]], dtype=pl.String)
        for name in objects
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
