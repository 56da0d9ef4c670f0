"""The built-in checks' findings that name their cause (see ``pipewarden.diagnose``).

``builtin.py`` decides *that* something is wrong; the functions here say what it most
likely is, as the finding's first sentence and its ``evidence``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pipewarden import _text
from pipewarden.checks import codes
from pipewarden.checks.context import CheckContext
from pipewarden.checks.findings import Finding, Severity
from pipewarden.contracts.model import ColumnSpec
from pipewarden.diagnose import gaps, labels, sentinels, text_numbers, units
from pipewarden.profiles.column import ColumnProfile, Physical
from pipewarden.profiles.readings import Reading
from pipewarden.profiles.sketches import micros_to_text

OUT_OF_RANGE_ERROR_SHARE = 0.01
"""Out-of-range values on at least this share of rows are an error."""
GAP_ERROR_FACTOR = 3.0
"""A gap this many times the tolerated gap is an error."""
VARIANT_MIN_ROWS = 2


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _reference_column(ctx: CheckContext, name: str) -> ColumnProfile | None:
    return None if ctx.reference is None else ctx.reference.columns.get(name)


# ----------------------------------------------------------------------- range
def range_finding(
    name: str,
    spec: ColumnSpec,
    col: ColumnProfile,
    *,
    share: float,
    reference: ColumnProfile | None,
) -> Finding:
    """``range.out_of_bounds`` with the values split by side and the likely cause."""
    rng = spec.range
    assert rng is not None
    m = col.moments
    values, weights = col.quantiles.weighted()
    ref = (
        reference.quantiles.weighted()
        if reference is not None and not reference.quantiles.is_empty
        else None
    )
    sides = units.out_of_range_sides(
        values,
        weights,
        rows=col.rows,
        low=rng.min,
        high=rng.max,
        reference=ref,
        column=name,
    )
    inf = (col.posinf if rng.max is not None else 0) + (
        col.neginf if rng.min is not None else 0
    )
    return out_of_range_finding(
        name,
        sides,
        share=share,
        allowed=(rng.min, rng.max),
        observed=(m.min, m.max) if m.count else None,
        infinite=inf,
        sentinels=spec.missing_values or [],
    )


def out_of_range_finding(
    name: str,
    sides: list[units.Side],
    *,
    share: float,
    allowed: tuple[float | None, float | None],
    observed: tuple[float | None, float | None] | None,
    infinite: int = 0,
    sentinels: list[float] | None = None,
    parsed_from_text: bool = False,
) -> Finding:
    """The finding for values outside ``allowed``: shared by the profile check and
    the rows of a text column read as numbers."""
    evidence: dict[str, Any] = {s.direction: s.to_dict() for s in sides}
    explained = [s for s in sides if s.conversion is not None]
    code = _single_code(sides, sentinels or [])
    lead = f"Column '{name}'" + (
        " (numbers read from text)" if parsed_from_text else ""
    )
    if explained:
        best = max(explained, key=lambda s: s.count)
        conv = best.conversion
        assert conv is not None
        evidence.update(
            cause="unit", conversion=conv.to_dict(), examples=list(best.examples)
        )
        head = (
            f"{lead}: likely {conv.arrived} where {conv.expected} is expected: "
            + "; and ".join(s.sentence() for s in sides)
            + "."
        )
        fix = f" Convert them upstream ({conv.formula}), or fix the source's unit."
    elif code is not None:
        evidence.update(cause="sentinel", sentinel=code, examples=[code])
        head = (
            f"{lead}: likely a code for unknown: every out-of-range value is "
            f"{_text.number(code)}; " + "; and ".join(s.sentence() for s in sides) + "."
        )
        fix = " Map it to null upstream, or name it in `missing_values`."
    else:
        evidence["examples"] = [x for s in sides for x in s.examples]
        parts = [_side_phrase(s) for s in sides]
        if infinite:
            parts.append(f"{infinite:,} infinite value(s)")
        head = f"{lead} has " + " and ".join(parts)
        head += f", outside the allowed {_text.interval(*allowed)}"
        if observed is not None and observed[0] is not None:
            head += f" (observed {_text.interval(*observed)})"
        head += "."
        fix = " Check the units upstream, or widen `range` if the change is real."
    if infinite and (explained or code is not None):
        head += f" There are also {infinite:,} infinite value(s)."
    lo, hi = observed if observed is not None else (None, None)
    return Finding(
        codes.RANGE_OUT_OF_BOUNDS,
        name,
        Severity.ERROR if share >= OUT_OF_RANGE_ERROR_SHARE else Severity.WARNING,
        head + fix,
        value={"min": lo, "max": hi, "share": share},
        threshold={"min": allowed[0], "max": allowed[1]},
        evidence=evidence,
    )


def _side_phrase(side: units.Side) -> str:
    examples = ", ".join(_text.number(v) for v in side.examples)
    return (
        f"{side.count:,} value(s) ({_text.share(side.share)}) {side.direction} the "
        f"{side.word} {_text.number(side.bound)} (e.g. {examples})"
    )


def _single_code(sides: list[units.Side], known: list[float]) -> float | None:
    """The one value every out-of-range value is, when it is a code for unknown."""
    if len(sides) != 1 or len(sides[0].examples) != 1:
        return None
    side = sides[0]
    value = side.examples[0]
    if side.count < sentinels.MIN_COUNT:
        return None
    return value if value in known or value in sentinels.CODES else None


# ----------------------------------------------------------------- categories
def unseen_cause(
    ctx: CheckContext,
    name: str,
    allowed: set[str],
    unseen: list[tuple[str, int]],
    col: ColumnProfile,
) -> tuple[str, str, dict[str, Any]] | None:
    """(first sentence, advice, evidence) when the unseen values have a cause."""
    found = labels.disguise(unseen, allowed, non_null=col.non_null)
    if found is not None:
        rows = found.rows
        head = f"Column '{name}': {found.sentence(rows / col.non_null)}."
        fix = " Set `conform.normalize: true` or trim them upstream."
        return head, fix, found.to_dict()
    counts = dict(col.frequent.top(10_000))
    vanished = _vanished(ctx, name, allowed, counts)
    if not vanished:
        return None
    shares = {v: n / col.non_null for v, n in unseen}
    pairs = labels.find_renames(shares, vanished)
    if not pairs:
        return None
    renamed = {p.new for p in pairs}
    rest = [v for v, _ in unseen if v not in renamed]
    head = f"Column '{name}': likely renamed categories: " + ", ".join(
        p.phrase() for p in pairs
    )
    if rest:
        shown = ", ".join(repr(_short(v)) for v in rest[:5])
        head += f"; {len(rest)} other unseen value(s) ({shown})"
    head += "."
    fix = (
        " Map the new names to the old upstream, or update `categories` if the "
        "rename is meant."
    )
    evidence = {
        "cause": "rename",
        "renames": [p.to_dict() for p in pairs],
        "examples": [p.new for p in pairs],
    }
    return head, fix, evidence


def _vanished(
    ctx: CheckContext, name: str, allowed: set[str], counts: dict[str, int]
) -> dict[str, float | None]:
    """Categories absent from the batch, with their reference share when known."""
    absent = [a for a in allowed if not counts.get(a)]
    ref = _reference_column(ctx, name)
    if ref is None or not ref.frequent.is_tracked or not ref.non_null:
        return dict.fromkeys(absent)
    ref_counts = dict(ref.frequent.top(10_000))
    return {a: ref_counts[a] / ref.non_null for a in absent if ref_counts.get(a, 0) > 0}


def variants(ctx: CheckContext) -> Iterator[Finding]:
    """``category.variants``: labels of one batch that differ only by case or space."""
    for name, spec in ctx.contract.columns.items():
        col = ctx.batch.columns.get(name)
        if (
            col is None
            or col.physical is not Physical.STRING
            or not col.frequent.is_tracked
            or not col.non_null
        ):
            continue
        groups = labels.variant_groups(col.frequent.top(10_000))
        allowed = set(spec.categories or ())
        if allowed:  # values outside the categories are category.unseen's
            groups = [g for g in groups if all(v in allowed for v, _ in g)]
        groups = [g for g in groups if sum(n for _, n in g) >= VARIANT_MIN_ROWS]
        if not groups:
            continue
        known = allowed | _reference_values(ctx, name)
        new = any(v not in known for g in groups for v, _ in g)
        yield _variants_finding(
            name, groups, col, Severity.WARNING if new and known else Severity.INFO
        )


def _reference_values(ctx: CheckContext, name: str) -> set[str]:
    ref = _reference_column(ctx, name)
    if ref is None or not ref.frequent.is_tracked:
        return set()
    return {v for v, n in ref.frequent.top(10_000) if n > 0}


def _variants_finding(
    name: str,
    groups: list[list[tuple[str, int]]],
    col: ColumnProfile,
    severity: Severity,
) -> Finding:
    rows = sum(n for g in groups for _, n in g[1:])
    shown = "; ".join(
        " / ".join(f"{_short(v)!r} ({n:,})" for v, n in g[:3]) for g in groups[:3]
    )
    return Finding(
        codes.CATEGORY_VARIANTS,
        name,
        severity,
        f"Column '{name}': labels that differ only by case or whitespace: {shown}. "
        f"{len(groups)} label(s) are written several ways ({_text.share(rows / col.non_null)} "
        "of rows use a less common spelling); trim and fix the case upstream, or set "
        "`conform.normalize: true`.",
        value={"groups": [[v for v, _ in g] for g in groups[:20]], "rows": rows},
        evidence={
            "cause": "variants",
            "groups": [[{"value": v, "rows": n} for v, n in g] for g in groups[:20]],
            "examples": [g[1][0] for g in groups[:5]],
        },
    )


# ---------------------------------------------------------------------- nulls
def encoding_change(
    ctx: CheckContext, name: str, spec: ColumnSpec, col: ColumnProfile
) -> sentinels.EncodingChange | None:
    ref = _reference_column(ctx, name)
    if ref is not None:
        ref_null = ref.missing_rate
    elif not spec.nullable:
        ref_null = 0.0
    else:
        ref_null = max(0.0, (spec.max_null_rate - 0.02) / 1.5)
    if not spec.missing_values and ref is None:
        return None
    return sentinels.encoding_change(
        col, list(spec.missing_values or ()), reference=ref, reference_null=ref_null
    )


def encoding_finding(name: str, change: sentinels.EncodingChange) -> Finding:
    fix = (
        " Restore the old encoding upstream, or map it in the pipeline so the model "
        "sees one meaning of unknown."
    )
    return Finding(
        codes.NULLS_ENCODING,
        name,
        Severity.WARNING,
        change.sentence(name) + "." + fix,
        value={
            "sentinel_share": change.current_sentinel,
            "null_share": change.current_null,
        },
        threshold={
            "sentinel_share": change.reference_sentinel,
            "null_share": change.reference_null,
        },
        evidence=change.to_dict(),
    )


# ----------------------------------------------------------------------- text
def text_evidence(reading: Reading) -> tuple[str, dict[str, Any]]:
    """Why text does not read as a number, from the profile's examples."""
    grouped = text_numbers.summary(reading.misses)
    if not grouped:
        return "", {}
    reason, examples = grouped[0]
    shown = ", ".join(repr(_short(v)) for v in examples[:3])
    phrase = (
        f"e.g. {shown}"
        if reason == "text"
        else f"mostly {text_numbers.REASONS[reason]} (e.g. {shown})"
    )
    return phrase, {
        "cause": "text_in_numeric",
        "reasons": {r: ex for r, ex in grouped},
        "examples": list(reading.misses),
    }


