"""Run a function over a stream in a thread pool, a few items at once, in order."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Executor, Future
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(
    pool: Executor, fn: Callable[[T], R], items: Iterable[T], at_once: int
) -> Generator[R, None, None]:
    """``fn`` of each item, run in ``pool``, at most ``at_once`` at a time; the
    results in the items' order.

    The next item is taken only once the oldest result has been handed over, so at
    most ``at_once`` items and their results are held, whatever the stream's
    length. Stopping early cancels what has not started.
    """
    running: deque[Future[R]] = deque()
    try:
        for item in items:
            running.append(pool.submit(fn, item))
            del item  # held by its task only
            if len(running) >= at_once:
                yield running.popleft().result()
        while running:
            yield running.popleft().result()
    finally:
        for future in running:
            future.cancel()
