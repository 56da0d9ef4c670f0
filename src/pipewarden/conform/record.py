"""The record path: one record conformed by per-column steps compiled once per gate.

Every step is a closure over its column's resolved plan, in plain Python: no polars,
no allocation beyond the output dict on the happy path. Its answer is the row the
batch path gives for a one-row batch holding the record.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import polars as pl

from pipewarden._text import clip, counted
from pipewarden.checks import codes
from pipewarden.checks.findings import Finding
from pipewarden.conform._findings import (
    ColumnTally,
    column_findings,
    schema_findings,
)
from pipewarden.conform.coerce import FAIL
from pipewarden.conform.plan import ColumnPlan, GatePlan, fold
from pipewarden.diagnose.text_numbers import REASONS, classify

if TYPE_CHECKING:
    from rich.console import RenderableType

Issue = tuple[int, str, Any]
"""(column index, what happened, the value): kept only when something happened."""
Step = Callable[[Any, list[Issue]], Any]

_MISSING: Any = object()


class Quarantined(Exception):  # noqa: N818  # control flow inside the record path only
    """Raised by a step whose policy quarantines the record."""

    def __init__(self, plan: ColumnPlan, check: str) -> None:
        super().__init__(check)
        self.plan = plan
        self.check = check


class RecordResult(NamedTuple):
    """One conformed record, or why it was quarantined.

    A NamedTuple rather than a frozen dataclass: one is built per record scored, and
    it must cost a fraction of a microsecond.

    Attributes:
        record: The record the model gets: the contract's columns in order (the label
            only when given), plus unexpected keys when the policy keeps them. None
            when the record was quarantined.
        quarantined: Whether the record was quarantined.
        column: The contract column that quarantined it.
        check: Its check id, as in the batch quarantine.
        reason: Its reason, as in the batch quarantine.
        issues: What the gate repaired or noticed, as (column index, kind, value).
    """

    record: dict[str, Any] | None
    quarantined: bool = False
    column: str | None = None
    check: str | None = None
    reason: str | None = None
    issues: tuple[Issue, ...] = ()
    plan: GatePlan | None = None
    source: Mapping[str, Any] | None = None
    """The record as given (its keys feed the schema findings)."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The findings a one-row batch would give (built on demand, not per call)."""
        if self.plan is None:
            return ()
        found = schema_findings(self.plan, list(self.source or ()), {})
        for p in self.plan.columns:
            mine = [i for i in self.issues if i[0] == p.index]
            if mine:
                found.extend(column_findings(_tally(p, mine), 1))
        return tuple(found)

    def __repr__(self) -> str:
        if self.quarantined:
            return (
                f"<RecordResult quarantined by {clip(self.column or '', 40)!r} "
                f"({self.check}): {clip(self.reason or '', 80)}>"
            )
        kept = len(self.record) if self.record is not None else 0
        return (
            f"<RecordResult conformed: {counted(kept, 'column')}, "
            f"{counted(len(self.issues), 'issue')}>"
        )

    def _repr_html_(self) -> str:
        """The HTML a notebook shows (``pipewarden.report.notebook``)."""
        from pipewarden.report.notebook import to_html

        return to_html(self)

    def __rich__(self) -> RenderableType:
        """What a Rich console prints (``pipewarden.report.terminal``)."""
        from pipewarden.report.terminal import to_rich

        return to_rich(self)


def _tally(plan: ColumnPlan, issues: list[Issue]) -> ColumnTally:
    kinds = {kind: value for _, kind, value in issues}
    return ColumnTally(
        plan=plan,
        coerce_failed=int("coerce" in kinds),
        coerce_examples=(str(kinds["coerce"]),) if "coerce" in kinds else (),
        unseen=((kinds["unseen"], 1),) if "unseen" in kinds else (),
        normalized=((kinds["variant"], 1),) if "variant" in kinds else (),
        out_of_range=int("range" in kinds),
        observed=(float(kinds["range"]), float(kinds["range"]))
        if "range" in kinds
        else None,
        nulls=int("null" in kinds),
    )


