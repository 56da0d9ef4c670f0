"""The store a use case works on: one given, or one opened from a URL or the default."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipewarden.store.base import Store

__all__ = ["opened_store"]


@contextmanager
def opened_store(store: Store | str | None) -> Iterator[Store]:
    """Use a given Store as is, or open (and close) one from a URL or the default."""
    if store is not None and not isinstance(store, str):
        yield store
        return
    from pipewarden.store import open_store

    with open_store(store) as opened:
        yield opened
