"""What the rows add to findings made from profiles: when the change began, and the
range of numbers that arrived as text.

Profiles keep no link between a column and the time column, nor numbers parsed from
text, so for these two answers the batch's rows are read again, only the columns
needed and only when a finding asks for them (a clean batch costs nothing):

- a ``range.out_of_bounds``, ``nulls.rate``, ``nulls.encoding`` or
  ``category.unseen`` finding of a batch with a time column gets ``onset`` evidence
  and a sentence saying when its rows began ("all 412 below-minimum rows are from
  2024-03-01 00:00 on; none before");
- a column declared numeric with a ``range`` that arrived as text is read where it
  reads, and the numbers get the range analysis of ``range.out_of_bounds``.

The rows are read in chunks and kept only as counts (rows and flagged rows per
distinct time, occurrences per number), so this pass holds no column whole.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

import numpy as np
import polars as pl

from pipewarden.checks import codes
from pipewarden.checks.diagnosed import out_of_range_finding
from pipewarden.checks.findings import Finding
from pipewarden.contracts.model import ColumnSpec, Contract
from pipewarden.diagnose import units
from pipewarden.diagnose.onset import Onset, counts_by_time, onset_of_counts
from pipewarden.profiles.column import ColumnProfile, Kind, Physical
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.profiles.readings import NUMBER, iso_datetime

__all__ = ["needed_columns", "with_rows"]

_TIMED = (
    codes.RANGE_OUT_OF_BOUNDS,
    codes.NULLS_RATE,
    codes.NULLS_ENCODING,
    codes.CATEGORY_UNSEEN,
)


def _time_name(contract: Contract, batch: DatasetProfile) -> str | None:
    spec = contract.dataset.time
    if spec is None or spec.column not in batch.columns:
        return None
    col = batch.columns[spec.column]
    # Text whose every value reads as a datetime is timed by the times it reads as.
    as_text = (
        col.physical is Physical.STRING and col.readings.datetime.count == col.non_null
    )
    timed = col.time.min is not None and (col.kind is Kind.DATETIME or as_text)
    return spec.column if timed else None


def _text_numbers(contract: Contract, batch: DatasetProfile) -> list[str]:
    """Columns declared numeric with a range that arrived as text with numbers."""
    return [
        name
        for name, spec in contract.columns.items()
        if spec.kind.value in ("integer", "float")
        and spec.range is not None
        and name in batch.columns
        and batch.columns[name].physical.value == "string"
        and batch.columns[name].readings.float.count > 0
    ]


def needed_columns(
    findings: Sequence[Finding], contract: Contract, batch: DatasetProfile
) -> list[str]:
    """The batch columns to read for :func:`with_rows`; empty when none is needed."""
    time = _time_name(contract, batch)
    text = _text_numbers(contract, batch)
    timed = [
        f.column
        for f in findings
        if time is not None and f.check in _TIMED and f.column in batch.columns
    ]
    wanted = [c for c in [*timed, *text] if c is not None]
    if time is not None and wanted:
        wanted.append(time)
    return list(dict.fromkeys(wanted))


def with_rows(
    findings: Sequence[Finding],
    frames: pl.DataFrame | Iterable[pl.DataFrame],
    contract: Contract,
    batch: DatasetProfile,
    reference: DatasetProfile | None = None,
) -> list[Finding]:
    """The findings with what the rows tell (see the module docstring).

    The rows are read once, a chunk at a time, into counts that add up: rows and
    flagged rows per distinct time, and the count of each number read from text. So
    memory follows the distinct times and numbers, not the rows, and the answer is
    the same however the batch is cut into chunks.

    Args:
        findings: The findings of the batch's profile.
        frames: The batch's rows, at least the columns of :func:`needed_columns`:
            one frame, or its chunks (all with the same columns).
        contract: The contract checked.
        batch: The batch's profile.
        reference: The reference profile, to pick among unit conversions.
    """
    chunks = iter([frames] if isinstance(frames, pl.DataFrame) else frames)
    first = next(chunks, None)
    if first is None:
        return list(findings)
    have = {f.column for f in findings if f.check == codes.RANGE_OUT_OF_BOUNDS}
    texts = [
        name
        for name in _text_numbers(contract, batch)
        if name not in have and name in first.columns
    ]
    time = _time_name(contract, batch)
    timed = time is not None and time in first.columns
    # What is flagged: each finding about rows, and each text column's numbers out
    # of range (a finding only once the numbers are counted, see _text_range).
    flagged = [
        i
        for i, f in enumerate(findings)
        if timed and _flags(f, first.head(0), _spec(contract, f)) is not None
    ]
    ranged = texts if timed else []
    per_time = _TimeCounts()
    numbers = {name: _Summed("v") for name in texts}
    rows = dict.fromkeys(texts, 0)
    for frame in itertools.chain([first], chunks):
        for name in texts:
            numbers[name].add(_number_counts(frame[name]))
            rows[name] += frame.height
        if time is not None and (flagged or ranged):
            flags = [
                _flags(findings[i], frame, _spec(contract, findings[i]))
                for i in flagged
            ]
            flags += [_range_flags(frame[n], contract.columns[n]) for n in ranged]
            per_time.add(frame[time], flags)
    out = list(findings)
    counted = {i: j for j, i in enumerate(flagged)}  # the finding's k column
    for name in texts:
        ref = None if reference is None else reference.columns.get(name)
        spec = contract.columns[name]
        found = _text_range(name, spec, numbers[name].result(), rows[name], ref)
        if found is not None:
            if timed:
                counted[len(out)] = len(flagged) + ranged.index(name)
            out.append(found)
    if not (flagged or ranged):
        return out
    times, at, flagged_at = per_time.result()
    result: list[Finding] = []
    for i, f in enumerate(out):
        onset = (
            onset_of_counts(times, at, flagged_at(counted[i])) if i in counted else None
        )
        result.append(f if onset is None else _with_onset(f, onset))
    return result


_MERGE_ROWS = 1 << 16
"""Rows of counts held unmerged at least, before adding them up by key."""


class _Summed:
    """Count tables of chunks, added up by ``key`` now and then: memory follows
    the distinct keys (their order of first appearance is kept until ``result``)."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.merged: pl.DataFrame | None = None
        self.pending: list[pl.DataFrame] = []
        self.rows = 0

    def add(self, part: pl.DataFrame) -> None:
        self.pending.append(part)
        self.rows += part.height
        held = 0 if self.merged is None else self.merged.height
        if self.rows > max(_MERGE_ROWS, held):
            self._merge()

    def result(self) -> pl.DataFrame:
        """The counts added up by key, in ascending key order."""
        self._merge()
        assert self.merged is not None  # add() was called at least once
        return self.merged.sort(self.key)

    def _merge(self) -> None:
        parts = self.pending if self.merged is None else [self.merged, *self.pending]
        if parts:
            summed = pl.concat(parts, how="vertical")
            self.merged = summed.group_by(self.key, maintain_order=True).sum()
        self.pending, self.rows = [], 0


