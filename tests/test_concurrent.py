"""ordered_map: results in order, a bounded number of items taken ahead."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

from pipewarden._concurrent import ordered_map


def test_results_come_in_order_with_at_most_at_once_items_taken() -> None:
    taken: list[int] = []
    handed: list[int] = []

    def items() -> object:
        for n in range(10):
            # Never more than at_once items taken and not yet handed over.
            assert len(taken) - len(handed) < 3
            taken.append(n)
            yield n

    def slow_first(n: int) -> int:
        time.sleep(0.02 if n % 3 == 0 else 0)
        return n * n

    with ThreadPoolExecutor(3) as pool:
        for got in ordered_map(pool, slow_first, items(), 3):  # type: ignore[arg-type]
            handed.append(got)
    assert handed == [n * n for n in range(10)]


def test_stopping_early_cancels_what_has_not_started() -> None:
    gate = threading.Event()
    ran: list[int] = []

    def wait(n: int) -> int:
        gate.wait(5)
        time.sleep(0.2 if n else 0)  # the queued ones are cancelled meanwhile
        ran.append(n)
        return n

    pool = ThreadPoolExecutor(1)
    with pool, closing(ordered_map(pool, wait, range(100), 4)) as results:
        gate.set()
        assert next(results) == 0
    # The first, and the one the single worker took next; the two queued were
    # cancelled and the other items never submitted.
    assert sorted(ran) == [0, 1]
