"""The domain-classifier test: can a model tell current rows from reference rows?

Per-column statistics miss changes in how columns move together (a correlation that
flips sign leaves every column's distribution as it was). This test needs rows, so it
works on bounded random samples (``RowSampler``, 20,000 rows per side by default): a
gradient-boosted classifier (scikit-learn's HistGradientBoostingClassifier, which takes
missing values and categories as they are) learns to predict the side of each row, and
its ROC AUC on held-out rows (half of each side, never seen in training) says how
separable the sides are: 0.5 means not at all.

The p-value is that of the AUC under label permutation, which for fixed held-out
scores is the Mann-Whitney distribution (normal approximation). As for columns, drift
needs both an effect (AUC >= 0.55) and significance (p < alpha); AUC >= 0.6 is an
error. The columns the classifier relied on most are found by permutation importance
(AUC lost when one column is shuffled on held-out rows). Time columns, identifiers and
free text are left out: they separate the sides trivially.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from pipewarden._optional import require
from pipewarden._text import p_value
from pipewarden.checks.findings import Severity
from pipewarden.drift.results import MultivariateResult

SAMPLE_ROWS = 20_000
"""Rows sampled per side."""
MIN_AUC = 0.55
"""Smallest AUC that counts as drift (with p < alpha)."""
ERROR_AUC = 0.6
"""AUC from which the multivariate drift is an error."""
TRAIN_SHARE = 0.5
"""Share of the sampled rows the classifier learns from; it scores the others."""
ITERATIONS = 40
"""Boosting rounds: as many as 60 found the same flipped correlations (rho >= 0.15)."""
MAX_CATEGORIES = 254
"""Categories kept per column (the most frequent); the rest share one code."""
IMPORTANCE_ROWS = 5_000
"""Held-out rows used for permutation importance."""
TOP_COLUMNS = 5
MIN_IMPORTANCE = 0.005
"""AUC a column must be worth to be named."""
KEY = "__pw_sample_key"


class RowSampler:
    """A uniform random sample of at most ``rows`` rows of a stream of frames.

    Each row gets a random key; the rows with the smallest keys are kept (bottom-k),
    so the sample is uniform whatever the chunking. ``tap`` passes frames through.
    """

    def __init__(self, rows: int = SAMPLE_ROWS, seed: int = 0) -> None:
        self.rows = rows
        self._rng = np.random.default_rng(seed)
        self._kept: pl.DataFrame | None = None
        self._cutoff = 1.0

    def add(self, frame: pl.DataFrame) -> None:
        keys = self._rng.random(frame.height)
        idx = np.flatnonzero(keys < self._cutoff)
        if idx.size > self.rows:
            idx = idx[np.argpartition(keys[idx], self.rows - 1)[: self.rows]]
        picked = frame[idx].with_columns(pl.Series(KEY, keys[idx]))
        kept = (
            picked
            if self._kept is None
            else pl.concat([self._kept, picked], how="diagonal_relaxed")
        )
        if kept.height > self.rows:
            kept = kept.sort(KEY).head(self.rows)
        if kept.height >= self.rows:
            self._cutoff = float(kept.get_column(KEY).max())  # type: ignore[arg-type]  # a float column
        self._kept = kept

    def tap(self, frames: Iterable[pl.DataFrame]) -> Iterator[pl.DataFrame]:
        """Yield every frame unchanged, sampling it on the way."""
        for frame in frames:
            self.add(frame)
            yield frame

    def sample(self) -> pl.DataFrame:
        """The rows kept so far, in random order."""
        if self._kept is None:
            return pl.DataFrame()
        return self._kept.sort(KEY).drop(KEY)


@dataclass(frozen=True, slots=True)
class _Design:
    x: np.ndarray
    y: np.ndarray
    columns: list[str]
    categorical: list[bool]


def domain_classifier(
    reference: pl.DataFrame,
    current: pl.DataFrame,
    *,
    exclude: Iterable[str] = (),
    alpha: float = 0.01,
    threshold: float = MIN_AUC,
    rows: int = SAMPLE_ROWS,
    seed: int = 0,
) -> MultivariateResult | None:
    """Test whether a classifier can tell current rows from reference rows.

    Args:
        reference: Reference rows (a sample; more than ``rows`` are subsampled).
        current: Current rows, same columns.
        exclude: Columns to leave out (time, ids, free text, label...).
        alpha: Significance level for the AUC's p-value.
        threshold: Smallest AUC that counts as drift.
        rows: Rows used per side at most.
        seed: Random seed (sampling, folds, classifier, importance).

    Returns:
        The result, or None when no column is usable or a side has too few rows.

    Raises:
        MissingDependencyError: scikit-learn is not installed.
    """
    from scipy import stats

    design = _design(reference, current, set(exclude), rows, seed)
    if design is None:
        return None
    threads = require("threadpoolctl", extra="sklearn")
    # One OpenMP thread: on a busy machine, spinning OpenMP workers slow boosting
    # down twentyfold, and 40,000 rows gain little from more threads anyway.
    with threads.threadpool_limits(1, user_api="openmp"):
        held_out, model, test_idx = _held_out(design, seed)
        y = design.y[test_idx]
        auc = _auc(y, held_out)
        n1, n2 = int((y == 0).sum()), int((y == 1).sum())
        se = math.sqrt((n1 + n2 + 1) / (12.0 * n1 * n2))
        p = float(stats.norm.sf((auc - 0.5) / se))
        drifted = auc >= threshold and p < alpha
        importance = _importance(design, model, test_idx, seed) if drifted else []
    severity = (
        Severity.ERROR
        if drifted and auc >= ERROR_AUC
        else Severity.WARNING
        if drifted
        else Severity.INFO
    )
    return MultivariateResult(
        auc=auc,
        threshold=threshold,
        p_value=p,
        drifted=drifted,
        severity=severity,
        message=_message(auc, threshold, p, drifted, importance, design.columns),
        columns=tuple(design.columns),
        importance=tuple(importance),
        sample_rows=(int((design.y == 0).sum()), int((design.y == 1).sum())),
    )


def _design(
    reference: pl.DataFrame,
    current: pl.DataFrame,
    exclude: set[str],
    rows: int,
    seed: int,
) -> _Design | None:
    names = [c for c in reference.columns if c in current.columns and c not in exclude]
    ref = _subsample(reference, rows, seed)
    cur = _subsample(current, rows, seed + 1)
    if ref.height < 20 or cur.height < 20:
        return None
    both = pl.concat([ref.select(names), cur.select(names)], how="vertical_relaxed")
    blocks, columns, categorical = [], [], []
    for name in names:
        encoded = _encode(both.get_column(name))
        if encoded is None:
            continue
        values, is_cat = encoded
        blocks.append(values)
        columns.append(name)
        categorical.append(is_cat)
    if not blocks:
        return None
    y = np.concatenate([np.zeros(ref.height), np.ones(cur.height)])
    return _Design(np.column_stack(blocks), y, columns, categorical)


def _subsample(frame: pl.DataFrame, rows: int, seed: int) -> pl.DataFrame:
    if frame.height <= rows:
        return frame
    return frame.sample(rows, seed=seed)


def _encode(s: pl.Series) -> tuple[np.ndarray, bool] | None:
    """A column as floats (NaN for missing) and whether it is categorical."""
    dtype = s.dtype
    if dtype.is_numeric() or dtype == pl.Boolean:
        x = s.cast(pl.Float64).to_numpy().astype(np.float64, copy=True)
        x[~np.isfinite(x)] = np.nan
        return x, False
    if dtype in (pl.String, pl.Categorical) or isinstance(
        dtype, pl.Enum | pl.Categorical
    ):
        text = s.cast(pl.String)
        top = (
            text.drop_nulls()
            .value_counts(sort=True, name="n")
            .head(MAX_CATEGORIES)
            .get_column(text.name)
        )
        codes = pl.DataFrame({"v": top, "code": np.arange(top.len(), dtype=np.float64)})
        mapped = (
            pl.DataFrame({"v": text})
            .join(codes, on="v", how="left")
            .get_column("code")
            .to_numpy()
            .astype(np.float64, copy=True)
        )
        mapped[np.isnan(mapped) & text.is_not_null().to_numpy()] = float(MAX_CATEGORIES)
        return mapped, True
    return None


def _classifier(design: _Design, seed: int) -> object:
    ensemble = require(
        "sklearn.ensemble", extra="sklearn", purpose="The multivariate drift test"
    )
    return ensemble.HistGradientBoostingClassifier(
        max_iter=ITERATIONS,
        learning_rate=0.1,
        max_leaf_nodes=15,
        early_stopping=False,
        categorical_features=np.array(design.categorical),
        random_state=seed,
    )


def _held_out(design: _Design, seed: int) -> tuple[np.ndarray, object, np.ndarray]:
    """Fit on a stratified share of the rows; score the rest (which it never saw).

    Returns the held-out scores, the model and the held-out row indices.
    """
    rng = np.random.default_rng(seed)
    train = np.zeros(design.y.size, dtype=bool)
    for side in (0, 1):
        rows = np.flatnonzero(design.y == side)
        train[rng.choice(rows, int(rows.size * TRAIN_SHARE), replace=False)] = True
    test_idx = np.flatnonzero(~train)
    model = _classifier(design, seed)
    model.fit(design.x[train], design.y[train])  # type: ignore[attr-defined]  # sklearn estimator
    return model.predict_proba(design.x[test_idx])[:, 1], model, test_idx  # type: ignore[attr-defined]  # sklearn estimator


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC as the Mann-Whitney U statistic (ties count half)."""
    from scipy import stats

    ranks = stats.rankdata(score)
    n1 = int((y == 1).sum())
    n0 = y.size - n1
    u = ranks[y == 1].sum() - n1 * (n1 + 1) / 2
    return float(u / (n0 * n1))


