"""Per-segment statistics of a stage's output, and where a change concentrates.

At checkpoint time, :class:`SegmentTally` sees the output's chunks as they are
profiled (the same single pass) and keeps, for each segment column and each of its
values: the rows, and per column the nulls, count, mean and sum of squared
deviations of finite numbers; and for each pair of segment columns the joint counts
of their values. Segment columns are the declared ones; when none are declared, up
to ``MAX_DISCOVERED`` low-cardinality columns (at most ``MAX_VALUES`` values each)
are discovered from the first chunk. What is kept is small (a few numbers per
segment value and column) and stored with the checkpoint as JSON.

At localization time, :func:`contributions` splits one column's change between the
values of a segment column, and :func:`concentrate` finds the smallest set of values
that explains most of it (MacroBase-style: the set that explains the change with the
highest lift over its share of rows).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

__all__ = [
    "EXPLAINED",
    "MAX_DISCOVERED",
    "MAX_VALUES",
    "Concentration",
    "SegmentStats",
    "SegmentTally",
    "concentrate",
    "contributions",
]

MAX_DISCOVERED = 5
"""Low-cardinality columns profiled as candidate segments when none are declared."""
MAX_VALUES = 20
"""Values kept per segment column; the rest are counted as ``__other__``."""
OTHER = "__other__"
NULL = "__null__"
EXPLAINED = 0.8
"""A segment set must explain this share of a change."""
MIN_LIFT = 1.5
"""...and concentrate it: its share of the change over its share of rows."""
_SEGMENT_DTYPES = (pl.String, pl.Categorical, pl.Enum, pl.Boolean)
_INTEGER_DTYPES = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16)
ChangeKind = Literal["rows", "nulls", "numeric", "category"]


@dataclass(frozen=True, slots=True)
class _Part:
    """One segment column's statistics: arrays over (value[, measured column])."""

    values: list[str]
    rows: np.ndarray  # (values,)
    nulls: np.ndarray  # (values, measured)
    count: np.ndarray  # (values, measured) finite numbers
    mean: np.ndarray
    m2: np.ndarray
    joint: dict[str, np.ndarray]  # other segment column -> (values, its values)


