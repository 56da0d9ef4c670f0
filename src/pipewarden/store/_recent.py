"""The recent metric points of each dataset, read for history anomalies and kept.

Judging a new run needs the points of the last runs of its dataset (by default 20,
plus up to 8 on the same weekday). A Store that records many runs keeps those it has
read or written, so each new run reads only what other processes added since.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import TypeAlias

from sqlalchemy import Connection, bindparam, select

from pipewarden.store.records import MetricPoint, SeriesKey, SeriesTable
from pipewarden.store.tables import DATASET_COLUMN, MetricRow, RunRow, UtcDateTime

__all__ = ["RecentMetrics"]

_RECENT_RUNS = (
    select(RunRow.id, RunRow.started_at)
    .where(
        RunRow.dataset == bindparam("dataset"),
        RunRow.started_at < bindparam("at", type_=UtcDateTime),
    )
    .order_by(RunRow.started_at.desc())
    .limit(bindparam("limit"))
)
"""The newest runs of a dataset before a moment (built once: SQLAlchemy then caches
its compiled form without building its cache key at every run)."""
_RUN_POINTS = (
    select(MetricRow.run_id, MetricRow.column_name, MetricRow.metric, MetricRow.value)
    .where(MetricRow.run_id.in_(bindparam("runs", expanding=True)))
    .order_by(MetricRow.run_id)  # the table's own order
)
"""The metric points of some runs."""

_Points: TypeAlias = tuple[tuple[SeriesKey, ...], tuple[float, ...]]
"""The metrics of one run, in a fixed order (see ``_key_order``), and their values."""


class RecentMetrics:
    """Metric points of recent runs, per run id, bounded per dataset."""

    def __init__(self) -> None:
        self._runs: dict[str, dict[str, _Points]] = defaultdict(dict)
        self._keys: dict[str, tuple[SeriesKey, ...]] = {}
        self._lock = threading.Lock()

    def history(
        self,
        conn: Connection,
        dataset: str,
        at: datetime,
        *,
        runs: int,
        same_weekday: int,
        lookback: int,
    ) -> SeriesTable:
        """Earlier values of every metric of the dataset, from some of its runs.

        Args:
            conn: Where to read what is not kept yet.
            dataset: Dataset name.
            at: Only runs that started before this moment count.
            runs: The newest runs to include.
            same_weekday: Also the newest runs on the weekday of ``at`` (UTC), on
                earlier dates, up to this many.
            lookback: How many of the newest runs those are looked for in.
        """
        recent = conn.execute(
            _RECENT_RUNS, {"dataset": dataset, "at": at, "limit": lookback}
        ).all()
        chosen = _chosen(recent, at, runs=runs, same_weekday=same_weekday)
        with self._lock:
            known = self._runs[dataset]
            missing = [run_id for run_id in chosen if run_id not in known]
            if missing:
                known.update(self._read(conn, dataset, missing))
            for run_id in set(known) - {run_id for run_id, _ in recent}:
                del known[run_id]  # too old to be chosen again
            return _table(chosen, known)

    def remember(
        self, dataset: str, run_id: str, points: Iterable[MetricPoint]
    ) -> None:
        """Keep the points of a run just written."""
        kept = [((p.column, p.metric), p.value) for p in points]
        with self._lock:
            self._runs[dataset][run_id] = self._ordered(dataset, kept)

    def _ordered(self, dataset: str, points: list[tuple[SeriesKey, float]]) -> _Points:
        """A run's points in the fixed order; its keys the dataset's last keys object
        when they are the same, so that runs with the same metrics share it.

        Called with the lock held.
        """
        points.sort(key=_key_order)
        keys = tuple(key for key, _ in points)
        last = self._keys.get(dataset)
        if last == keys:
            keys = last
        else:
            self._keys[dataset] = keys
        return keys, tuple(value for _, value in points)

    def _read(
        self, conn: Connection, dataset: str, run_ids: list[str]
    ) -> dict[str, _Points]:
        """The points of some runs, from the store. Called with the lock held."""
        rows = conn.execute(_RUN_POINTS, {"runs": run_ids}).all()
        found: dict[str, list[tuple[SeriesKey, float]]] = {r: [] for r in run_ids}
        for run_id, column_name, metric, value in rows:
            column = None if column_name == DATASET_COLUMN else column_name
            found[run_id].append(((column, metric), value))
        return {
            run_id: self._ordered(dataset, points) for run_id, points in found.items()
        }


def _chosen(
    recent: Iterable[tuple[str, datetime]],
    at: datetime,
    *,
    runs: int,
    same_weekday: int,
) -> dict[str, datetime]:
    """The newest ``runs`` runs, and the newest ``same_weekday`` on the weekday of
    ``at`` before its date: run id -> start."""
    rows = list(recent)
    chosen = {run_id: started for run_id, started in rows[:runs]}
    weekday, day = at.weekday(), at.date()
    same_day = [
        (run_id, started)
        for run_id, started in rows
        if started.weekday() == weekday and started.date() < day
    ]
    chosen.update(same_day[:same_weekday])
    return chosen


def _key_order(point: tuple[SeriesKey, float]) -> tuple[bool, str, str]:
    (column, metric), _ = point
    return column is not None, column or "", metric


def _table(chosen: dict[str, datetime], known: dict[str, _Points]) -> SeriesTable:
    """The chosen runs that have points, oldest first (ties: in the chosen order)."""
    times: list[datetime] = []
    keys: list[tuple[SeriesKey, ...]] = []
    values: list[tuple[float, ...]] = []
    for run_id, started in sorted(chosen.items(), key=lambda item: item[1]):
        points = known.get(run_id)
        if points is None or not points[0]:
            continue
        times.append(started)
        keys.append(points[0])
        values.append(points[1])
    return SeriesTable(times, keys, values)
