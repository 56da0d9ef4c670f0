"""Drift results as the report shows them, read from a DriftReport or from findings.

Nothing is computed here: scores, thresholds and verdicts come from
``pipewarden.drift`` (``DriftReport.to_dict()``, documented in ``drift/results.py``), or
from the ``drift.*`` findings of a result when no DriftReport is given.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Protocol

from pipewarden._text import number
from pipewarden.checks import codes
from pipewarden.checks.findings import Finding, Severity
from pipewarden.report._distributions import Distribution, wants_log

OTHER = "__other__"
"""The DriftReport's name for the pooled rare categories."""
OTHER_LABEL = "(other values)"
NULL_RATE_CHECK = codes.drift_check("null_rate")


class SupportsToDict(Protocol):
    """A DriftReport, or anything whose ``to_dict()`` has its documented shape."""

    def to_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class DriftView:
    """One comparison of one column: the deciding statistic and its verdict."""

    statistic: str
    score: float | None
    threshold: float | None
    drifted: bool
    kind: str = ""
    severity: Severity | None = None
    p_value: float | None = None
    test: str | None = None
    others: tuple[tuple[str, float], ...] = ()
    distribution: Distribution | None = None
    null_rates: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class MultivariateView:
    """The domain-classifier test over all columns together."""

    auc: float | None
    threshold: float | None
    drifted: bool
    message: str
    importance: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class DriftSummary:
    """Everything the report shows about drift, keyed by column name."""

    columns: dict[str, DriftView] = field(default_factory=dict)
    nulls: dict[str, DriftView] = field(default_factory=dict)
    multivariate: MultivariateView | None = None
    skipped: tuple[tuple[str, str], ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.columns or self.nulls or self.multivariate)


# ---------------------------------------------------------------- from findings
def drift_from_findings(findings: Iterable[Finding]) -> DriftSummary:
    """Drift read from ``drift.<statistic>`` findings; a drifted one wins per column."""
    columns: dict[str, DriftView] = {}
    nulls: dict[str, DriftView] = {}
    multivariate = None
    for f in findings:
        if f.check == codes.DRIFT_MULTIVARIATE:
            multivariate = MultivariateView(
                _number(f.value),
                _number(f.threshold),
                f.severity >= Severity.WARNING,
                f.message,
            )
        statistic = codes.drift_statistic(f.check)
        if statistic is None or f.column is None:
            continue
        view = DriftView(
            statistic=statistic,
            score=_number(f.value),
            threshold=_number(f.threshold),
            drifted=f.severity >= Severity.WARNING,
            severity=f.severity,
        )
        target = nulls if f.check == NULL_RATE_CHECK else columns
        known = target.get(f.column)
        if known is None or (view.drifted and not known.drifted):
            target[f.column] = view
    return DriftSummary(columns, nulls, multivariate)


# ------------------------------------------------------------ from DriftReport
def drift_from_report(report: SupportsToDict) -> DriftSummary:
    """Drift read from a DriftReport's ``to_dict()``."""
    data = report.to_dict()
    columns = {c["column"]: _comparison(c) for c in data.get("columns") or []}
    for role in ("label", "prediction"):
        raw = data.get(role)
        if raw:
            columns.setdefault(raw["column"], _comparison(raw))
    nulls = {c["column"]: _comparison(c) for c in data.get("nulls") or []}
    skipped = tuple(
        (str(s["column"]), str(s.get("reason", ""))) for s in data.get("skipped") or []
    )
    return DriftSummary(
        columns, nulls, _multivariate(data.get("multivariate")), skipped
    )


def _comparison(raw: dict[str, Any]) -> DriftView:
    stats = raw.get("stats") or {}
    others = tuple(
        (str(name), float(s["score"]))
        for name, s in stats.items()
        if _number(s.get("score")) is not None and name != raw.get("statistic")
    )
    summary = raw.get("summary") or {}
    severity = raw.get("severity")
    return DriftView(
        statistic=str(raw.get("statistic", "")),
        score=_number(raw.get("score")),
        threshold=_number(raw.get("threshold")),
        drifted=bool(raw.get("drifted")),
        kind=str(raw.get("kind") or ""),
        severity=Severity(severity) if severity else None,
        p_value=_number(raw.get("p_value")),
        test=raw.get("test"),
        others=others,
        distribution=_distribution(summary),
        null_rates=_null_rates(summary),
    )


def _multivariate(raw: dict[str, Any] | None) -> MultivariateView | None:
    if not raw:
        return None
    importance = tuple((str(c), float(v)) for c, v in raw.get("importance") or ())
    return MultivariateView(
        _number(raw.get("auc")),
        _number(raw.get("threshold")),
        bool(raw.get("drifted")),
        str(raw.get("message", "")),
        importance,
    )


def _distribution(summary: dict[str, Any]) -> Distribution | None:
    """The plot data of a comparison: reference-quantile bins or category shares."""
    kind = summary.get("type")
    ref, cur = summary.get("reference"), summary.get("current")
    if kind == "numeric" and isinstance(ref, list) and isinstance(cur, list):
        edges = tuple(float(e) for e in summary.get("edges") or ())
        if len(edges) != len(ref) + 1 or len(ref) != len(cur) or not ref:
            return None
        labels = tuple(f"{number(a, 4)} to {number(b, 4)}" for a, b in pairwise(edges))
        return Distribution(
            "histogram",
            labels,
            _floats(ref),
            _floats(cur),
            edges=edges,
            density=True,
            log_scale=wants_log(edges[0], edges[-1]),
            note="Bins from the drift comparison: each holds about the same share of "
            "the reference; height is share per unit of width.",
        )
    if kind == "categorical" and isinstance(ref, list) and isinstance(cur, list):
        names = [
            OTHER_LABEL if c == OTHER else str(c)
            for c in summary.get("categories") or ()
        ]
        if len(names) != len(ref) or len(ref) != len(cur) or not names:
            return None
        return Distribution(
            "bars",
            tuple(names),
            _floats(ref),
            _floats(cur),
            note="Categories as the drift comparison grouped them.",
        )
    return None


def _null_rates(summary: dict[str, Any]) -> tuple[float, float] | None:
    if summary.get("type") != "null_rate":
        return None
    ref, cur = _number(summary.get("reference")), _number(summary.get("current"))
    return None if ref is None or cur is None else (ref, cur)


def _floats(values: list[Any]) -> tuple[float, ...]:
    return tuple(round(float(v), 6) for v in values)


def _number(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    return float(x) if math.isfinite(x) else None
