"""One view per column: summary statistics side by side, findings, drift, what to chart."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pipewarden.checks.findings import Finding, Severity
from pipewarden.profiles.column import ColumnProfile, Kind
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.report import _format as fmt
from pipewarden.report._distributions import (
    Distribution,
    distribution_of,
    why_no_distribution,
)
from pipewarden.report._drift import DriftSummary, DriftView

MAX_CHARTED_COLUMNS = 60
"""Columns that get a card with a chart; the overview table lists every column."""


@dataclass(frozen=True, slots=True)
class StatRow:
    """One statistic of a column, reference beside current."""

    label: str
    reference: str
    current: str


@dataclass(frozen=True, slots=True)
class ColumnView:
    """Everything the report shows about one column."""

    name: str
    anchor: str
    kind: str
    dtype: str
    null_reference: float | None
    null_current: float | None
    stats: tuple[StatRow, ...]
    findings: tuple[Finding, ...]
    drift: DriftView | None
    null_drift: DriftView | None
    reference: ColumnProfile | None
    current: ColumnProfile | None

    def distribution(self) -> Distribution | None:
        """What to chart: from the profiles, else from the drift comparison.

        Computed on demand, since only the charted columns need it.
        """
        if self.reference is not None or self.current is not None:
            return distribution_of(self.reference, self.current)
        return self.drift.distribution if self.drift is not None else None

    def no_chart_reason(self) -> str:
        return why_no_distribution(self.reference, self.current)

    @property
    def worst(self) -> Severity | None:
        return max(
            (f.severity for f in self.findings), default=None, key=lambda s: s.rank
        )

    @property
    def needs_attention(self) -> bool:
        worst = self.worst
        drifted = any(
            d is not None and d.drifted for d in (self.drift, self.null_drift)
        )
        return drifted or (worst is not None and worst >= Severity.WARNING)


def column_views(
    findings: Sequence[Finding],
    current: DatasetProfile | None,
    reference: DatasetProfile | None,
    drift: DriftSummary,
) -> list[ColumnView]:
    """A view per column, in the order of the current batch, then reference-only
    columns, then columns known only from findings or drift."""
    names: dict[str, None] = {}
    for prof in (current, reference):
        if prof is not None:
            names.update(dict.fromkeys(prof.columns))
    names.update(dict.fromkeys(f.column for f in findings if f.column is not None))
    names.update(dict.fromkeys(drift.columns))
    names.update(dict.fromkeys(drift.nulls))
    by_column: dict[str, list[Finding]] = {}
    for f in findings:
        if f.column is not None:
            by_column.setdefault(f.column, []).append(f)
    return [
        _view(
            i,
            name,
            _column(reference, name),
            _column(current, name),
            tuple(by_column.get(name, ())),
            drift.columns.get(name),
            drift.nulls.get(name),
        )
        for i, name in enumerate(names)
    ]


def charted(
    views: Sequence[ColumnView], limit: int = MAX_CHARTED_COLUMNS
) -> list[ColumnView]:
    """The columns that get a card: those needing attention first, at most ``limit``."""
    order = sorted(range(len(views)), key=lambda i: (not views[i].needs_attention, i))
    return [views[i] for i in order[:limit]]


def _column(prof: DatasetProfile | None, name: str) -> ColumnProfile | None:
    return None if prof is None else prof.columns.get(name)


def _view(
    index: int,
    name: str,
    ref: ColumnProfile | None,
    cur: ColumnProfile | None,
    findings: tuple[Finding, ...],
    drift: DriftView | None,
    null_drift: DriftView | None,
) -> ColumnView:
    main = cur if cur is not None else ref
    null_ref, null_cur = _null_rates(ref, cur, null_drift)
    return ColumnView(
        name=name,
        anchor=f"column-{index}",
        kind=main.kind.value if main is not None else (drift.kind if drift else ""),
        dtype=main.dtype if main is not None else "",
        null_reference=null_ref,
        null_current=null_cur,
        stats=_stats(ref, cur),
        findings=findings,
        drift=drift,
        null_drift=null_drift,
        reference=ref,
        current=cur,
    )


def _null_rates(
    ref: ColumnProfile | None, cur: ColumnProfile | None, null_drift: DriftView | None
) -> tuple[float | None, float | None]:
    """From the profiles, or from the drift comparison when no profile was given."""
    known = null_drift.null_rates if null_drift is not None else None
    return (
        ref.null_rate if ref is not None else (known[0] if known else None),
        cur.null_rate if cur is not None else (known[1] if known else None),
    )


# ------------------------------------------------------------------ statistics
def _stats(ref: ColumnProfile | None, cur: ColumnProfile | None) -> tuple[StatRow, ...]:
    sides = [c for c in (ref, cur) if c is not None]
    if not sides:
        return ()
    kinds = {c.kind for c in sides}
    rows: list[tuple[str, Callable[[ColumnProfile], str]]] = [
        ("rows", lambda c: fmt.number(c.rows)),
        ("null rate", lambda c: fmt.share(c.null_rate)),
        ("distinct", _distinct),
    ]
    if kinds & {Kind.INTEGER, Kind.FLOAT}:
        rows += [
            ("mean", lambda c: fmt.number(c.moments.mean if c.moments.count else None)),
            ("std", lambda c: fmt.number(c.moments.std)),
            ("min", lambda c: fmt.number(c.moments.min)),
            ("median", _median),
            ("max", lambda c: fmt.number(c.moments.max)),
        ]
    if kinds & {Kind.CATEGORICAL, Kind.BOOLEAN}:
        rows.append(("most frequent", _top))
    if Kind.TEXT in kinds:
        rows.append(
            (
                "mean length",
                lambda c: fmt.number(
                    round(c.lengths.mean, 1) if c.lengths.count else None
                ),
            )
        )
    if Kind.DATETIME in kinds:
        rows += [
            ("earliest", lambda c: fmt.timestamp(c.time.min)),
            ("latest", lambda c: fmt.timestamp(c.time.max)),
        ]
    return tuple(
        StatRow(
            label,
            fn(ref) if ref is not None else "",
            fn(cur) if cur is not None else "",
        )
        for label, fn in rows
    )


def _distinct(col: ColumnProfile) -> str:
    text = fmt.number(round(col.distinct_count))
    return text if col.distinct.is_exact else f"\u2248{text}"


def _median(col: ColumnProfile) -> str:
    q = col.quantiles.quantiles([0.5])
    return fmt.number(q[0]) if q else ""


def _top(col: ColumnProfile) -> str:
    top = col.frequent.top(1)
    if not top or col.frequent.total <= 0:
        return ""
    value, count = top[0]
    return f"{value} ({fmt.share(count / col.frequent.total)})"
