"""Model reports, computed when a model's traffic changes and kept for the pages
and ``/metrics``.

``workflows.monitoring.monitor_model`` reads a model's predictions, labels and input
profiles and takes seconds for weeks of daily windows: too slow for each page view or
scrape. A report is kept per model version and reused while its traffic (the newest
logged batch, ``Store.model_traffic``) and the day are unchanged. The background loop
refreshes stale reports; a model page computes a stale one on demand. Reports are
read-only (``sync=False``): judging a model's alerts stays ``pipewarden monitor``'s.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime

from pipewarden.monitor.results import MonitorReport
from pipewarden.store import Store
from pipewarden.store.overview_records import ModelTraffic
from pipewarden.workflows.monitoring import monitor_model

__all__ = ["DEFAULT_WINDOW", "ModelReports"]

DEFAULT_WINDOW = "day"


@dataclass(frozen=True, slots=True)
class _Kept:
    fingerprint: tuple[int | None, date, str]
    report: MonitorReport


class ModelReports:
    """Model reports by (name, version, window), recomputed when stale."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, str, str], _Kept] = {}
        self._lock = threading.Lock()

    def cached(self, traffic: ModelTraffic, *, now: datetime) -> MonitorReport | None:
        """The kept daily report of a model, if it is still current."""
        key = (traffic.name, traffic.version, DEFAULT_WINDOW)
        with self._lock:
            kept = self._kept.get(key)
        if kept is None or kept.fingerprint != _fingerprint(
            traffic, now, DEFAULT_WINDOW
        ):
            return None
        return kept.report

    def report(
        self,
        store: Store,
        traffic: ModelTraffic,
        *,
        now: datetime,
        window: str = DEFAULT_WINDOW,
    ) -> MonitorReport:
        """The current report of a model: kept, or computed now and kept."""
        key = (traffic.name, traffic.version, window)
        fingerprint = _fingerprint(traffic, now, window)
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and kept.fingerprint == fingerprint:
            return kept.report
        record = store.get_model(traffic.name, traffic.version)
        report = monitor_model(record, window=window, store=store, now=now, sync=False)
        with self._lock:
            self._kept[key] = _Kept(fingerprint, report)
        return report

    def refresh(self, store: Store, *, now: datetime) -> int:
        """Compute the daily reports that are stale; how many were."""
        stale = [t for t in store.model_traffic() if self.cached(t, now=now) is None]
        for traffic in stale:
            self.report(store, traffic, now=now)
        return len(stale)


def _fingerprint(
    traffic: ModelTraffic, now: datetime, window: str
) -> tuple[int | None, date, str]:
    return (traffic.last_batch, now.date(), window)
