"""Champion against challenger on logged predictions and labels: which model is better,
by how much, how sure, and where the answer turns around.

The design comes from the data. When both models scored the same ids (a shadow
deployment: at least half of the smaller side's labelled ids were scored by both) the
comparison is *paired*, on the labelled ids both scored; otherwise it is a *split*
(an A/B test: each id went to one model), on each side's own labelled ids, with the
sample-ratio check of the traffic. The tests are in ``monitor._stats``. The verdict
is ``no_difference`` whenever the 95% interval of the difference contains 0.

Per segment (a value of a segment column) the same figures; a segment is *flagged*
when the challenger is better overall but significantly worse there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from pipewarden.errors import ConfigError
from pipewarden.monitor import _stats
from pipewarden.monitor.performance import HIGHER_IS_BETTER

__all__ = [
    "CLASSIFICATION_METRICS",
    "MIN_SEGMENT_ROWS",
    "REGRESSION_METRICS",
    "ComparisonReport",
    "SegmentComparison",
    "compare_sides",
    "segment_columns",
]

REGRESSION_METRICS = ("mae", "rmse")
CLASSIFICATION_METRICS = ("accuracy", "roc_auc", "log_loss")
SCORED = frozenset({"roc_auc", "log_loss"})
MIN_SEGMENT_ROWS = 30
"""A segment with fewer labelled rows (per side) gets its values but no test."""
MAX_SEGMENT_VALUES = 20
PAIRED_SHARE = 0.5
"""Shared ids, as a share of the smaller side's labelled ids, from which it is paired."""
ID, LABEL, PRED, SCORE = "id", "label", "prediction", "score"
"""The columns of a side: id, label (number or class), prediction (number or
class), score (positive-class probability, may be null), then segment columns."""


@dataclass(frozen=True, slots=True)
class SegmentComparison:
    """The comparison within one value of one segment column."""

    column: str
    value: Any
    rows: int
    champion_value: float | None
    challenger_value: float | None
    difference: float | None
    ci: tuple[float, float] | None
    p_value: float | None
    verdict: str | None
    flagged: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "value": self.value,
            "rows": self.rows,
            "champion_value": self.champion_value,
            "challenger_value": self.challenger_value,
            "difference": self.difference,
            "ci": None if self.ci is None else list(self.ci),
            "p_value": self.p_value,
            "verdict": self.verdict,
            "flagged": self.flagged,
        }


@dataclass(frozen=True, slots=True)
class ComparisonReport:
    """Champion against challenger on one metric (``to_dict()``: the JSON of
    ``models compare --json``)."""

    champion: str
    challenger: str
    metric: str
    design: str
    rows: int
    champion_value: float
    challenger_value: float
    difference: float
    ci: tuple[float, float]
    p_value: float
    verdict: str
    test: str
    segments: tuple[SegmentComparison, ...] = ()
    sample_ratio: _stats.SampleRatio | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def paired(self) -> bool:
        return self.design == "paired"

    @property
    def flagged(self) -> list[SegmentComparison]:
        """The segments where the challenger is worse though better overall."""
        return [s for s in self.segments if s.flagged]

    def to_dict(self) -> dict[str, Any]:
        ratio = self.sample_ratio
        return {
            "champion": self.champion,
            "challenger": self.challenger,
            "metric": self.metric,
            "higher_is_better": self.metric in HIGHER_IS_BETTER,
            "design": self.design,
            "paired": self.paired,
            "rows": self.rows,
            "champion_value": self.champion_value,
            "challenger_value": self.challenger_value,
            "difference": self.difference,
            "ci": list(self.ci),
            "p_value": self.p_value,
            "verdict": self.verdict,
            "test": self.test,
            "sample_ratio": None
            if ratio is None
            else {
                "champion_rows": ratio.champion_rows,
                "challenger_rows": ratio.challenger_rows,
                "expected_share": ratio.expected_share,
                "chi2": ratio.chi2,
                "p_value": ratio.p_value,
                "mismatch": ratio.mismatch,
            },
            "segments": [s.to_dict() for s in self.segments],
            "notes": list(self.notes),
        }


