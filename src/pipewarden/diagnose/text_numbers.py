"""Text where a number was expected: why each value does not read as one.

The reasons, tried in order (the first that fits names the value's problem):

- ``formatted``: currency or thousands separators, ``$33,000.00``, ``1,234``;
- ``decimal_comma``: ``1,2`` or ``-0,75`` (a comma where the point goes);
- ``range``: two numbers as a range, ``3-5``, ``10 to 20``;
- ``unit``: a number with a unit or symbol around it, ``3 kg``, ``12cm``, ``45%``;
- ``missing_word``: a word for "unknown", ``n/a``, ``unknown``, ``?``, ``-``;
- ``text``: anything else.

The check reports them with examples from the profile; the gate quarantines such
rows with the reason (``conform.on_coerce_error: quarantine``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any, Final

import polars as pl

__all__ = ["REASONS", "classify", "classify_expr", "summary"]

_NUM = r"[-+]?(?:[0-9]+(?:[.,][0-9]+)?|[.,][0-9]+)"
PATTERNS: Final = (
    (
        "formatted",
        r"\(?[-+]?[$€£¥]?\s*[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]*)?\)?"
        r"|\(?[-+]?[$€£¥]\s*[0-9]*\.?[0-9]+\)?",
    ),
    ("decimal_comma", r"[-+]?[0-9]*,[0-9]+"),
    ("range", rf"{_NUM}\s*(?:-|–|to)\s*{_NUM}"),
    ("unit", rf"(?:[$€£¥]\s*{_NUM}|{_NUM}\s*[a-zA-Zµ°%\"'/][a-zA-Z0-9µ°%\"'/. ]*)"),
    (
        "missing_word",
        r"(?i)(?:n/?a|na|nan|null|none|unknown|missing|\?+|-+|\.|tbd|not available)",
    ),
)
REASONS: Final = {
    "formatted": "numbers with currency or thousands separators",
    "decimal_comma": "a decimal comma",
    "unit": "a number with a unit",
    "missing_word": "a word for unknown",
    "range": "a range of numbers",
    "text": "text that is no number",
}
_COMPILED = tuple((name, re.compile(p)) for name, p in PATTERNS)


def classify(text: str) -> str:
    """The reason one value does not read as a number (one of ``REASONS``)."""
    stripped = text.strip()
    for name, pattern in _COMPILED:
        if pattern.fullmatch(stripped):
            return name
    return "text"


def classify_expr(text: pl.Expr) -> pl.Expr:
    """``classify`` as a polars expression over a String column."""
    stripped = text.str.strip_chars()
    expr: Any = pl
    for name, pattern in PATTERNS:
        expr = expr.when(stripped.str.contains(f"^(?:{pattern})$")).then(pl.lit(name))
    done: pl.Expr = expr.otherwise(pl.lit("text"))
    return done


def summary(values: Iterable[str]) -> list[tuple[str, list[str]]]:
    """Reasons with their example values, the most common reason first."""
    by: dict[str, list[str]] = {}
    counts: Counter[str] = Counter()
    for v in values:
        reason = classify(v)
        counts[reason] += 1
        by.setdefault(reason, []).append(v)
    return [(r, by[r]) for r, _ in counts.most_common()]
