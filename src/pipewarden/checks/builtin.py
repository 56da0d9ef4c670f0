"""The built-in checks. Each reads profiles and the contract, never raw rows."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from pipewarden import _text
from pipewarden.checks import codes, diagnosed
from pipewarden.checks.context import CheckContext, CheckFn
from pipewarden.checks.findings import Finding, Severity
from pipewarden.checks.imbalance import class_balance, imbalance_note
from pipewarden.contracts.model import ColumnSpec
from pipewarden.profiles.column import ColumnProfile, Kind, Physical
from pipewarden.profiles.readings import Reading
from pipewarden.profiles.sketches import micros_to_text

_STRINGY = {"categorical", "text"}
UNSEEN_ERROR_SHARE = 0.01
"""Unseen categories on at least this share of rows are an error, below a warning."""
OUT_OF_RANGE_ERROR_SHARE = diagnosed.OUT_OF_RANGE_ERROR_SHARE
GAP_ERROR_FACTOR = diagnosed.GAP_ERROR_FACTOR


def _short(text: str, limit: int = 40) -> str:
    """A value cut to fit in a sentence (a stray 1,000,000-character value must not)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shared(ctx: CheckContext) -> Iterator[tuple[str, ColumnSpec, ColumnProfile]]:
    for name, spec in ctx.contract.columns.items():
        col = ctx.batch.columns.get(name)
        if col is not None:
            yield name, spec, col


def _physical_of_spec(spec: ColumnSpec) -> set[Physical]:
    return {
        "integer": {Physical.INTEGER},
        "float": {Physical.FLOAT, Physical.INTEGER},
        "boolean": {Physical.BOOLEAN},
        "categorical": {Physical.STRING},
        "text": {Physical.STRING},
        "datetime": {Physical.DATETIME},
        "other": set(Physical),
    }[spec.kind]


# ---------------------------------------------------------------------- schema
def missing_column(ctx: CheckContext) -> Iterator[Finding]:
    for name, spec in ctx.contract.columns.items():
        if name in ctx.batch.columns:
            continue
        fillable = (
            ctx.contract.policies.missing_columns == "fill"
            and spec.conform.on_missing != "fail"
        )
        how = (
            "The gate will fill it " + f"({spec.conform.on_missing}); restore it "
            "upstream so the model sees real values."
            if fillable
            else "Restore it upstream, or set `policies.missing_columns: fill` and "
            "`conform.on_missing` for it in the contract."
        )
        yield Finding(
            codes.SCHEMA_MISSING_COLUMN,
            name,
            Severity.WARNING if fillable else Severity.ERROR,
            f"Column '{name}' ({spec.kind}) is in the contract but missing from the "
            f"batch. {how}",
            value=None,
            threshold=None,
        )


def unexpected_column(ctx: CheckContext) -> Iterator[Finding]:
    policy = ctx.contract.policies.unexpected_columns
    for name, col in ctx.batch.columns.items():
        if name in ctx.contract.columns:
            continue
        then = {
            "drop": "The gate drops it; add it to the contract if the model should use it.",
            "keep": "The gate keeps it as is; add it to the contract to check it.",
            "fail": "The contract forbids new columns; remove it upstream or add it to "
            "the contract.",
        }[policy]
        yield Finding(
            codes.SCHEMA_UNEXPECTED_COLUMN,
            name,
            Severity.ERROR if policy == "fail" else Severity.WARNING,
            f"Column '{name}' ({col.kind.value}, {_text.share(col.null_rate)} null) is not in "
            f"the contract. {then}",
        )


def type_mismatch(ctx: CheckContext) -> Iterator[Finding]:
    time = ctx.contract.dataset.time
    for name, spec, col in _shared(ctx):
        if col.non_null == 0 or col.physical in _physical_of_spec(spec):
            continue
        is_time = time is not None and time.column == name
        yield _type_finding(name, spec, col, is_time=is_time)