def verdict(difference: _stats.Difference, higher_is_better: bool) -> str:
    """``challenger_better``, ``champion_better`` or ``no_difference`` (the interval
    contains 0, or there is none)."""
    low, high = difference.ci
    if math.isnan(low) or math.isnan(high) or low <= 0 <= high:
        return "no_difference"
    challenger_higher = low > 0
    return (
        "challenger_better"
        if challenger_higher == higher_is_better
        else "champion_better"
    )


def segment_columns(frame: pl.DataFrame, exclude: Sequence[str] = ()) -> list[str]:
    """Text, categorical and boolean columns with 2 to 20 distinct values."""
    found = []
    for name, dtype in frame.schema.items():
        if name in exclude or not (
            dtype == pl.String or dtype == pl.Boolean or dtype == pl.Categorical
        ):
            continue
        if 2 <= frame[name].drop_nulls().n_unique() <= MAX_SEGMENT_VALUES:
            found.append(name)
    return found


def compare_sides(
    champion: pl.DataFrame,
    challenger: pl.DataFrame,
    *,
    names: tuple[str, str],
    task: str,
    metric: str | None = None,
    segments: Sequence[str] = (),
    expected_share: float = 0.5,
) -> ComparisonReport:
    """Compare two models' labelled rows.

    Args:
        champion: The champion's labelled rows: ``id``, ``label``, ``prediction``,
            ``score`` (positive-class probability or null) and segment columns.
        challenger: The challenger's, the same columns.
        names: How to call them (``NAME:VERSION`` each).
        task: ``regression`` or ``classification``.
        metric: ``mae``/``rmse`` or ``accuracy``/``roc_auc``/``log_loss``
            (default: mae, accuracy).
        segments: Segment columns to compare within.
        expected_share: The champion's expected share of a split's traffic.

    Raises:
        ConfigError: An unknown metric for the task, a score metric without scores,
            or no labelled rows to compare.
    """
    chosen = _metric(task, metric)
    if not 0 < expected_share < 1:
        raise ConfigError(
            f"--expected-share {expected_share:g} is not a share: give the champion's "
            "expected share of the traffic, between 0 and 1 (e.g. 0.9 when the "
            "challenger gets 10%)."
        )
    notes: list[str] = []
    smaller = min(champion.height, challenger.height)
    if chosen in SCORED:
        _require_scores(champion, challenger, names)
    positive = _positive(champion, challenger) if task == "classification" else None
    # One join finds the ids both scored and pairs their rows (Python sets of the
    # ids took 2 of the 4 seconds at 1M rows).
    joined = champion.join(
        challenger.select(
            ID, pl.col(PRED).alias("__b_pred"), pl.col(SCORE).alias("__b_score")
        ),
        on=ID,
        how="inner",
    )
    shared = joined.select(ID).unique()
    if shared.height and shared.height >= PAIRED_SHARE * smaller:
        left = champion.height - joined.height
        right = challenger.height - joined.height
        if left or right:
            notes.append(
                f"Paired on the {joined.height:,} labelled ids both models scored; "
                f"{left:,} of the champion's and {right:,} of the challenger's "
                "labelled ids were scored by one model only and are not compared."
            )
        whole = _paired(joined, chosen, positive)
        rows = joined.height
        ratio = None
        parts = [
            (c, v, joined.filter(pl.col(c) == v)) for c, v in _values(joined, segments)
        ]
        found = [
            (
                c,
                v,
                part.height,
                _paired(part, chosen, positive) if part.height else None,
            )
            for c, v, part in parts
        ]
    else:
        if shared.height:
            notes.append(
                f"{shared.height:,} labelled ids were scored by both models; a split "
                "compares each id once, so they are left out of both sides."
            )
            champion = champion.join(shared, on=ID, how="anti")
            challenger = challenger.join(shared, on=ID, how="anti")
        whole = _split(champion, challenger, chosen, positive)
        rows = champion.height + challenger.height
        ratio = _stats.sample_ratio(champion.height, challenger.height, expected_share)
        if ratio.mismatch:
            notes.append(
                f"Sample-ratio mismatch: {champion.height:,} champion rows against "
                f"{challenger.height:,} challenger rows (p = {ratio.p_value:.2g} for an "
                f"expected share of {expected_share:.0%}): the split may be biased; "
                "check how traffic is routed before trusting the verdict."
            )
        found = []
        for c, v in _values(
            pl.concat([champion, challenger], how="diagonal_relaxed"), segments
        ):
            a, b = champion.filter(pl.col(c) == v), challenger.filter(pl.col(c) == v)
            fit = a.height and b.height
            found.append(
                (
                    c,
                    v,
                    min(a.height, b.height),
                    _split(a, b, chosen, positive) if fit else None,
                )
            )
    if rows == 0 or whole is None:
        raise ConfigError(
            f"No labelled rows to compare {names[0]} with {names[1]}: log labels for "
            "their predictions (pipewarden labels log), or widen --since/--until."
        )
    a_value, b_value, diff = whole
    overall = verdict(diff, chosen in HIGHER_IS_BETTER)
    return ComparisonReport(
        champion=names[0],
        challenger=names[1],
        metric=chosen,
        design="paired" if ratio is None else "split",
        rows=rows,
        champion_value=a_value,
        challenger_value=b_value,
        difference=diff.difference,
        ci=diff.ci,
        p_value=diff.p_value,
        verdict=overall,
        test=diff.test,
        segments=tuple(_segment(c, v, n, r, chosen, overall) for c, v, n, r in found),
        sample_ratio=ratio,
        notes=tuple(notes),
    )