class SegmentStats:
    """Per-segment statistics of one stage output (see the module docstring)."""

    def __init__(
        self,
        columns: Sequence[str],
        measured: Sequence[str],
        parts: dict[str, _Part],
        *,
        declared: bool,
    ) -> None:
        self.columns = list(columns)
        self.measured = list(measured)
        self.parts = parts
        self.declared = declared
        self._index = {name: i for i, name in enumerate(self.measured)}

    def index(self, column: str) -> int | None:
        return self._index.get(column)

    def to_dict(self) -> dict[str, Any]:
        return {
            "declared": self.declared,
            "columns": self.columns,
            "measured": self.measured,
            "parts": {
                name: {
                    "values": part.values,
                    "rows": part.rows.tolist(),
                    "nulls": part.nulls.tolist(),
                    "count": part.count.tolist(),
                    "mean": _finite(part.mean).tolist(),
                    "m2": _finite(part.m2).tolist(),
                    "joint": {k: v.tolist() for k, v in part.joint.items()},
                }
                for name, part in self.parts.items()
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SegmentStats:
        width = len(data["measured"])
        parts = {}
        for name, part in data["parts"].items():
            n = len(part["values"])
            parts[name] = _Part(
                values=list(part["values"]),
                rows=np.asarray(part["rows"], dtype=np.int64),
                nulls=np.asarray(part["nulls"], dtype=np.int64).reshape(n, width),
                count=np.asarray(part["count"], dtype=np.int64).reshape(n, width),
                mean=np.asarray(part["mean"], dtype=np.float64).reshape(n, width),
                m2=np.asarray(part["m2"], dtype=np.float64).reshape(n, width),
                joint={
                    k: np.asarray(v, dtype=np.int64).reshape(n, -1)
                    for k, v in part["joint"].items()
                },
            )
        return cls(
            data["columns"], data["measured"], parts, declared=bool(data["declared"])
        )


class SegmentTally:
    """Accumulates :class:`SegmentStats` over the chunks of one output.

    Args:
        declared: Segment columns named by the user; when empty, candidates are
            discovered from the first chunk.
    """

    def __init__(self, declared: Sequence[str] = ()) -> None:
        self._declared = list(declared)
        self._columns: list[str] | None = None
        self._measured: list[str] = []
        self._numeric: list[str] = []
        self._values: dict[str, list[str]] = {}
        self._parts: list[dict[str, _Part]] = []

    def tap(self, frames: Iterable[pl.DataFrame]) -> Iterator[pl.DataFrame]:
        """The frames unchanged, each one tallied as it goes by."""
        for frame in frames:
            self.update(frame)
            yield frame

    def update(self, frame: pl.DataFrame) -> None:
        if self._columns is None:
            self._start(frame)
        assert self._columns is not None
        if not self._columns or frame.height == 0:
            return
        self._parts.append(self._chunk(frame))

    def result(self) -> SegmentStats | None:
        """The statistics, or None when there was no segment column."""
        if not self._columns or not self._parts:
            return None
        merged = {c: _merge([p[c] for p in self._parts]) for c in self._columns}
        return SegmentStats(
            self._columns, self._measured, merged, declared=bool(self._declared)
        )

    # ------------------------------------------------------------------ internals
    def _start(self, frame: pl.DataFrame) -> None:
        if self._declared:
            columns = [c for c in self._declared if c in frame.columns]
        else:
            columns = _discover(frame)
        self._columns = columns
        self._measured = list(frame.columns)
        self._numeric = [
            c
            for c in frame.columns
            if frame.schema[c].is_numeric() or _is_bool(frame, c)
        ]
        for column in columns:
            counts = (
                _key(frame, column)
                .get_column(column)
                .value_counts(sort=True, name="n")
                .head(MAX_VALUES)
                .get_column(column)
                .to_list()
            )
            self._values[column] = sorted(str(v) for v in counts) + [OTHER]

    def _chunk(self, frame: pl.DataFrame) -> dict[str, _Part]:
        assert self._columns is not None
        keys = {c: self._coded(frame, c) for c in self._columns}
        numeric = [c for c in self._numeric if c in frame.columns]
        keyed = frame.with_columns(
            [k.alias(f"__pw_key_{c}") for c, k in keys.items()]
        ).with_columns(
            [pl.col(c).cast(pl.Float64).alias(f"__pw_num_{c}") for c in numeric]
        )
        finite = {
            c: pl.col(f"__pw_num_{c}").filter(pl.col(f"__pw_num_{c}").is_finite())
            for c in numeric
        }
        aggs = [pl.len().alias("__pw_rows")]
        for c in self._measured:
            if c in frame.columns:
                aggs.append(pl.col(c).null_count().alias(f"n|{c}"))
        for c, values in finite.items():
            aggs.extend(
                [
                    values.count().alias(f"c|{c}"),
                    values.mean().alias(f"m|{c}"),
                    values.var(ddof=0).alias(f"v|{c}"),
                ]
            )
        parts: dict[str, _Part] = {}
        for column in self._columns:
            key = f"__pw_key_{column}"
            table = keyed.group_by(key).agg(aggs)
            parts[column] = self._part(column, table, keyed)
        return parts

    def _part(self, column: str, table: pl.DataFrame, keyed: pl.DataFrame) -> _Part:
        values = self._values[column]
        width = len(self._measured)
        at = {v: i for i, v in enumerate(values)}
        rows = np.zeros(len(values), dtype=np.int64)
        nulls = np.zeros((len(values), width), dtype=np.int64)
        count = np.zeros((len(values), width), dtype=np.int64)
        mean = np.zeros((len(values), width), dtype=np.float64)
        m2 = np.zeros((len(values), width), dtype=np.float64)
        data = table.to_dict(as_series=False)
        for r, value in enumerate(data[f"__pw_key_{column}"]):
            i = at[value]
            rows[i] = data["__pw_rows"][r]
            for j, name in enumerate(self._measured):
                nulls[i, j] = data.get(f"n|{name}", [0] * (r + 1))[r] or 0
                if f"c|{name}" in data:
                    n = data[f"c|{name}"][r] or 0
                    count[i, j] = n
                    mean[i, j] = data[f"m|{name}"][r] or 0.0
                    m2[i, j] = (data[f"v|{name}"][r] or 0.0) * n
        joint: dict[str, np.ndarray] = {}
        assert self._columns is not None
        for other in self._columns:
            if other == column:
                continue
            their = {v: i for i, v in enumerate(self._values[other])}
            grid = np.zeros((len(values), len(their)), dtype=np.int64)
            pairs = keyed.group_by([f"__pw_key_{column}", f"__pw_key_{other}"]).len()
            for a, b, n in pairs.iter_rows():
                grid[at[a], their[b]] = n
            joint[other] = grid
        return _Part(values, rows, nulls, count, mean, m2, joint)

    def _coded(self, frame: pl.DataFrame, column: str) -> pl.Series:
        known = [v for v in self._values[column] if v != OTHER]
        if column not in frame.columns:
            return pl.Series(column, [OTHER] * frame.height, dtype=pl.String)
        key = _key(frame, column).get_column(column)
        return key.replace_strict(known, known, default=OTHER, return_dtype=pl.String)


def _key(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    return frame.select(pl.col(column).cast(pl.String).fill_null(NULL))


def _is_bool(frame: pl.DataFrame, column: str) -> bool:
    return frame.schema[column] == pl.Boolean


def _discover(frame: pl.DataFrame) -> list[str]:
    """Low-cardinality columns of the first chunk: text and booleans first."""
    found: list[tuple[int, int, str]] = []
    for position, (name, dtype) in enumerate(frame.schema.items()):
        text = isinstance(dtype, _SEGMENT_DTYPES) or dtype in _SEGMENT_DTYPES
        integer = dtype in _INTEGER_DTYPES
        if not (text or integer):
            continue
        distinct = frame.get_column(name).n_unique()
        if 2 <= distinct <= MAX_VALUES and distinct < max(frame.height, 3) / 2:
            found.append((0 if text else 1, position, name))
    return [name for _, _, name in sorted(found)[:MAX_DISCOVERED]]


def _merge(parts: list[_Part]) -> _Part:
    first = parts[0]
    rows = sum((p.rows for p in parts), np.zeros_like(first.rows))
    nulls = sum((p.nulls for p in parts), np.zeros_like(first.nulls))
    count, mean, m2 = first.count.copy(), first.mean.copy(), first.m2.copy()
    for p in parts[1:]:  # Chan's parallel formula, element-wise
        n = count + p.count
        safe = np.where(n > 0, n, 1)
        delta = p.mean - mean
        mean = mean + delta * p.count / safe
        m2 = m2 + p.m2 + delta * delta * count * p.count / safe
        count = n
    joint = {
        k: sum((p.joint[k] for p in parts), np.zeros_like(v))
        for k, v in first.joint.items()
    }
    return _Part(first.values, rows, nulls, count, mean, m2, joint)


def _finite(array: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(array), array, 0.0)


# --------------------------------------------------------------------- localization


def contributions(
    before: SegmentStats,
    after: SegmentStats,
    segment: str,
    column: str | None,
    kind: ChangeKind,
) -> dict[str, float] | None:
    """How much of one column's change each value of a segment column holds.

    Args:
        before: The baseline's statistics of the stage output.
        after: The bad run's.
        segment: The segment column.
        column: The changed column (None for the row count).
        kind: What changed: ``rows``, ``nulls``, ``numeric`` (mean or spread) or
            ``category`` (the shares of a segment-like column).

    Returns:
        Value -> its non-negative part of the change, or None when these
        statistics cannot split this change.
    """
    a, b = before.parts.get(segment), after.parts.get(segment)
    if a is None or b is None or segment == column:
        return None
    rows_a, rows_b = _aligned(a, b, a.rows, b.rows)
    if kind == "rows":
        delta = rows_b - rows_a
        sign = 1.0 if delta.sum() >= 0 else -1.0
        return _positive(_union(a, b), sign * delta)
    if column is None:
        return None
    i, j = before.index(column), after.index(column)
    if i is None or j is None:
        return None
    values = _union(a, b)
    if kind == "nulls":
        nulls_a, nulls_b = _aligned(a, b, a.nulls[:, i], b.nulls[:, j])
        rate_a = np.divide(nulls_a, rows_a, out=np.zeros(len(values)), where=rows_a > 0)
        excess = nulls_b - rate_a * rows_b
        sign = 1.0 if excess.sum() >= 0 else -1.0
        return _positive(values, sign * excess)
    if kind == "numeric":
        n_a, n_b = _aligned(a, b, a.count[:, i], b.count[:, j])
        mean_a, mean_b = _aligned(a, b, a.mean[:, i], b.mean[:, j])
        m2_a, m2_b = _aligned(a, b, a.m2[:, i], b.m2[:, j])
        sd_a = np.sqrt(np.divide(m2_a, n_a, out=np.zeros(len(values)), where=n_a > 0))
        sd_b = np.sqrt(np.divide(m2_b, n_b, out=np.zeros(len(values)), where=n_b > 0))
        both = (n_a > 0) & (n_b > 0)
        moved = np.where(both, (mean_b - mean_a) ** 2 + (sd_b - sd_a) ** 2, 0.0)
        return _positive(values, n_b * moved)
    joint_a, joint_b = a.joint.get(column), b.joint.get(column)
    if joint_a is None or joint_b is None:
        return None
    other_a = before.parts[column].values
    other_b = after.parts[column].values
    cats = list(dict.fromkeys([*other_a, *other_b]))
    grid_a = _regrid(a, values, other_a, cats, joint_a)
    grid_b = _regrid(b, values, other_b, cats, joint_b)
    scale = np.divide(rows_b, rows_a, out=np.ones(len(values)), where=rows_a > 0)
    moved_cells = np.abs(grid_b - grid_a * scale[:, None]).sum(axis=1)
    return _positive(values, moved_cells)


def _union(a: _Part, b: _Part) -> list[str]:
    return list(dict.fromkeys([*a.values, *b.values]))


def _aligned(
    a: _Part, b: _Part, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``x`` (over a's values) and ``y`` (over b's) on the union of values."""
    values = _union(a, b)
    at = {v: i for i, v in enumerate(values)}
    xa = np.zeros(len(values), dtype=np.float64)
    yb = np.zeros(len(values), dtype=np.float64)
    for v, val in zip(a.values, x, strict=True):
        xa[at[v]] = val
    for v, val in zip(b.values, y, strict=True):
        yb[at[v]] = val
    return xa, yb


def _regrid(
    part: _Part,
    values: list[str],
    columns: list[str],
    cats: list[str],
    grid: np.ndarray,
) -> np.ndarray:
    rows = {v: i for i, v in enumerate(values)}
    cols = {c: i for i, c in enumerate(cats)}
    out = np.zeros((len(values), len(cats)))
    for r, v in enumerate(part.values):
        for c, name in enumerate(columns):
            out[rows[v], cols[name]] = grid[r, c]
    return out


def _positive(values: list[str], amounts: np.ndarray) -> dict[str, float]:
    return {
        v: float(x)
        for v, x in zip(values, amounts, strict=True)
        if math.isfinite(float(x)) and x > 0
    }


@dataclass(frozen=True, slots=True)
class Concentration:
    """The smallest set of one segment column's values explaining most of a change.

    Attributes:
        column: The segment column.
        values: Its values in the set, largest part first.
        shares: Each value's share of the change.
        share: The set's share of the change.
        row_share: The set's share of the rows.
    """

    column: str
    values: tuple[str, ...]
    shares: tuple[float, ...]
    share: float
    row_share: float

    @property
    def lift(self) -> float:
        return self.share / self.row_share if self.row_share > 0 else math.inf


def concentrate(
    parts: dict[str, float],
    rows: dict[str, float],
    *,
    column: str,
    explained: float = EXPLAINED,
    min_lift: float = MIN_LIFT,
) -> Concentration | None:
    """The smallest set of values holding ``explained`` of the change, if that set
    is concentrated (its share of the change is ``min_lift`` times its share of rows).

    Args:
        parts: Value -> its non-negative part of the change (:func:`contributions`).
        rows: Value -> rows (the larger of the two runs' counts).
        column: The segment column, for the result.
        explained: Share of the change the set must hold.
        min_lift: Least lift for the set to count as a concentration.
    """
    total = sum(parts.values())
    all_rows = sum(rows.values())
    if total <= 0 or all_rows <= 0:
        return None
    ranked = sorted(parts, key=lambda v: -parts[v])
    chosen: list[str] = []
    held = 0.0
    for value in ranked:
        chosen.append(value)
        held += parts[value]
        if held >= explained * total:
            break
    row_share = sum(rows.get(v, 0.0) for v in chosen) / all_rows
    found = Concentration(
        column,
        tuple(chosen),
        tuple(parts[v] / total for v in chosen),
        held / total,
        row_share,
    )
    return found if found.lift >= min_lift else None
