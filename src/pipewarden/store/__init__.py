"""The store: runs, metric history, environments and models, in SQLite or PostgreSQL.

The store keeps and reads back; it decides no finding. Recording a check as a run
(metric points, history anomalies, environment, code version) is the workflow
``pipewarden.record_run``. ``import pipewarden`` does not load SQLAlchemy: the
functions here import the database layer on first use.

Example:
    >>> import pipewarden as pw
    >>> with pw.open_store() as store:  # .pipewarden/pipewarden.db
    ...     runs = store.list_runs(dataset="orders")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipewarden.store.base import Store
from pipewarden.store.records import (
    InputFingerprint,
    MetricPoint,
    MetricSeries,
    ModelRecord,
    Run,
    RunSummary,
)

if TYPE_CHECKING:
    from pipewarden.store.database import UpgradeResult

__all__ = [
    "InputFingerprint",
    "MetricPoint",
    "MetricSeries",
    "ModelRecord",
    "Run",
    "RunSummary",
    "Store",
    "open_store",
    "upgrade_store",
]


def open_store(url: str | None = None, *, compression: int = 0) -> Store:
    """Open (and, if brand new, create) a store; see :func:`pipewarden.store.database.open_store`.

    Args:
        url: ``sqlite:///path.db`` or ``postgresql+psycopg://user@host/db``; None: the
            embedded default ``sqlite:///.pipewarden/pipewarden.db``.
        compression: zlib level (1-9) for stored profiles; 0 (the default) leaves
            them uncompressed: about half of a profile is distinct-count hashes,
            which do not compress, so level 1 saves only ~25% at ~3-5 ms a run, and
            PostgreSQL compresses large values itself.

    Raises:
        MigrationRequiredError: The store is at an older schema revision.
        StoreError: The database cannot be reached or is not a pipewarden store.
    """
    from pipewarden.store.database import open_store as open_database_store

    return open_database_store(url, compression=compression)


def upgrade_store(url: str | None = None, *, adopt: bool = False) -> UpgradeResult:
    """Bring a store's schema to this pipewarden's revision (creating it if empty).

    See :func:`pipewarden.store.database.upgrade_store`.

    Args:
        url: The store URL; None: the embedded default.
        adopt: Also create the store in a database that holds other tables.

    Raises:
        StoreError: The database cannot be reached, the store is newer than this
            pipewarden, or the database holds other tables and ``adopt`` is False.
    """
    from pipewarden.store.database import upgrade_store as upgrade_database_store

    return upgrade_database_store(url, adopt=adopt)