# --------------------------------------------------------------------- metrics

_Evaluated = tuple[float, float, _stats.Difference]


def _metric(task: str, metric: str | None) -> str:
    allowed = REGRESSION_METRICS if task == "regression" else CLASSIFICATION_METRICS
    chosen = metric or allowed[0]
    if chosen not in allowed:
        raise ConfigError(
            f"--metric {chosen} is not a {task} metric; use one of {', '.join(allowed)}."
        )
    return chosen


def _require_scores(a: pl.DataFrame, b: pl.DataFrame, names: tuple[str, str]) -> None:
    for name, side in zip(names, (a, b), strict=True):
        if side.is_empty() or side[SCORE].null_count() == side.height:
            raise ConfigError(
                f"{name} has no logged scores: ROC AUC and log loss need the "
                "positive-class probability (log it with predictions log --score), "
                "or compare on --metric accuracy."
            )


def _positive(a: pl.DataFrame, b: pl.DataFrame) -> str:
    classes = sorted(
        set(a[LABEL].drop_nulls().to_list())
        | set(b[LABEL].drop_nulls().to_list())
        | set(a[PRED].drop_nulls().to_list())
        | set(b[PRED].drop_nulls().to_list())
    )
    return str(classes[-1]) if classes else ""


def _losses(
    metric: str,
    label: pl.Series,
    pred: pl.Series,
    score: pl.Series,
    positive: str | None,
) -> tuple[float, NDArray[np.float64]]:
    """The metric's value and its per-row influence values (mean-type metrics)."""
    if metric in ("mae", "rmse"):
        error = pred.cast(pl.Float64).to_numpy() - label.cast(pl.Float64).to_numpy()
        if metric == "mae":
            absolute = np.abs(error)
            return float(absolute.mean()), absolute
        squared = error**2
        rmse = float(math.sqrt(squared.mean()))
        return rmse, squared / (2 * rmse) if rmse else squared
    truth = (label == positive).to_numpy().astype(float)
    p = np.clip(score.cast(pl.Float64).fill_null(np.nan).to_numpy(), 1e-15, 1 - 1e-15)
    loss = -(truth * np.log(p) + (1 - truth) * np.log(1 - p))
    return float(loss.mean()), loss