def compile_step(p: ColumnPlan) -> Step:
    """The function that conforms one value of column ``p``."""
    read, index = p.read, p.index
    quarantine_unreadable = p.on_coerce_error == "quarantine"
    categories, variants, normalize = p.categories, p.variants, p.normalize
    unseen, fallback = p.on_unseen, p.fallback
    low, high, has_range, on_range = p.low, p.high, p.has_range, p.on_out_of_range
    lowest = -math.inf if low is None else low
    highest = math.inf if high is None else high
    on_null, fill = p.on_null, p.fill
    enum = frozenset(p.target.enum) if p.target.enum is not None else None
    ready = _ready_check(p)

    def step(value: Any, issues: list[Issue]) -> Any:
        if ready(value):  # already the right type: skip coercion
            x = value
        else:
            x = read(value)
            if x is FAIL:
                if quarantine_unreadable:
                    raise Quarantined(p, codes.SCHEMA_TYPE_MISMATCH)
                issues.append((index, "coerce", value))
                x = None
        if x is not None:
            if categories is not None and x not in categories:
                x = _category(x, issues)
            if has_range and not lowest <= x <= highest:
                x = _out_of_range(x, issues)
        if x is None and on_null != "keep":
            if on_null == "quarantine":
                raise Quarantined(p, codes.NULLS_RATE)
            issues.append((index, "null", None))
            x = fill
        if enum is not None and x is not None and x not in enum:
            x = None
        return x

    def _category(x: Any, issues: list[Issue]) -> Any:
        if normalize:
            category = variants.get(fold(x))
            if category is not None:
                issues.append((index, "variant", x))
                return category
        issues.append((index, "unseen", x))
        if unseen == "keep":
            return x
        if unseen == "quarantine":
            raise Quarantined(p, codes.CATEGORY_UNSEEN)
        return fallback if unseen == "fallback" else None

    def _out_of_range(x: Any, issues: list[Issue]) -> Any:
        issues.append((index, "range", x))
        if on_range == "keep":
            return x
        if on_range == "quarantine":
            raise Quarantined(p, codes.RANGE_OUT_OF_BOUNDS)
        if on_range == "null":
            return None
        return low if low is not None and x < low else high

    return step


def _ready_check(p: ColumnPlan) -> Callable[[Any], bool]:
    """A cheap test for values that already have the column's Python type."""
    target = p.target
    if target.family == "float" and target.dtype == pl.Float64:
        return lambda v: type(v) is float and v == v
    if target.family == "integer":
        low, high = target.low, target.high
        return lambda v: type(v) is int and low <= v <= high  # type: ignore[operator]  # bounds are set for integers
    if target.family == "string":
        return lambda v: type(v) is str
    if target.family == "boolean":
        return lambda v: type(v) is bool
    return lambda v: False


def _reason(q: Quarantined, value: Any) -> str:
    """The quarantine reason, as the batch path words it (text as a number says why)."""
    reason = q.plan.reason(q.check)
    if (
        q.check == codes.SCHEMA_TYPE_MISMATCH
        and isinstance(value, str)
        and q.plan.target.family in ("float", "integer")
    ):
        reason += ": " + REASONS[classify(value)]
    return reason


@dataclass(frozen=True, slots=True)
class RecordPlan:
    """The compiled steps of a gate, in contract order."""

    plan: GatePlan
    steps: tuple[tuple[str, Step, ColumnPlan], ...]
    names: frozenset[str]

    @classmethod
    def compile(cls, plan: GatePlan) -> RecordPlan:
        steps = tuple((p.name, compile_step(p), p) for p in plan.columns)
        return cls(plan=plan, steps=steps, names=frozenset(plan.names))

    def conform(self, record: Mapping[str, Any]) -> RecordResult:
        """Conform one record (see ``Gate.conform_record``)."""
        out: dict[str, Any] = {}
        issues: list[Issue] = []
        seen = 0
        try:
            for name, step, p in self.steps:
                value = record.get(name, _MISSING)
                if value is _MISSING:
                    if not p.is_label:
                        self._missing(record)
                        out[name] = p.missing_value
                    continue
                seen += 1
                out[name] = step(value, issues)
        except Quarantined as q:
            self._check_schema(record)
            return RecordResult(
                None,
                True,
                q.plan.name,
                q.check,
                _reason(q, record.get(q.plan.name)),
                tuple(issues),
                self.plan,
                record,
            )
        if seen != len(record):
            self._unexpected(record, out)
        found = tuple(issues) if issues else ()
        return RecordResult(out, False, None, None, None, found, self.plan, record)

    def _check_schema(self, record: Mapping[str, Any]) -> None:
        """Raise ConformError when the record's keys break a fail policy."""
        schema_findings(self.plan, list(record), {})

    def _missing(self, record: Mapping[str, Any]) -> None:
        """Raise ConformError unless every missing column may be filled."""
        if any(
            p.on_missing == "fail" and not p.is_label and p.name not in record
            for p in self.plan.columns
        ):
            schema_findings(self.plan, list(record), {})

    def _unexpected(self, record: Mapping[str, Any], out: dict[str, Any]) -> None:
        policy = self.plan.unexpected_columns
        if policy == "drop":
            return
        extra = [k for k in record if k not in self.names]
        if policy == "fail":
            schema_findings(self.plan, list(record), {})
        for key in extra:
            out[key] = record[key]
