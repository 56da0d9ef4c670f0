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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import polars as pl

from pipewarden.checks import codes
from pipewarden.checks.diagnosed import out_of_range_finding
from pipewarden.checks.findings import Finding
from pipewarden.contracts.model import ColumnSpec, Contract
from pipewarden.diagnose import units
from pipewarden.diagnose.onset import Onset, find_onset
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
    frame: pl.DataFrame,
    contract: Contract,
    batch: DatasetProfile,
    reference: DatasetProfile | None = None,
) -> list[Finding]:
    """The findings with what the rows tell (see the module docstring).

    Args:
        findings: The findings of the batch's profile.
        frame: The batch's rows, at least the columns of :func:`needed_columns`.
        contract: The contract checked.
        batch: The batch's profile.
        reference: The reference profile, to pick among unit conversions.
    """
    out = list(findings)
    have = {f.column for f in out if f.check == codes.RANGE_OUT_OF_BOUNDS}
    for name in _text_numbers(contract, batch):
        if name in have or name not in frame.columns:
            continue
        ref = None if reference is None else reference.columns.get(name)
        found = _text_range(name, contract.columns[name], frame[name], ref)
        if found is not None:
            out.append(found)
    time = _time_name(contract, batch)
    if time is None or time not in frame.columns:
        return out
    micros = _micros(frame[time])
    known = micros.is_not_null()
    stamps = micros.filter(known).to_numpy()
    timed: list[Finding] = []
    for f in out:
        flags = _flags(f, frame, contract.columns.get(f.column or ""))
        if flags is None:
            timed.append(f)
            continue
        onset = find_onset(stamps, flags.filter(known).to_numpy().astype(bool))
        timed.append(f if onset is None else _with_onset(f, onset))
    return timed


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
    name: str, spec: ColumnSpec, values: pl.Series, ref: ColumnProfile | None
) -> Finding | None:
    rng = spec.range
    assert rng is not None
    numbers = _parsed(values).drop_nulls()
    numbers = numbers.filter(numbers.is_finite())
    if numbers.is_empty():
        return None
    counts = numbers.value_counts(sort=False).sort(numbers.name)
    v = counts[numbers.name].to_numpy().astype(np.float64)
    w = counts["count"].to_numpy().astype(np.float64)
    reference = (
        ref.quantiles.weighted() if ref is not None and ref.moments.count else None
    )
    sides = units.out_of_range_sides(
        v,
        w,
        rows=values.len(),
        low=rng.min,
        high=rng.max,
        reference=reference,
        column=name,
    )
    if not sides:
        return None
    share = sum(s.count for s in sides) / values.len()
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
        x = _numbers(col)
        low, high = spec.range.min, spec.range.max
        below = x < low if low is not None else pl.Series([False] * x.len())
        above = x > high if high is not None else pl.Series([False] * x.len())
        return (below | above).fill_null(False)
    return None


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