def _type_finding(
    name: str, spec: ColumnSpec, col: ColumnProfile, *, is_time: bool = False
) -> Finding:
    reading = col.readings.of(spec.kind) if col.physical is Physical.STRING else None
    if reading is not None:
        return _text_finding(name, spec, col, reading, is_time=is_time)
    if spec.kind == "boolean" and _is_zero_one(col):
        return Finding(
            codes.SCHEMA_TYPE_MISMATCH,
            name,
            Severity.WARNING,
            f"Column '{name}' is declared boolean and arrived as integer; every "
            "value is 0 or 1, but its drift is not checked on integers. Cast it "
            "upstream to have it checked.",
            value=col.dtype,
            threshold=spec.dtype,
        )
    actual = "text" if col.physical is Physical.STRING else col.kind.value
    msg = f"Column '{name}' is declared {spec.kind} but arrived as {actual}"
    severity = Severity.ERROR
    if spec.kind == "integer" and col.physical is Physical.FLOAT:
        msg += (
            " (often a sign of nulls upstream). Cast it to integer upstream or "
            "declare it float."
        )
        severity = Severity.WARNING
    else:
        msg += f" ({col.dtype}). Cast it to {spec.dtype} upstream or fix the contract."
    return Finding(
        codes.SCHEMA_TYPE_MISMATCH,
        name,
        severity,
        msg,
        value=col.dtype,
        threshold=spec.dtype,
    )


_HOW_TO_WRITE = {
    "integer": "Strip the formatting upstream",
    "float": "Strip the formatting upstream",
    "boolean": "Write them as true or false upstream",
    "datetime": "Write them as ISO 8601 upstream",
}


def _text_finding(
    name: str, spec: ColumnSpec, col: ColumnProfile, reading: Reading, *, is_time: bool
) -> Finding:
    """A text column declared integer, float, boolean or datetime (see
    ``profiles.readings``): accepted when every value reads losslessly as the kind."""
    kind = spec.kind
    if reading.count >= col.non_null:
        return _readable_text_finding(name, spec, col)
    failing = 1 - reading.count / col.non_null
    shown = ", ".join(repr(_short(v)) for v in reading.misses[:3])
    example = f", e.g. {shown}" if shown else ""
    evidence: dict[str, Any] | None = None
    if kind in ("integer", "float"):
        phrase, evidence = diagnosed.text_evidence(reading)
        example = f", {phrase}" if phrase else example
    msg = (
        f"Column '{name}' is declared {kind} but arrived as text: "
        f"{_text.share(failing)} of values do not read as {kind}{example}. "
    )
    if spec.coerce:
        msg += (
            "The gate reads what it can (`coerce: true`) and nulls or quarantines the "
            "rest (`conform.on_coerce_error`); fix them upstream."
        )
    else:
        msg += f"{_HOW_TO_WRITE[kind]} or set `coerce: true` for it."
    if is_time:
        msg += " Freshness and gaps are not checked until every value reads."
    return Finding(
        codes.SCHEMA_TYPE_MISMATCH,
        name,
        Severity.WARNING if spec.coerce else Severity.ERROR,
        msg,
        value=col.dtype,
        threshold=spec.dtype,
        evidence=evidence or None,
    )


_UNCHECKED_ON_TEXT = {
    "integer": ("its range and drift are", "them"),
    "float": ("its range and drift are", "them"),
    "boolean": ("its drift is", "it"),
}
"""What a text column that reads as the kind still misses: profiles keep no numbers
or booleans parsed from text (they do keep times, so datetimes miss nothing)."""


def _readable_text_finding(name: str, spec: ColumnSpec, col: ColumnProfile) -> Finding:
    kind = spec.kind
    msg = (
        f"Column '{name}' is declared {kind} and arrived as text; every value reads as "
    )
    if kind == "datetime":
        msg += "datetime, so it is checked as datetime. Cast it upstream to skip the "
        msg += "parsing."
    else:
        unchecked, pronoun = _UNCHECKED_ON_TEXT[kind]
        msg += (
            f"{kind}, but {unchecked} not checked on text. Cast it upstream to have "
            f"{pronoun} checked."
        )
    return Finding(
        codes.SCHEMA_TYPE_MISMATCH,
        name,
        Severity.INFO if kind == "datetime" else Severity.WARNING,
        msg,
        value=col.dtype,
        threshold=spec.dtype,
    )


