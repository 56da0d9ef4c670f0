"""Alembic environment for the store, run programmatically by pipewarden.store.database.

pipewarden passes an open connection (inside a transaction it commits itself) in
``config.attributes["connection"]``; there is no alembic.ini and no offline mode.
"""

from __future__ import annotations

from alembic import context

from pipewarden.errors import StoreError
from pipewarden.store import pipeline_tables  # noqa: F401  (registers its tables)
from pipewarden.store.tables import VERSION_TABLE, Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise StoreError(  # only reachable by running alembic by hand
        "Run migrations with: pipewarden store upgrade --store URL"
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
