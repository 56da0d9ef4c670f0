"""What the gate did to a batch, told as findings. Both paths count into a ColumnTally."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from pipewarden._text import number, share
from pipewarden.checks import codes
from pipewarden.checks.findings import Finding, Severity
from pipewarden.conform.coerce import WHITESPACE
from pipewarden.conform.plan import ColumnPlan, GatePlan, fold
from pipewarden.errors import ConformError

CHECK_ORDER = (
    codes.SCHEMA_TYPE_MISMATCH,
    codes.CATEGORY_UNSEEN,
    codes.RANGE_OUT_OF_BOUNDS,
    codes.NULLS_RATE,
)
"""The order of a column's steps; a row's first failing step is its reason."""

_DONE = {
    "keep": "they were kept as is",
    "fallback": "they were mapped to {fallback!r}",
    "null": "they were set to null",
    "clip": "they were clipped to the bounds",
    "quarantine": "their rows were quarantined",
    "impute": "they were imputed with {fill}",
}


@dataclass(frozen=True, slots=True)
class ColumnTally:
    """Counts of what the gate found and did in one column."""

    plan: ColumnPlan
    source: str | None = None
    """The incoming dtype, when the column arrived as text or another kind."""
    coerce_failed: int = 0
    coerce_examples: tuple[str, ...] = ()
    unseen: tuple[tuple[str, int], ...] = ()
    """Values not in the categories (after normalisation) and their row counts."""
    normalized: tuple[tuple[str, int], ...] = ()
    """Whitespace/case variants mapped to a category, and their row counts."""
    out_of_range: int = 0
    observed: tuple[float, float] | None = None
    nulls: int = 0
    """Nulls met by the null step (counted when the column imputes or quarantines)."""


def _of_rows(count: int, rows: int) -> str:
    """A count as a share of the batch's rows, for messages."""
    return share(count / rows if rows else 0.0)


def _done(plan: ColumnPlan, action: str) -> str:
    return _DONE[action].format(fallback=plan.fallback, fill=plan.fill_source)


def column_findings(tally: ColumnTally, rows: int) -> Iterator[Finding]:
    """The findings for one column, in step order."""
    plan, name = tally.plan, tally.plan.name
    if tally.coerce_failed:
        shown = ", ".join(repr(v) for v in tally.coerce_examples)
        yield Finding(
            codes.SCHEMA_TYPE_MISMATCH,
            name,
            Severity.WARNING,
            f"Column '{name}' has {tally.coerce_failed:,} value(s) "
            f"({_of_rows(tally.coerce_failed, rows)} of rows) that cannot be read as "
            f"{plan.target.text} (e.g. {shown}); "
            f"{_done(plan, plan.on_coerce_error)}. Fix them upstream.",
            value=tally.source,
            threshold=plan.target.text,
        )
    elif tally.source is not None:
        yield Finding(
            codes.SCHEMA_TYPE_MISMATCH,
            name,
            Severity.INFO,
            f"Column '{name}' arrived as {tally.source}; every value was read as "
            f"{plan.target.text}.",
            value=tally.source,
            threshold=plan.target.text,
        )
    yield from _category_findings(tally, rows)
    if tally.out_of_range:
        lo, hi = tally.observed or (float("nan"), float("nan"))
        yield Finding(
            codes.RANGE_OUT_OF_BOUNDS,
            name,
            Severity.WARNING,
            f"Column '{name}' has {tally.out_of_range:,} value(s) "
            f"({_of_rows(tally.out_of_range, rows)} of rows) outside {plan.bounds_text} "
            f"(from {number(lo)} to {number(hi)}); {_done(plan, plan.on_out_of_range)}.",
            value={"min": lo, "max": hi, "count": tally.out_of_range},
            threshold={"min": plan.low, "max": plan.high},
        )
    if tally.nulls:
        never = (
            " in a column the contract says is never null"
            if not plan.spec.nullable
            else ""
        )
        yield Finding(
            codes.NULLS_RATE,
            name,
            Severity.WARNING if not plan.spec.nullable else Severity.INFO,
            f"Column '{name}' has {tally.nulls:,} null value(s) "
            f"({_of_rows(tally.nulls, rows)} of rows){never}; {_done(plan, plan.on_null)}.",
            value=tally.nulls / rows if rows else 0.0,
            threshold=0.0 if not plan.spec.nullable else plan.spec.max_null_rate,
        )


def _category_findings(tally: ColumnTally, rows: int) -> Iterator[Finding]:
    plan, name = tally.plan, tally.plan.name
    if tally.normalized:
        count = sum(n for _, n in tally.normalized)
        value = tally.normalized[0][0]
        yield Finding(
            codes.CATEGORY_UNSEEN,
            name,
            Severity.INFO,
            f"Column '{name}' has {count:,} value(s) ({_of_rows(count, rows)} of rows) "
            f"that differ from a category only by "
            f"{_difference(plan, [v for v, _ in tally.normalized])} (e.g. "
            f"{value!r} vs {plan.variants[fold(value)]!r}); they were normalised.",
            value={"values": [v for v, _ in tally.normalized[:20]], "count": count},
        )
    if not tally.unseen:
        return
    count = sum(n for _, n in tally.unseen)
    shown = ", ".join(repr(v) for v, _ in tally.unseen[:5])
    more = f" and {len(tally.unseen) - 5} more" if len(tally.unseen) > 5 else ""
    near = [v for v, _ in tally.unseen if fold(v) in plan.variants]
    if near and len(near) == len(tally.unseen):
        hint = (
            f" They differ from a category only by {_difference(plan, near)} "
            f"(e.g. {near[0]!r} vs {plan.variants[fold(near[0])]!r}); set "
            "`conform.normalize: true` to map them, or trim them upstream."
        )
    else:
        hint = (
            " Add them to `categories` if they are real, or choose `conform.on_unseen`."
        )
    yield Finding(
        codes.CATEGORY_UNSEEN,
        name,
        Severity.WARNING,
        f"Column '{name}' has {count:,} value(s) ({_of_rows(count, rows)} of rows) not in "
        f"its categories ({shown}{more}); {_done(plan, plan.on_unseen)}.{hint}",
        value={"values": [v for v, _ in tally.unseen[:20]], "count": count},
        threshold=len(plan.categories or ()),
    )