def _spec(contract: Contract, finding: Finding) -> ColumnSpec | None:
    return contract.columns.get(finding.column or "")


class _TimeCounts:
    """Rows and flagged rows per distinct time, a chunk at a time (numpy only).

    Each chunk is sorted by time (when it is not already) and its runs of equal
    times counted, in the smallest integers that hold them; at the end the chunks'
    runs are joined, and added up by time only where chunks overlap in time. So
    memory follows each chunk's distinct times: about 9 bytes a row, plus one byte
    for each finding, when every time is distinct; next to nothing when many rows
    share one.
    """

    def __init__(self) -> None:
        self.times: list[np.ndarray] = []
        self.rows: list[np.ndarray] = []
        self.flagged: list[np.ndarray] = []

    def add(self, times: pl.Series, flags: list[pl.Series | None]) -> None:
        """Count one chunk: its times, and each finding's flags over its rows."""
        micros = _micros(times)
        known = micros.is_not_null()
        t = micros.filter(known).to_numpy()
        f = np.empty((t.size, len(flags)), dtype=np.int64)
        for j, flag in enumerate(flags):
            assert flag is not None  # only findings with flags are counted
            f[:, j] = flag.filter(known).fill_null(False).to_numpy()
        t, n, k = counts_by_time(t, np.ones(t.size, dtype=np.int64), f)
        self.times.append(t)
        self.rows.append(_narrow(n))
        self.flagged.append(_narrow(k))

    def result(self) -> tuple[np.ndarray, np.ndarray, Callable[[int], np.ndarray]]:
        """The distinct times (ascending), the rows at each, and a function giving
        one finding's flagged rows at each (built when asked: one at a time)."""
        t = np.concatenate(self.times) if self.times else np.empty(0, np.int64)
        n = np.concatenate(self.rows).astype(np.int64) if self.rows else t.copy()

        def flagged(j: int) -> np.ndarray:
            parts = [k[:, j] for k in self.flagged]
            return np.concatenate(parts).astype(np.int64) if parts else t.copy()

        if t.size == 0 or all(
            a.size == 0 or b.size == 0 or a[-1] < b[0]
            for a, b in zip(self.times, self.times[1:], strict=False)
        ):  # chunks in time order (the usual case): nothing to add up
            return t, n, flagged
        # counts_by_time, one finding's column at a time, all sharing one sort
        order = np.argsort(t, kind="stable")
        t, n = t[order], n[order]
        first = np.flatnonzero(np.diff(t, prepend=t[0] - 1))

        def added(j: int) -> np.ndarray:
            return np.add.reduceat(flagged(j)[order], first)

        return t[first], np.add.reduceat(n, first), added


def _narrow(counts: np.ndarray) -> np.ndarray:
    """Counts in the smallest unsigned integers that hold them."""
    top = int(counts.max()) if counts.size else 0
    return counts.astype(np.min_scalar_type(top))


def _number_counts(values: pl.Series) -> pl.DataFrame:
    """How often each finite number read from the text occurs (``v``, ``w``)."""
    numbers = _parsed(values).drop_nulls()
    numbers = numbers.filter(numbers.is_finite()).alias("v")
    return (
        numbers.to_frame()
        .group_by("v", maintain_order=True)
        .agg(pl.len().cast(pl.Int64).alias("w"))
    )