def _is_zero_one(col: ColumnProfile) -> bool:
    m = col.moments
    return (
        col.physical is Physical.INTEGER
        and m.count > 0
        and m.min is not None
        and m.max is not None
        and m.min >= 0
        and m.max <= 1
    )


# ----------------------------------------------------------------------- nulls
def null_rate(ctx: CheckContext) -> Iterator[Finding]:
    for name, spec, col in _shared(ctx):
        missing = col.nulls + (col.nan if col.physical is Physical.FLOAT else 0)
        rate = missing / col.rows if col.rows else 0.0
        if missing == 0:
            continue
        change = diagnosed.encoding_change(ctx, name, spec, col)
        if change is not None and (not spec.nullable or rate > spec.max_null_rate):
            yield diagnosed.encoding_finding(name, change)
            continue
        if not spec.nullable:
            yield Finding(
                codes.NULLS_RATE,
                name,
                Severity.ERROR,
                f"Column '{name}' has {missing:,} null values ({_text.share(rate)}) but the "
                "contract says it is never null. Fix the source, or set `nullable: true` "
                "and a `conform.on_null` policy for it.",
                value=rate,
                threshold=0.0,
            )
        elif rate > spec.max_null_rate:
            severe = rate > 2 * spec.max_null_rate + 0.05
            yield Finding(
                codes.NULLS_RATE,
                name,
                Severity.ERROR if severe else Severity.WARNING,
                f"Column '{name}' is {_text.share(rate)} null; the contract tolerates "
                f"{_text.share(spec.max_null_rate)}. Look for a failed join or a source that "
                "stopped sending it.",
                value=rate,
                threshold=spec.max_null_rate,
            )


def null_encoding(ctx: CheckContext) -> Iterator[Finding]:
    """``nulls.encoding`` where the way of writing unknown changed and
    ``nulls.rate`` has not already said so."""
    for name, spec, col in _shared(ctx):
        missing = col.nulls + (col.nan if col.physical is Physical.FLOAT else 0)
        rate = missing / col.rows if col.rows else 0.0
        if missing and (not spec.nullable or rate > spec.max_null_rate):
            continue  # nulls.rate reports it, with this cause
        change = diagnosed.encoding_change(ctx, name, spec, col)
        if change is not None:
            yield diagnosed.encoding_finding(name, change)


# ----------------------------------------------------------------------- range
def out_of_bounds(ctx: CheckContext) -> Iterator[Finding]:
    for name, spec, col in _shared(ctx):
        rng = spec.range
        if rng is None or col.physical not in (Physical.INTEGER, Physical.FLOAT):
            continue
        m = col.moments
        below = rng.min is not None and m.min is not None and m.min < rng.min
        above = rng.max is not None and m.max is not None and m.max > rng.max
        inf = (col.posinf if rng.max is not None else 0) + (
            col.neginf if rng.min is not None else 0
        )
        if not (below or above or inf):
            continue
        share = _share_outside(
            col, rng.min if below else None, rng.max if above else None
        )
        share += inf / col.rows if col.rows else 0.0
        ref = None if ctx.reference is None else ctx.reference.columns.get(name)
        yield diagnosed.range_finding(name, spec, col, share=share, reference=ref)


def _share_outside(col: ColumnProfile, lo: float | None, hi: float | None) -> float:
    if col.rows == 0 or col.quantiles.is_empty or (lo is None and hi is None):
        return 0.0
    points = [p for p in (lo, hi) if p is not None]
    cdf = dict(zip(points, col.quantiles.cdf(points), strict=True))
    frac = 0.0
    if lo is not None:
        frac += cdf[lo]
    if hi is not None:
        frac += 1 - cdf[hi]
    n_finite = col.moments.count
    return max(frac, 1 / n_finite if n_finite else 0.0) * n_finite / col.rows


