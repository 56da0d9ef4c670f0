"""The recent metric points of each dataset, read for history anomalies and kept.

Judging a new run needs the points of the last runs of its dataset (20, plus up to 8
on the same weekday). A Store that records many runs keeps those it has read or
written, so each new run reads only what other processes added since.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import TypeAlias

from sqlalchemy import Connection, select

from pipewarden.store.history import HistoryPolicy, Series, SeriesKey
from pipewarden.store.records import MetricPoint
from pipewarden.store.tables import DATASET_COLUMN, MetricRow, RunRow

__all__ = ["RecentMetrics"]

_Points: TypeAlias = list[tuple[str | None, str, float]]
"""(column, metric, value) of one run."""


class RecentMetrics:
    """Metric points of recent runs, per run id, bounded per dataset."""

    def __init__(self, policy: HistoryPolicy) -> None:
        self._policy = policy
        self._runs: dict[str, dict[str, _Points]] = defaultdict(dict)
        self._lock = threading.Lock()

    def history(
        self, conn: Connection, dataset: str, at: datetime
    ) -> dict[SeriesKey, Series]:
        """Earlier values of every watched metric, from the runs the policy needs."""
        recent = conn.execute(
            select(RunRow.id, RunRow.started_at)
            .where(RunRow.dataset == dataset, RunRow.started_at < at)
            .order_by(RunRow.started_at.desc())
            .limit(self._policy.lookback_runs)
        ).all()
        chosen = self._chosen(recent, at)
        with self._lock:
            known = self._runs[dataset]
            missing = [run_id for run_id in chosen if run_id not in known]
            if missing:
                known.update(self._read(conn, missing))
            for run_id in set(known) - {run_id for run_id, _ in recent}:
                del known[run_id]  # too old to be chosen again
            return _series(chosen, known)

    def remember(
        self, dataset: str, run_id: str, points: Iterable[MetricPoint]
    ) -> None:
        """Keep the points of a run just written."""
        watched = self._policy.metrics
        kept = [(p.column, p.metric, p.value) for p in points if p.metric in watched]
        with self._lock:
            self._runs[dataset][run_id] = kept

    def _chosen(
        self,
        recent: list[tuple[str, datetime]] | Iterable[tuple[str, datetime]],
        at: datetime,
    ) -> dict[str, datetime]:
        rows = list(recent)
        policy = self._policy
        chosen = {run_id: started for run_id, started in rows[: policy.window]}
        same_day = [
            (run_id, started)
            for run_id, started in rows
            if started.weekday() == at.weekday() and started.date() < at.date()
        ]
        if len(same_day) >= policy.seasonal_min_points:
            chosen.update(same_day[: policy.seasonal_points])
        return chosen

    def _read(self, conn: Connection, run_ids: list[str]) -> dict[str, _Points]:
        rows = conn.execute(
            select(
                MetricRow.run_id,
                MetricRow.column_name,
                MetricRow.metric,
                MetricRow.value,
            )
            .where(
                MetricRow.run_id.in_(run_ids),
                MetricRow.metric.in_(sorted(self._policy.metrics)),
            )
            .order_by(MetricRow.run_id)  # the table's own order
        ).all()
        found: dict[str, _Points] = {run_id: [] for run_id in run_ids}
        for run_id, column_name, metric, value in rows:
            column = None if column_name == DATASET_COLUMN else column_name
            found[run_id].append((column, metric, value))
        return found


def _series(
    chosen: dict[str, datetime], known: dict[str, _Points]
) -> dict[SeriesKey, Series]:
    series: dict[SeriesKey, list[tuple[datetime, float]]] = defaultdict(list)
    for run_id, started in sorted(chosen.items(), key=lambda item: item[1]):
        for column, metric, value in known.get(run_id, ()):
            series[(column, metric)].append((started, value))
    return dict(series)
