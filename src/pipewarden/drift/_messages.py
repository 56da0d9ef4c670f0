"""One sentence per comparison: what changed, by how much, how sure, what to do."""

from __future__ import annotations

import numpy as np

from pipewarden._text import number, p_value, share
from pipewarden.checks import codes
from pipewarden.drift.results import ColumnComparison
from pipewarden.drift.segments import Located
from pipewarden.drift.stats import statistics
from pipewarden.drift.stats._inputs import (
    OTHER,
    CategoricalPair,
    NumericPair,
    Pair,
    ProportionPair,
    TextPair,
    most_changed,
)

NAMES = {
    "wasserstein": "Wasserstein distance",
    "js": "Jensen-Shannon distance",
    "psi": "PSI",
    "linf": "largest share change",
    "ks": "KS statistic",
    "chi2": "chi-square",
    "null_rate": "Cohen's h",
    "text_length": "standardised length change",
    "label_shift": "Cohen's h",
}
UNITS = {"wasserstein": " std"}
ACTION = {
    "numeric": "Check the source for a change in units, scale or population; retrain "
    "if the change is real.",
    "categorical": "Check the source for new or renamed values; retrain if the change "
    "is real.",
    "text": "Check the source for a change in how this text is written or truncated.",
    "nulls": "Look for a failed join or a source that stopped sending it.",
    codes.LABEL_SHIFT: "Check the labelling job; if the population really changed, "
    "recalibrate or retrain.",
}


def num(x: float) -> str:
    """A statistic or a mean: four significant digits."""
    return number(x, 4)


def message(
    c: ColumnComparison, pair: Pair, where: Located | None, alpha: float
) -> str:
    """The finding message for a comparison.

    Its words follow the verdict and never contradict the figures it shows: a
    comparison is "stable" only when its effect is below its threshold (or, for a pure
    test, its p-value is not below the significance level); an effect past its
    threshold that is not significant says so instead.
    """
    evidence = _evidence(c)
    if isinstance(pair, ProportionPair):
        return _nulls(c, pair, evidence, where, alpha)
    subject = {
        codes.LABEL_SHIFT: f"Label '{c.column}'",
        codes.DRIFT_PREDICTION: f"Prediction '{c.column}'",
    }.get(c.check, f"Column '{c.column}'")
    what = _what_changed(pair)
    if not c.drifted and _past_threshold(c):
        return f"{subject} changed ({what}) {_not_significant(evidence, alpha)}"
    if not c.drifted:
        return f"{subject} is stable: {evidence}."
    action = (
        ACTION[codes.LABEL_SHIFT]
        if c.check == codes.LABEL_SHIFT
        else ACTION.get(_input(pair), "")
    )
    located = f" {_segment_text(c.column, where)}" if where is not None else ""
    return f"{subject} drifted: {what}; {evidence}.{located} {action}"


def _evidence(c: ColumnComparison) -> str:
    """The statistic, its threshold and the p-value, e.g. ``PSI 0.3 (threshold 0.1,
    ks p = 0.002)``; for a pure test, ``KS statistic 0.3 (ks p = 0.2, significance
    level 0.01)``, since its threshold bounds the p-value, not the statistic."""
    name = NAMES.get(c.statistic, c.statistic)
    unit = UNITS.get(c.statistic, "")
    if _is_test(c):
        p = p_value(c.p_value) if c.p_value is not None else "no p-value"
        return (
            f"{name} {num(c.score)} ({c.test} {p}, significance level "
            f"{num(c.threshold)})"
        )
    score, threshold = _apart(c.score, c.threshold)
    evidence = f"{name} {score}{unit} (threshold {threshold}{unit}"
    if c.p_value is None:
        return evidence + ")"
    return evidence + f", {c.test} {p_value(c.p_value)})"


