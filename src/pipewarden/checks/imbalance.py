"""Class balance of a label, read from its profile: the rarest class and what to do.

``label.imbalance`` (in ``check``) and ``pipewarden profile --label`` both tell it
with ``imbalance_note``, so the line is the same wherever it is read.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipewarden import _text
from pipewarden.checks import codes
from pipewarden.checks.findings import Finding, Severity
from pipewarden.contracts.model import IMBALANCE_INFO_SHARE
from pipewarden.profiles.column import ColumnProfile

MAX_CLASSES = 50
"""A label with more distinct values than this is a regression target, not classes."""


@dataclass(frozen=True, slots=True)
class ClassBalance:
    """The rarest class of a label and how many labelled rows it has."""

    column: str
    minority: str
    count: int
    total: int
    classes: int

    @property
    def share(self) -> float:
        return self.count / self.total

    @property
    def value(self) -> dict[str, object]:
        """The findings' ``value``: the class, its share and the ratio."""
        return {
            "class": self.minority,
            "minority_share": self.share,
            "ratio": self.ratio,
        }

    @property
    def ratio(self) -> float:
        """Rows of the other classes per row of the minority class (the 19 of 1 : 19)."""
        return (self.total - self.count) / self.count

    @property
    def ratio_text(self) -> str:
        return f"1 : {self.ratio:,.0f}"


def class_balance(col: ColumnProfile) -> ClassBalance | None:
    """The balance of a label column, or None when its values were not counted or it
    has fewer than two classes."""
    if not col.frequent.is_tracked or col.non_null == 0:
        return None
    counts = [(k, n) for k, n in col.frequent.top(1000) if n > 0]
    if len(counts) < 2:
        return None
    minority, n = min(counts, key=lambda kv: (kv[1], kv[0]))
    return ClassBalance(col.name, minority, n, col.non_null, len(counts))


def imbalance_note(
    balance: ClassBalance, info_below: float = IMBALANCE_INFO_SHARE
) -> Finding | None:
    """An info finding when the minority class is rarer than ``info_below``, else None
    (also for a label with more than ``MAX_CLASSES`` values: a regression target).

    Args:
        balance: The label's class balance (``class_balance``).
        info_below: Share of labelled rows below which the imbalance is told.

    Returns:
        The ``label.imbalance`` finding at ``info``, or None for a balanced label.
    """
    if balance.share >= info_below or balance.classes > MAX_CLASSES:
        return None
    return Finding(
        codes.LABEL_IMBALANCE,
        balance.column,
        Severity.INFO,
        f"Label '{balance.column}' is imbalanced: minority class "
        f"{balance.minority!r} is {_text.share(balance.share)} of rows "
        f"({balance.ratio_text}). Use stratified splits, and class weights or "
        "resampling when training; judge the model by precision and recall, not "
        "accuracy.",
        value=balance.value,
        threshold=info_below,
    )
