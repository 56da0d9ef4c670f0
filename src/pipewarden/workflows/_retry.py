"""Retry a store write whose connection failed, with exponential backoff.

Only :class:`~pipewarden.errors.StoreUnavailableError` is retried: the server was
unreachable or dropped the connection (a restart, a deadlock victim), so the write
was rolled back as a whole. The writes retried here are idempotent by their batch
key: if the connection died after the commit, the retry finds the batch and stores
nothing twice. Each retry is reported as a :class:`PipewardenWarning`.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from typing import TypeVar

from pipewarden.errors import PipewardenWarning, StoreUnavailableError

__all__ = ["RETRY_WAITS", "retried"]

T = TypeVar("T")

RETRY_WAITS: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)
"""Seconds before each retry: six attempts over about 15 s, long enough for a
PostgreSQL restart."""


def retried(
    action: Callable[[], T],
    *,
    what: str,
    waits: Sequence[float] = RETRY_WAITS,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``action()``, tried again after each wait while the store is unavailable.

    Raises:
        StoreUnavailableError: Still unavailable after the last attempt.
    """
    for attempt, wait in enumerate((*waits, None), 1):
        try:
            return action()
        except StoreUnavailableError as exc:
            if wait is None:
                raise
            warnings.warn(
                PipewardenWarning(
                    f"{exc} Retrying {what} in {wait:g} s (attempt {attempt + 1} of "
                    f"{len(waits) + 1}); its batch key keeps a retry from storing "
                    "anything twice."
                ),
                stacklevel=2,
            )
            sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover
