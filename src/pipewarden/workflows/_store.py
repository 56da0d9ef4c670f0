"""The store a use case works on: one given, or one opened from a URL or the default."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipewarden.store.base import Store

__all__ = ["opened_store"]


@contextmanager
def opened_store(store: Store | str | None, *, retry: bool = False) -> Iterator[Store]:
    """Use a given Store as is, or open (and close) one from a URL or the default.

    Args:
        store: A Store, a store URL, or None for the default store.
        retry: Retry opening with backoff while the store's server is unreachable
            (see ``workflows._retry``): for idempotent writes such as logged batches.
    """
    if store is not None and not isinstance(store, str):
        yield store
        return
    from pipewarden.store import open_store

    if retry:
        from pipewarden.workflows._retry import retried

        opened = retried(lambda: open_store(store), what="opening the store")
    else:
        opened = open_store(store)
    with opened:
        yield opened