def _importance(
    design: _Design, model: object, test_idx: np.ndarray, seed: int
) -> list[tuple[str, float]]:
    rng = np.random.default_rng(seed)
    idx = (
        test_idx
        if test_idx.size <= IMPORTANCE_ROWS
        else rng.choice(test_idx, IMPORTANCE_ROWS, replace=False)
    )
    x, y = design.x[idx], design.y[idx]
    # The rows as they are, then once per column with that column shuffled: one
    # prediction call for all of them.
    copies = [x]
    for j in range(len(design.columns)):
        shuffled = x.copy()
        shuffled[:, j] = rng.permutation(shuffled[:, j])
        copies.append(shuffled)
    scores = model.predict_proba(np.vstack(copies))[:, 1].reshape(len(copies), -1)  # type: ignore[attr-defined]  # sklearn estimator
    base = _auc(y, scores[0])
    drops = []
    for j, name in enumerate(design.columns):
        drop = base - _auc(y, scores[j + 1])
        if drop >= MIN_IMPORTANCE:
            drops.append((name, float(drop)))
    return sorted(drops, key=lambda kv: -kv[1])[:TOP_COLUMNS]


def _message(
    auc: float,
    threshold: float,
    p: float,
    drifted: bool,
    importance: list[tuple[str, float]],
    columns: list[str],
) -> str:
    evidence = f"AUC {auc:.3f} (threshold {threshold:.2f}, {p_value(p)})"
    if not drifted:
        return (
            f"A classifier cannot tell current rows from reference rows over "
            f"{len(columns)} columns: {evidence}."
        )
    named = ", ".join(f"'{c}'" for c, _ in importance) or "no single column"
    return (
        f"A classifier tells current rows from reference rows: {evidence}, relying "
        f"most on {named}. The joint distribution changed; look at those columns "
        "together, including how they relate to each other."
    )
