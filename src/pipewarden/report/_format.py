"""How numbers, shares and finding values read in the HTML report.

The rules are those of ``pipewarden._text``; here a missing value reads as empty.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pipewarden import _text
from pipewarden.profiles.sketches import micros_to_text


def number(x: float | None) -> str:
    """A value at six significant digits with thousands separators; '' for None."""
    return "" if x is None else _text.number(x)


def share(x: float | None) -> str:
    """A share in [0, 1] as a percentage that keeps small shares visible."""
    return "" if x is None else _text.share(x)


def score(x: float | None) -> str:
    """A drift score or threshold: four significant digits."""
    return "" if x is None else _text.number(x, 4)


def p_value(x: float | None) -> str:
    """'p = 0.003'; a p-value that underflowed to zero reads 'p < 1e-300'."""
    return "" if x is None else _text.p_value(x)


def timestamp(micros: int | None) -> str:
    """Microseconds since the epoch as a UTC time."""
    if micros is None:
        return ""
    return micros_to_text(micros)


def value(x: Any) -> str:
    """A finding's value or threshold, short and readable."""
    if x is None:
        return ""
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int | float):
        return number(x)
    if isinstance(x, dict):
        return ", ".join(f"{k}: {value(v)}" for k, v in x.items() if v is not None)
    if isinstance(x, list | tuple):
        return ", ".join(value(v) for v in x)
    return json.dumps(x, default=str) if not isinstance(x, str) else x


def sort_key(x: Any) -> str:
    """A number for the table to sort on, or '' when the value is not a number."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        return ""
    return repr(float(x)) if math.isfinite(x) else ""