def _is_test(c: ColumnComparison) -> bool:
    """A pure test decides (e.g. ``drift: {statistic: ks}``): its threshold is alpha."""
    stat = statistics().get(c.statistic)
    return stat is not None and stat.role == "test"


def _past_threshold(c: ColumnComparison) -> bool:
    return not _is_test(c) and c.score >= c.threshold


def _not_significant(evidence: str, alpha: float) -> str:
    return (
        f"but not significantly: {evidence}. The change passes its threshold, but "
        f"only p < {num(alpha)} counts as drift: it may be noise. Compare more rows "
        "to tell."
    )


def _apart(score: float, threshold: float) -> tuple[str, str]:
    """Score and threshold as text, with enough digits that they never read equal
    when they differ (0.09996 against 0.1 shows ``0.09996``, not ``0.1``)."""
    for digits in range(4, 16):
        a, b = number(score, digits), number(threshold, digits)
        if a != b or score == threshold:
            return a, b
    return number(score, 17), number(threshold, 17)


def _input(pair: Pair) -> str:
    return {
        NumericPair: "numeric",
        CategoricalPair: "categorical",
        TextPair: "text",
    }.get(type(pair), "numeric")


def change(pair: Pair) -> str:
    """A few words on what moved, for tables."""
    if isinstance(pair, ProportionPair):
        return f"null {share(pair.reference_share)} -> {share(pair.current_share)}"
    if isinstance(pair, NumericPair):
        return f"mean {num(pair.reference.mean)} -> {num(pair.current.mean)}"
    return _what_changed(pair).removesuffix(" of rows")


def _what_changed(pair: Pair) -> str:
    if isinstance(pair, NumericPair):
        half = np.array([0.5])
        r, c = pair.reference, pair.current
        return (
            f"mean {num(r.mean)} -> {num(c.mean)}, median "
            f"{num(float(r.quantile(half)[0]))} -> {num(float(c.quantile(half)[0]))}"
        )
    if isinstance(pair, CategoricalPair):
        ref_shares, cur_shares = pair.binned()
        if not ref_shares.size:
            return "categories changed"
        i = most_changed(ref_shares, cur_shares)
        name = pair.categories[i]
        label = "all other values" if name == OTHER else repr(name)
        return (
            f"{label} {share(float(ref_shares[i]))} -> {share(float(cur_shares[i]))} "
            "of rows"
        )
    if isinstance(pair, TextPair):
        return (
            f"mean length {num(pair.reference.mean)} -> {num(pair.current.mean)} "
            "characters"
        )
    return ""


def _nulls(
    c: ColumnComparison,
    pair: ProportionPair,
    evidence: str,
    where: Located | None,
    alpha: float,
) -> str:
    r, cur = pair.reference_share, pair.current_share
    if not c.drifted and _past_threshold(c):
        return (
            f"Column '{c.column}' null rate changed ({share(r)} -> {share(cur)}) "
            + _not_significant(evidence, alpha)
        )
    if not c.drifted:
        return f"Column '{c.column}' null rate is stable at {share(cur)}: {evidence}."
    direction = "up" if cur > r else "down"
    located = f" {_segment_text(c.column, where)}" if where is not None else ""
    action = (
        ACTION["nulls"]
        if cur > r
        else "Check that missing values are not being filled with a default upstream."
    )
    return (
        f"Column '{c.column}' is {share(cur)} null, {direction} from {share(r)}: "
        f"{evidence}.{located} {action}"
    )


def _segment_text(column: str, where: Located) -> str:
    part = share(where.share)
    if where.what == "nulls":
        return (
            f"The nulls in '{column}' come from {where.column}={where.value}: "
            f"{part} of the new nulls."
        )
    if where.what == "mean":
        return (
            f"The shift in '{column}' comes from {where.column}={where.value}: "
            f"{part} of the mean change."
        )
    return (
        f"The change of {where.what} in '{column}' comes from "
        f"{where.column}={where.value}: {part} of it."
    )
