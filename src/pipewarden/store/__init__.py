"""The store: runs, metric history, environments and models, in SQLite or PostgreSQL.

``import pipewarden`` does not load SQLAlchemy: the functions here import the
database layer on first use.

Example:
    >>> import pipewarden as pw
    >>> with pw.open_store() as store:  # .pipewarden/pipewarden.db
    ...     run = store.record_run(result, profile=prof, contract=contract)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipewarden.store.records import (
    InputFingerprint,
    MetricPoint,
    MetricSeries,
    ModelRecord,
    Run,
    RunSummary,
)

if TYPE_CHECKING:
    from pipewarden.monitor.history import HistoryPolicy
    from pipewarden.store.repository import Store

__all__ = [
    "InputFingerprint",
    "MetricPoint",
    "MetricSeries",
    "ModelRecord",
    "Run",
    "RunSummary",
    "open_store",
]


def open_store(
    url: str | None = None,
    *,
    compression: int = 0,
    history: HistoryPolicy | None = None,
) -> Store:
    """Open (and, if brand new, create) a store; see :func:`pipewarden.store.database.open_store`.

    Args:
        url: ``sqlite:///path.db`` or ``postgresql+psycopg://user@host/db``; None: the
            embedded default ``sqlite:///.pipewarden/pipewarden.db``.
        compression: zlib level (1-9) for stored profiles; 0 (the default) leaves
            them uncompressed: about half of a profile is distinct-count hashes,
            which do not compress, so level 1 saves only ~25% at ~3-5 ms a run, and
            PostgreSQL compresses large values itself.
        history: Thresholds for ``history.*`` anomaly findings.

    Raises:
        MigrationRequiredError: The store is at an older schema revision.
        StoreError: The database cannot be reached or is not a pipewarden store.
    """
    from pipewarden.store.database import open_store as open_database_store

    return open_database_store(url, compression=compression, history=history)
