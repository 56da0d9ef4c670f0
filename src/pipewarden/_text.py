"""How shares, numbers, p-values and durations read in messages and reports.

One rule per concept, so a share reads the same in a check finding, a conform finding,
a drift message and the HTML report. A leaf module: it imports nothing from pipewarden.
"""

from __future__ import annotations

import math

__all__ = [
    "clip",
    "counted",
    "duration",
    "interval",
    "number",
    "p_value",
    "share",
    "signed_share",
]


def share(x: float) -> str:
    """A share in [0, 1] as a percentage that keeps small and near-total shares honest.

    Rule: exactly 0 is ``0%``; below 0.001% is ``<0.001%``; below 0.1% shows three
    decimals (``0.050%``); below 10% one decimal (``4.2%``); from 10% whole percents
    (``42%``), except that a share short of 1 never reads ``100%``: it shows one
    decimal (``99.6%``), or ``>99.9%`` when even that would round up. Exactly 1 is
    ``100%``.

    Args:
        x: The share, e.g. 0.0005 for one row in 2,000.

    Returns:
        The percentage text.
    """
    if x == 0:
        return "0%"
    if x < 0.00001:
        return "<0.001%"
    if x < 0.001:
        return f"{x:.3%}"
    if x < 0.1:
        return f"{x:.1%}"
    whole = f"{x:.0%}"
    if x < 1 and whole == "100%":
        close = f"{x:.1%}"
        return ">99.9%" if close == "100.0%" else close
    return whole


def signed_share(x: float) -> str:
    """A relative change as a signed percentage, by the rule of :func:`share`.

    ``+25%``, ``-3.5%``, ``+150%``; no change at all reads ``0%``.
    """
    if x == 0:
        return "0%"
    return ("+" if x > 0 else "-") + share(abs(x))


def number(x: float, digits: int = 6) -> str:
    """A number with thousands separators: whole values in full, others rounded.

    Rule: a whole value below 1e15 is written in full (``1,250,000``); any other
    finite value at ``digits`` significant digits (``0.123457``, ``1.23457e+20``);
    ``inf``, ``-inf`` and ``nan`` as Python writes them. Use the default six digits
    for data values (bounds, observed values) and four for statistics and scores.

    Args:
        x: The number.
        digits: Significant digits of a value that is not whole.

    Returns:
        The number as text.
    """
    if not math.isfinite(x):
        return str(float(x))
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:,.{digits}g}"


def interval(low: float | None, high: float | None) -> str:
    """An inclusive range as ``[0, 120]``; an open side reads ``-inf`` or ``inf``.

    The bounds are data values, written by :func:`number` at six digits.
    """
    lo = "-inf" if low is None else number(low)
    hi = "inf" if high is None else number(high)
    return f"[{lo}, {hi}]"


def p_value(p: float) -> str:
    """A p-value as ``p = 0.012`` (two significant digits).

    A p-value below 1e-300 (including one that underflowed to 0) reads
    ``p < 1e-300``, since the floats cannot say how small it really is.
    """
    if p < 1e-300:
        return "p < 1e-300"
    return f"p = {p:.2g}"


def duration(seconds: float) -> str:
    """A length of time in the largest unit that keeps it readable.

    Rule: from two days ``3.5 days``; from two hours ``7.9 hours``; from two
    minutes ``45 minutes``; below that whole seconds (``1 second``, ``90 seconds``).
    """
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.1f} hours"
    if seconds >= 120:
        return f"{seconds / 60:.0f} minutes"
    whole = f"{seconds:.0f}"
    return f"{whole} second" if whole == "1" else f"{whole} seconds"


def clip(text: str, limit: int = 40) -> str:
    """Text cut to ``limit`` characters, the cut marked with an ellipsis, on one line.

    For names and messages inside a one-line summary (a ``repr``): line breaks read
    as spaces, so the summary stays one line whatever the data holds.
    """
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"


def counted(n: int, noun: str) -> str:
    """``1 column``, ``12 columns``: a count with its noun (plural with an s)."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