def _micros(times: pl.Series) -> pl.Series:
    """Microseconds since the epoch (UTC) of a datetime column or ISO 8601 text."""
    if times.dtype == pl.String:
        moments = pl.select(iso_datetime(pl.lit(times))).to_series()
    else:
        moments = times.cast(pl.Datetime("us"))
        if isinstance(times.dtype, pl.Datetime) and times.dtype.time_zone is not None:
            moments = moments.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    return moments.cast(pl.Int64)


def _parsed(values: pl.Series) -> pl.Series:
    text = values.cast(pl.String).str.strip_chars()
    return pl.select(
        pl.when(text.str.contains(f"^{NUMBER}$")).then(
            text.cast(pl.Float64, strict=False)
        )
    ).to_series()


def _text_range(
    name: str,
    spec: ColumnSpec,
    counts: pl.DataFrame,
    rows: int,
    ref: ColumnProfile | None,
) -> Finding | None:
    """The range analysis of the numbers read from a text column, from their
    counts (``_number_counts``, ascending) over its ``rows`` rows."""
    rng = spec.range
    assert rng is not None
    if counts.is_empty():
        return None
    v = counts["v"].to_numpy().astype(np.float64)
    w = counts["w"].to_numpy().astype(np.float64)
    reference = (
        ref.quantiles.weighted() if ref is not None and ref.moments.count else None
    )
    sides = units.out_of_range_sides(
        v,
        w,
        rows=rows,
        low=rng.min,
        high=rng.max,
        reference=reference,
        column=name,
    )
    if not sides:
        return None
    share = sum(s.count for s in sides) / rows
    return out_of_range_finding(
        name,
        sides,
        share=share,
        allowed=(rng.min, rng.max),
        observed=(float(v[0]), float(v[-1])),
        sentinels=spec.missing_values or [],
        parsed_from_text=True,
    )


def _flags(
    finding: Finding, frame: pl.DataFrame, spec: ColumnSpec | None
) -> pl.Series | None:
    """True for the rows the finding is about; None when it is not about rows."""
    name = finding.column
    if finding.check not in _TIMED or name is None or name not in frame.columns:
        return None
    col = frame[name]
    if finding.check == codes.NULLS_RATE:
        return _missing(col)
    if finding.check == codes.NULLS_ENCODING:
        evidence = finding.evidence or {}
        if evidence.get("direction") == "null_to_sentinel":
            return _numbers(col) == float(evidence["sentinel"])
        return _missing(col)
    if finding.check == codes.CATEGORY_UNSEEN and spec is not None:
        return col.is_not_null() & ~col.cast(pl.String).is_in(spec.categories or [])
    if finding.check == codes.RANGE_OUT_OF_BOUNDS and spec is not None and spec.range:
        return _range_flags(col, spec)
    return None


def _range_flags(col: pl.Series, spec: ColumnSpec) -> pl.Series:
    """True for the values below or above the column's range (numbers read from text)."""
    assert spec.range is not None
    x = _numbers(col)
    low, high = spec.range.min, spec.range.max
    below = x < low if low is not None else pl.Series([False] * x.len())
    above = x > high if high is not None else pl.Series([False] * x.len())
    return (below | above).fill_null(False)


def _numbers(col: pl.Series) -> pl.Series:
    if col.dtype == pl.String:
        return _parsed(col)
    return col.cast(pl.Float64, strict=False)


def _missing(col: pl.Series) -> pl.Series:
    out = col.is_null()
    if col.dtype.is_float():
        out = out | col.is_nan().fill_null(False)
    return out


_WHAT = {
    codes.RANGE_OUT_OF_BOUNDS: "out-of-range",
    codes.NULLS_RATE: "null",
    codes.NULLS_ENCODING: "changed",
    codes.CATEGORY_UNSEEN: "unseen-category",
}


def _what(finding: Finding) -> str:
    evidence = finding.evidence or {}
    if finding.check == codes.RANGE_OUT_OF_BOUNDS:
        sides = [d for d in ("below", "above") if d in evidence]
        if sides == ["below"]:
            return "below-minimum"
        if sides == ["above"]:
            return "above-maximum"
    return _WHAT[finding.check]


def _with_onset(finding: Finding, onset: Onset) -> Finding:
    evidence = dict(finding.evidence or {})
    evidence["onset"] = onset.to_dict()
    sentence = onset.sentence(_what(finding))
    sentence = sentence[0].upper() + sentence[1:] + "."
    end = _FIRST_STOP.search(finding.message)
    if end is None:
        message = f"{finding.message} {sentence}"
    else:
        cut = end.end()
        message = f"{finding.message[:cut]} {sentence} {finding.message[cut:].lstrip()}"
    return replace(finding, message=message.rstrip(), evidence=evidence)


_FIRST_STOP = re.compile(r"(?<!e\.g)(?<!i\.e)\.(?=\s|$)")
"""The end of a message's first sentence (not the dot of 'e.g.' nor of a number)."""