def _difference(plan: ColumnPlan, values: Sequence[str]) -> str:
    """How variants differ from their categories: whitespace, case, or both."""
    kinds: set[str] = set()
    for value in values:
        category = plan.variants[fold(value)]
        if value.strip(WHITESPACE) != value:
            kinds.add("surrounding whitespace")
        if value.strip(WHITESPACE) != category:
            kinds.add("case")
    return " or ".join(sorted(kinds, reverse=True)) or "case"


def schema_findings(
    plan: GatePlan, present: Sequence[str], kinds: dict[str, str]
) -> list[Finding]:
    """Findings about columns: unexpected ones (dropped or kept), missing ones filled.

    Raises:
        ConformError: The contract's policies say to fail.
    """
    known = set(plan.names)
    have = set(present)
    extra = [c for c in present if c not in known]
    missing = [p for p in plan.columns if p.name not in have and not p.is_label]
    if extra and plan.unexpected_columns == "fail":
        raise ConformError(
            f"{_names(extra)} not in the contract and `policies.unexpected_columns` is "
            f"fail. Remove {'it' if len(extra) == 1 else 'them'} upstream, add "
            f"{'it' if len(extra) == 1 else 'them'} to the contract, or set "
            "`policies.unexpected_columns: drop`."
        )
    failing = [p.name for p in missing if p.on_missing == "fail"]
    if failing:
        them = "it" if len(failing) == 1 else "them"
        fix = (
            f"set `policies.missing_columns: fill` in the contract to fill {them} "
            "as `conform.on_missing` says"
            if plan.missing_columns == "fail"
            else f"set `conform.on_missing` (default, median, mode or null) for {them} "
            "in the contract"
        )
        raise ConformError(
            f"{_names(failing)} in the contract but missing from the batch. Restore "
            f"{them} upstream, or {fix}."
        )
    found: list[Finding] = []
    for column in extra:
        if plan.unexpected_columns == "drop":
            found.append(
                Finding(
                    codes.SCHEMA_UNEXPECTED_COLUMN,
                    column,
                    Severity.WARNING,
                    f"Column '{column}' ({kinds.get(column, '?')}) is not in the contract; "
                    "the gate dropped it. Add it to the contract if the model should use it.",
                )
            )
        else:
            found.append(
                Finding(
                    codes.SCHEMA_UNEXPECTED_COLUMN,
                    column,
                    Severity.INFO,
                    f"Column '{column}' ({kinds.get(column, '?')}) is not in the contract; "
                    "the gate kept it after the contract's columns.",
                )
            )
    for p in missing:
        found.append(
            Finding(
                codes.SCHEMA_MISSING_COLUMN,
                p.name,
                Severity.WARNING,
                f"Column '{p.name}' is missing from the batch; the gate filled it with "
                f"{p.missing_source}. Restore it upstream so the model sees real values.",
                value=p.missing_value,
                threshold=None,
            )
        )
    for p in plan.columns:
        if p.is_label and p.name not in have:
            found.append(
                Finding(
                    codes.SCHEMA_MISSING_COLUMN,
                    p.name,
                    Severity.INFO,
                    f"Label column '{p.name}' is not in the batch (a scoring batch); the "
                    "frame has the other columns.",
                )
            )
    return found


def _names(names: Iterable[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    if len(quoted) == 1:
        return f"Column {quoted[0]} is"
    return f"Columns {', '.join(quoted)} are"


def merge_tally(
    first: ColumnTally, later: ColumnTally, examples: int = 3
) -> ColumnTally:
    """One column's tally over two chunks in order: what one tally of both gives
    (counts summed, the first examples, values re-sorted by rows then value)."""
    return ColumnTally(
        plan=first.plan,
        source=first.source or later.source,
        coerce_failed=first.coerce_failed + later.coerce_failed,
        coerce_examples=(first.coerce_examples + later.coerce_examples)[:examples],
        unseen=_summed(first.unseen, later.unseen),
        normalized=_summed(first.normalized, later.normalized),
        out_of_range=first.out_of_range + later.out_of_range,
        observed=_widest(first.observed, later.observed),
        nulls=first.nulls + later.nulls,
    )


def _summed(
    a: tuple[tuple[str, int], ...], b: tuple[tuple[str, int], ...]
) -> tuple[tuple[str, int], ...]:
    counts: dict[str, int] = {}
    for value, count in (*a, *b):
        counts[value] = counts.get(value, 0) + count
    return tuple(sorted(counts.items(), key=lambda vc: (-vc[1], vc[0])))


def _widest(
    a: tuple[float, float] | None, b: tuple[float, float] | None
) -> tuple[float, float] | None:
    if a is None or b is None:
        return a or b
    return (min(a[0], b[0]), max(a[1], b[1]))