def _paired(
    frame: pl.DataFrame, metric: str, positive: str | None
) -> _Evaluated | None:
    if frame.is_empty():
        return None
    label = frame[LABEL]
    if metric == "accuracy":
        a = (frame[PRED] == label).to_numpy()
        b = (frame["__b_pred"] == label).to_numpy()
        return float(a.mean()), float(b.mean()), _stats.mcnemar(a, b)
    if metric == "roc_auc":
        truth = (label == positive).to_numpy()
        if truth.all() or not truth.any():
            return None
        sa = frame[SCORE].cast(pl.Float64).to_numpy()
        sb = frame["__b_score"].cast(pl.Float64).to_numpy()
        d = _stats.delong_paired(truth, sa, sb)
        return _stats.auc(truth, sa), _stats.auc(truth, sb), d
    va, la = _losses(metric, label, frame[PRED], frame[SCORE], positive)
    vb, lb = _losses(metric, label, frame["__b_pred"], frame["__b_score"], positive)
    return va, vb, _stats.mean_paired(la, lb, difference=vb - va)


def _split(
    a: pl.DataFrame, b: pl.DataFrame, metric: str, positive: str | None
) -> _Evaluated | None:
    if a.is_empty() or b.is_empty():
        return None
    if metric == "accuracy":
        ra = int((a[PRED] == a[LABEL]).sum())
        rb = int((b[PRED] == b[LABEL]).sum())
        d = _stats.two_proportions(ra, a.height, rb, b.height)
        return ra / a.height, rb / b.height, d
    if metric == "roc_auc":
        ta, tb = (a[LABEL] == positive).to_numpy(), (b[LABEL] == positive).to_numpy()
        if ta.all() or not ta.any() or tb.all() or not tb.any():
            return None
        sa = a[SCORE].cast(pl.Float64).to_numpy()
        sb = b[SCORE].cast(pl.Float64).to_numpy()
        d = _stats.delong_unpaired(ta, sa, tb, sb)
        return _stats.auc(ta, sa), _stats.auc(tb, sb), d
    va, la = _losses(metric, a[LABEL], a[PRED], a[SCORE], positive)
    vb, lb = _losses(metric, b[LABEL], b[PRED], b[SCORE], positive)
    return va, vb, _stats.mean_unpaired(la, lb, difference=vb - va)


# --------------------------------------------------------------------- segments


def _values(frame: pl.DataFrame, segments: Sequence[str]) -> list[tuple[str, Any]]:
    """(column, value) of each segment column's most frequent values."""
    out: list[tuple[str, Any]] = []
    for column in segments:
        counts = (
            frame.group_by(column)
            .len()
            .drop_nulls(column)
            .sort(["len", column], descending=[True, False])
            .head(MAX_SEGMENT_VALUES)
        )
        out.extend((column, v) for v in counts[column].to_list())
    return out


def _segment(
    column: str,
    value: Any,
    rows: int,
    found: _Evaluated | None,
    metric: str,
    overall: str,
) -> SegmentComparison:
    plain = value if isinstance(value, str | int | bool) else str(value)
    if found is None:
        return SegmentComparison(
            column, plain, rows, None, None, None, None, None, None
        )
    a, b, diff = found
    if rows < MIN_SEGMENT_ROWS:
        return SegmentComparison(
            column, plain, rows, a, b, diff.difference, None, None, None
        )
    said = verdict(diff, metric in HIGHER_IS_BETTER)
    return SegmentComparison(
        column,
        plain,
        rows,
        a,
        b,
        diff.difference,
        diff.ci,
        diff.p_value,
        said,
        flagged=overall == "challenger_better" and said == "champion_better",
    )