# ------------------------------------------------------------------ categories
def unseen_category(ctx: CheckContext) -> Iterator[Finding]:
    for name, spec, col in _shared(ctx):
        if (
            not spec.categories
            or col.physical is not Physical.STRING
            or not col.non_null
        ):
            continue
        allowed = set(spec.categories)
        if not col.frequent.is_tracked:
            yield _uncounted_finding(name, allowed, col)
            continue
        unseen = [(v, n) for v, n in col.frequent.top(10_000) if v not in allowed]
        if not unseen:
            continue
        yield _unseen_finding(ctx, name, allowed, unseen, col)


def _uncounted_finding(name: str, allowed: set[str], col: ColumnProfile) -> Finding:
    """The batch's values read as free text or ids, so they were not counted: say so,
    with what the profile does know (distinct count, padding, a few values)."""
    about = "" if col.distinct.is_exact else "about "
    msg = (
        f"Column '{name}' has {about}{col.distinct_count:,.0f} distinct values, read as "
        "free text or identifiers and so not counted one by one: they cannot be "
        f"matched to the {len(allowed)} categories in the contract."
    )
    folded = {a.strip().casefold(): a for a in allowed}
    near = [
        (v, folded[v.strip().casefold()])
        for v in col.non_numeric_examples
        if v not in allowed and v.strip().casefold() in folded
    ]
    if near and col.padded:
        v, a = near[0]
        msg += (
            f" {_text.share(col.padded / col.non_null)} of values carry surrounding "
            f"whitespace, and those seen differ from categories only by it (e.g. "
            f"{_short(v)!r} vs {_short(a)!r}); set `conform.normalize: true` or trim "
            "upstream."
        )
    else:
        msg += " Check that the right column arrived."
    return Finding(
        codes.CATEGORY_UNSEEN,
        name,
        Severity.ERROR,
        msg,
        value=col.distinct_count,
        threshold=len(allowed),
    )


def _unseen_finding(
    ctx: CheckContext,
    name: str,
    allowed: set[str],
    unseen: list[tuple[str, int]],
    col: ColumnProfile,
) -> Finding:
    rows = sum(n for _, n in unseen)
    share = rows / col.non_null
    cause = diagnosed.unseen_cause(ctx, name, allowed, unseen, col)
    if cause is not None:
        head, fix, evidence = cause
        return Finding(
            codes.CATEGORY_UNSEEN,
            name,
            Severity.ERROR if share >= UNSEEN_ERROR_SHARE else Severity.WARNING,
            head + fix,
            value={"values": [_short(v, 200) for v, _ in unseen[:20]], "share": share},
            threshold=UNSEEN_ERROR_SHARE,
            evidence=evidence,
        )
    folded = {a.strip().casefold(): a for a in allowed}
    near = [
        (v, folded[v.strip().casefold()])
        for v, _ in unseen
        if v.strip().casefold() in folded
    ]
    shown = ", ".join(repr(_short(v)) for v, _ in unseen[:5])
    more = f" and {len(unseen) - 5} more" if len(unseen) > 5 else ""
    msg = (
        f"Column '{name}' has {len(unseen)} value(s) not in the contract ({shown}"
        f"{more}) on {_text.share(share)} of rows."
    )
    if near and len(near) == len(unseen):
        v, a = near[0]
        msg += (
            f" They differ from known categories only by whitespace or case (e.g. "
            f"{_short(v)!r} vs {_short(a)!r}); set `conform.normalize: true` or trim upstream."
        )
    else:
        msg += (
            " Add them to `categories` if they are real, or map them with "
            "`conform.on_unseen`."
        )
    return Finding(
        codes.CATEGORY_UNSEEN,
        name,
        Severity.ERROR if share >= UNSEEN_ERROR_SHARE else Severity.WARNING,
        msg,
        value={"values": [_short(v, 200) for v, _ in unseen[:20]], "share": share},
        threshold=UNSEEN_ERROR_SHARE,
    )


