"""Multiple-testing corrections: many columns tested at once must not multiply alarms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from pipewarden.errors import DriftError

Correction = Literal["bh", "bonferroni", "none"]
CORRECTIONS: tuple[str, ...] = ("bh", "bonferroni", "none")


def adjust(p_values: Sequence[float], method: str = "bh") -> list[float]:
    """Adjusted p-values, in the input order.

    ``bh`` is Benjamini-Hochberg (controls the share of false alarms among alarms),
    ``bonferroni`` multiplies by the number of tests (controls any false alarm),
    ``none`` leaves them as they are.

    Raises:
        DriftError: Unknown method.
    """
    if method not in CORRECTIONS:
        raise DriftError(
            f"Unknown correction '{method}'. Choose one of: {', '.join(CORRECTIONS)}."
        )
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    if m == 0 or method == "none":
        return [float(x) for x in p]
    if method == "bonferroni":
        return [float(x) for x in np.minimum(1.0, p * m)]
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(1.0, ranked)
    return [float(x) for x in out]