# ----------------------------------------------------------------------- time
def gap_findings(ctx: CheckContext, name: str, col: ColumnProfile) -> Iterator[Finding]:
    """``time.gap`` per silence longer than a few cadence steps."""
    spec = ctx.contract.dataset.time
    assert spec is not None
    limit = spec.max_gap_seconds
    cadence = spec.cadence_seconds
    if cadence is None:
        q = col.intervals.quantiles([0.5])
        cadence = q[0] if q else None
    p99 = col.intervals.quantiles([0.99])
    regular = bool(cadence and p99 and p99[0] <= gaps.REGULAR * cadence)
    info_above = gaps.INFO_STEPS * cadence if cadence and regular else None
    floor = (
        min(x for x in (limit, info_above) if x is not None)
        if (limit is not None or info_above is not None)
        else None
    )
    if floor is None:
        return
    for start, end in sorted(col.time.gaps):
        seconds = (end - start) / 1e6
        if seconds <= floor:
            continue
        yield _gap_finding(name, seconds, start, end, cadence=cadence, limit=limit)


def _gap_finding(
    name: str,
    seconds: float,
    start: int,
    end: int,
    *,
    cadence: float | None,
    limit: float | None,
) -> Finding:
    if limit is not None and seconds > GAP_ERROR_FACTOR * limit:
        severity = Severity.ERROR
    elif limit is not None and seconds > limit:
        severity = Severity.WARNING
    else:
        severity = Severity.INFO
    steps = f" ({gaps.steps_text(seconds, cadence)})" if cadence else ""
    tolerated = (
        f"; the contract tolerates {_text.duration(limit)}" if limit is not None else ""
    )
    begin, finish = micros_to_text(start), micros_to_text(end)
    return Finding(
        codes.TIME_GAP,
        name,
        severity,
        f"Likely an outage: no rows in '{name}' for {_text.duration(seconds)}{steps}, "
        f"from {begin} to {finish} UTC{tolerated}. Check the source (device, feed or "
        "job) for an outage in that window.",
        value={"seconds": seconds, "start": begin, "end": finish},
        threshold=limit,
        evidence=gaps.outage_evidence(seconds, cadence, begin, finish),
    )