# ---------------------------------------------------------------------- unique
def duplicates(ctx: CheckContext) -> Iterator[Finding]:
    for name, spec, col in _shared(ctx):
        if not spec.unique or col.non_null == 0:
            continue
        dup, exact = _duplicates(col)
        if dup <= 0:
            continue
        about = "" if exact else "about "
        yield Finding(
            codes.UNIQUE_DUPLICATES,
            name,
            Severity.ERROR,
            f"Column '{name}' must be unique but {about}{dup:,.0f} of {col.non_null:,} "
            "values repeat. Deduplicate upstream, or set `unique: false` if repeats are "
            "expected.",
            value=dup,
            threshold=0,
        )


def _duplicates(col: ColumnProfile) -> tuple[float, bool]:
    if col.frequent.is_exact and col.frequent.counts:
        return float(sum(n - 1 for n in col.frequent.counts.values())), True
    values = col.non_null - col.nan  # NaN is not hashed into the distinct sketch
    if col.distinct.is_exact:
        return float(values - col.distinct_count), True
    # Past the sketch's exact range: report only what exceeds 3 standard errors.
    est = values - col.distinct_count
    rse = col.distinct.relative_error
    return (est if est > 3 * rse * col.non_null else 0.0), False


# ---------------------------------------------------------------------- volume
def row_count(ctx: CheckContext) -> Iterator[Finding]:
    rows = ctx.batch.rows
    spec = ctx.contract.dataset.rows
    if rows == 0:
        yield Finding(
            codes.VOLUME_ROW_COUNT,
            None,
            Severity.ERROR,
            "The batch has no rows. Check that the upstream job ran and wrote "
            "its output.",
            value=0,
            threshold={"min": spec.min, "max": spec.max},
        )
        return
    low = spec.min is not None and rows < spec.min
    high = spec.max is not None and rows > spec.max
    if low or high:
        word = "fewer" if low else "more"
        if spec.min is not None and spec.max is not None:
            expected = f"{spec.min:,} to {spec.max:,}"
        else:  # one side open (formatting None with ',' used to raise ValueError)
            expected = f"{'minimum' if low else 'maximum'} of {spec.min if low else spec.max:,}"
        yield Finding(
            codes.VOLUME_ROW_COUNT,
            None,
            Severity.WARNING,
            f"The batch has {rows:,} rows, {word} than the expected {expected} rows. "
            "Check for a partial load or a duplicated one, or update `dataset.rows`.",
            value=rows,
            threshold={"min": spec.min, "max": spec.max},
        )


# ------------------------------------------------------------------------ time
def _time_column(ctx: CheckContext) -> tuple[str, ColumnProfile] | None:
    spec = ctx.contract.dataset.time
    if spec is None:
        return None
    col = ctx.batch.columns.get(spec.column)
    if col is None or col.time.min is None:
        return None
    # Text whose every value reads as a datetime is checked on the times it reads as.
    as_text = (
        col.physical is Physical.STRING and col.readings.datetime.count == col.non_null
    )
    return (spec.column, col) if col.kind is Kind.DATETIME or as_text else None


def time_gap(ctx: CheckContext) -> Iterator[Finding]:
    found = _time_column(ctx)
    if found is None or ctx.contract.dataset.time is None:
        return
    name, col = found
    yield from diagnosed.gap_findings(ctx, name, col)


def freshness(ctx: CheckContext) -> Iterator[Finding]:
    found = _time_column(ctx)
    spec = ctx.contract.dataset.time
    if found is None or spec is None or spec.max_staleness_seconds is None:
        return
    name, col = found
    assert col.time.max is not None
    now = ctx.now or datetime.now(UTC)
    if now.tzinfo is None:  # profile times are UTC; a naive now is too, not local time
        now = now.replace(tzinfo=UTC)
    age = now.timestamp() - col.time.max / 1e6
    if age > spec.max_staleness_seconds:
        yield Finding(
            codes.TIME_FRESHNESS,
            name,
            Severity.WARNING,
            f"The newest row in '{name}' is from {micros_to_text(col.time.max)} UTC, "
            f"{_text.duration(age)} old; the contract allows {_text.duration(spec.max_staleness_seconds)}. "
            "Check that the upstream refresh ran.",
            value=age,
            threshold=spec.max_staleness_seconds,
        )


# ----------------------------------------------------------------------- label
def label_imbalance(ctx: CheckContext) -> Iterator[Finding]:
    spec = ctx.contract.dataset.label
    if spec is None:
        return
    col = ctx.batch.columns.get(spec.column)
    if col is None or col.non_null == 0 or not col.frequent.is_tracked:
        return
    counts = dict(col.frequent.top(1000))
    expected = set(spec.classes or {})
    present = {k for k, v in counts.items() if v > 0}
    if not present:  # values not counted (float labels): the balance is unknown
        return
    if len(present) < 2:
        only = next(iter(present))
        missing = sorted(expected - present)
        yield Finding(
            codes.LABEL_IMBALANCE,
            spec.column,
            Severity.ERROR,
            f"Label '{spec.column}' has a single class ({only!r}) in this batch"
            + (f"; {', '.join(map(repr, missing))} never occurs" if missing else "")
            + ". A model cannot be trained or evaluated on it; check the label join.",
            value={"minority_share": 0.0},
            threshold=spec.min_minority_share,
        )
        return
    absent = sorted(expected - present)
    if absent:
        yield Finding(
            codes.LABEL_IMBALANCE,
            spec.column,
            Severity.WARNING,
            f"Class {absent[0]!r} of label '{spec.column}' never occurs in this batch"
            + (f" (nor {', '.join(map(repr, absent[1:]))})" if absent[1:] else "")
            + f"; the contract expects about {_text.share((spec.classes or {})[absent[0]])} "
            "of rows. Check the labelling job and the label join.",
            value={"class": absent[0], "minority_share": 0.0},
            threshold=spec.min_minority_share,
        )
        return
    balance = class_balance(col)
    if balance is None:
        return
    limit = spec.min_minority_share
    if limit is not None and balance.share < limit:
        yield Finding(
            codes.LABEL_IMBALANCE,
            spec.column,
            Severity.WARNING,
            f"Minority class {balance.minority!r} of label '{spec.column}' is "
            f"{_text.share(balance.share)} of rows ({balance.ratio_text}); the "
            f"contract expects at least {_text.share(limit)}. Check the labelling "
            "job, and rebalance or reweight before training.",
            value=balance.value,
            threshold=limit,
        )
        return
    note = imbalance_note(balance, spec.info_below_share)
    if note is not None:
        yield note


BUILTIN_CHECKS: Mapping[str, CheckFn] = MappingProxyType(
    {
        codes.SCHEMA_MISSING_COLUMN: missing_column,
        codes.SCHEMA_UNEXPECTED_COLUMN: unexpected_column,
        codes.SCHEMA_TYPE_MISMATCH: type_mismatch,
        codes.NULLS_RATE: null_rate,
        codes.NULLS_ENCODING: null_encoding,
        codes.RANGE_OUT_OF_BOUNDS: out_of_bounds,
        codes.CATEGORY_UNSEEN: unseen_category,
        codes.CATEGORY_VARIANTS: diagnosed.variants,
        codes.UNIQUE_DUPLICATES: duplicates,
        codes.VOLUME_ROW_COUNT: row_count,
        codes.TIME_GAP: time_gap,
        codes.TIME_FRESHNESS: freshness,
        codes.LABEL_IMBALANCE: label_imbalance,
    }
)
"""The built-in checks by id, in the order they run (the runner sorts the findings)."""
