"""Root-cause localization: which stage, which column, which segment, what else changed.

``localize_runs(bad, baseline)`` compares two pipeline runs stage by stage, from their
stored profiles and segment statistics alone (no raw data):

1. every column of every stage output gets a change score (``pipelines.changes``);
2. the stage is the earliest one whose output changed while its inputs did not (it
   introduced the change); when that is the first stage, the source changed;
3. columns are ranked: those first changed at that stage first, by score; each
   names the stage where it first changed;
4. the top column's change is split between the values of each segment column
   (``pipelines.segments``), and the smallest concentrated set is reported;
5. code, environment, contracts, input fingerprints and row counts are compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipewarden import _text
from pipewarden.env.diff import diff as diff_environments
from pipewarden.pipelines.changes import ROWS, ColumnShift, column_shifts
from pipewarden.pipelines.run_diff import input_changes
from pipewarden.pipelines.segments import (
    ChangeKind,
    Concentration,
    SegmentStats,
    concentrate,
    contributions,
)
from pipewarden.profiles.column import Kind
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.store.pipeline_records import (
    PipelineRun,
    StageCheckpoint,
    StageProfile,
)

__all__ = [
    "ColumnVerdict",
    "Localization",
    "SegmentShare",
    "StageVerdict",
    "localize_runs",
    "moving_time_columns",
]

MAX_SEGMENTS = 10
_KIND_OF: dict[str, ChangeKind] = {
    "rows": "rows",
    "nulls": "nulls",
    "mean": "numeric",
    "spread": "numeric",
    "category": "category",
}
_WHAT = {
    "rows": "of the change in rows",
    "nulls": "of the new nulls",
    "numeric": "of the change in values",
    "category": "of the moved categories",
}


@dataclass(frozen=True, slots=True)
class StageVerdict:
    """The stage that introduced the change, and why."""

    name: str
    message: str
    evidence: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "message": self.message, "evidence": self.evidence}


@dataclass(frozen=True, slots=True)
class ColumnVerdict:
    """A changed column, the stage where it first changed, and how."""

    column: str
    stage: str
    score: float
    kind: str
    message: str
    evidence: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "stage": self.stage,
            "score": round(self.score, 3),
            "kind": self.kind,
            "message": self.message,
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class SegmentShare:
    """One segment value and its share of the top column's change."""

    column: str
    value: str
    share: float
    declared: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "segment": {self.column: self.value},
            "share": round(self.share, 4),
            "declared": self.declared,
        }


@dataclass(frozen=True, slots=True)
class Localization:
    """Where a pipeline run's change began (see the module docstring).

    ``stage`` is None and ``columns`` empty when nothing changed beyond noise.
    """

    run: str
    baseline: str
    pipeline: str
    stage: StageVerdict | None
    columns: tuple[ColumnVerdict, ...] = ()
    segments: tuple[SegmentShare, ...] = ()
    concentration: Concentration | None = None
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def headline(self) -> str:
        """The answer in one sentence, for the first line in a terminal."""
        if self.stage is None:
            text = (
                f"Nothing changed beyond noise between run {self.baseline} and "
                f"run {self.run} of '{self.pipeline}'"
            )
            return text + self._code_clause() + "."
        top = self.columns[0] if self.columns else None
        text = f"Stage '{self.stage.name}' introduced the change"
        if top is not None:
            name = "the row count" if top.column == ROWS else f"'{top.column}'"
            text += f": {name} {top.message}"
        if self.concentration is not None and top is not None:
            c = self.concentration
            values = ", ".join(c.values)
            what = _WHAT.get(_KIND_OF.get(top.kind, "numeric"), "of the change")
            text += (
                f", concentrated in {c.column} ∈ {{{values}}} "
                f"({_text.share(c.share)} {what})"
            )
        return text + self._code_clause() + "."

    def _code_clause(self) -> str:
        code = self.changes.get("code")
        parts = []
        if code:
            parts.append(
                f"code changed between the runs ({_short(code['before'])} → "
                f"{_short(code['after'])})"
            )
        packages = [
            c for c in self.changes.get("environment", []) if c["kind"] == "package"
        ]
        if packages:
            first = packages[0]
            parts.append(
                f"{len(packages)} package(s) changed ({first['name']} "
                f"{first['before'] or '-'} → {first['after'] or '-'})"
            )
        return "; " + "; ".join(parts) if parts else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "baseline": self.baseline,
            "pipeline": self.pipeline,
            "headline": self.headline,
            "stage": None if self.stage is None else self.stage.to_dict(),
            "columns": [c.to_dict() for c in self.columns],
            "segments": [s.to_dict() for s in self.segments],
            "changes": self.changes,
        }


def localize_runs(
    bad: PipelineRun,
    baseline: PipelineRun,
    bad_runs: Mapping[str, StageProfile],
    baseline_runs: Mapping[str, StageProfile],
    *,
    earlier_runs: Mapping[str, StageProfile] | None = None,
) -> Localization:
    """Localize the change from ``baseline`` to ``bad``.

    Args:
        bad: The pipeline run to explain.
        baseline: A run that worked.
        bad_runs: Stage name -> the stored profile (and context) of its output in
            ``bad``.
        baseline_runs: The same for ``baseline``.
        earlier_runs: The same for a good run before the baseline: a datetime column
            can only be stale if it moved forward from that run to the baseline (or
            is the contract's time column). None: only time columns are judged.

    Returns:
        The stage, columns, segments and other changes, ranked.
    """
    order = [s for s in bad.stages if s.stage in baseline_runs or s.run_id is None]
    shifts: dict[str, list[ColumnShift]] = {}
    for stage in order:
        old, new = baseline_runs.get(stage.stage), bad_runs.get(stage.stage)
        if old is None or new is None or old.profile is None or new.profile is None:
            continue
        earlier = (earlier_runs or {}).get(stage.stage)
        moving = moving_time_columns(old, None if earlier is None else earlier.profile)
        shifts[stage.stage] = column_shifts(
            old.profile, new.profile, time_columns=moving
        )
    changed = {name: [s for s in found if s.changed] for name, found in shifts.items()}
    culprit = _culprit(bad, order, changed)
    columns = _columns(order, changed, culprit)
    segments, concentration = (
        _segments(baseline, bad, culprit, columns) if culprit else ((), None)
    )
    return Localization(
        run=bad.id,
        baseline=baseline.id,
        pipeline=bad.pipeline,
        stage=_verdict(bad, culprit, changed) if culprit else None,
        columns=tuple(columns) if culprit else (),
        segments=segments,
        concentration=concentration,
        changes=_other_changes(bad, baseline, bad_runs, baseline_runs),
    )


def moving_time_columns(
    baseline: StageProfile, earlier: DatasetProfile | None
) -> frozenset[str]:
    """Datetime columns expected to move forward from run to run: the contract's
    time column, and those whose newest value advanced from ``earlier`` to the
    baseline (a birth date does not; an event time does)."""
    found = {baseline.time_column} if baseline.time_column else set()
    if earlier is not None and baseline.profile is not None:
        for name, column in baseline.profile.columns.items():
            before = earlier.columns.get(name)
            if column.kind is not Kind.DATETIME or before is None:
                continue
            if before.kind is Kind.DATETIME and _advanced(
                before.time.max, column.time.max
            ):
                found.add(name)
    return frozenset(found)


def _advanced(before: int | None, after: int | None) -> bool:
    return before is not None and after is not None and after > before


def _inputs_of(stage: StageCheckpoint, order: list[StageCheckpoint]) -> tuple[str, ...]:
    if stage.inputs:
        return stage.inputs
    earlier = [s.stage for s in order if s.position < stage.position]
    return (earlier[-1],) if earlier else ()


def _culprit(
    bad: PipelineRun,
    order: list[StageCheckpoint],
    changed: dict[str, list[ColumnShift]],
) -> str | None:
    moved = {s.stage for s in order if changed.get(s.stage) or s.status == "error"}
    for stage in order:
        if stage.stage in moved and not moved & set(_inputs_of(stage, order)):
            return stage.stage
    return next((s.stage for s in order if s.stage in moved), None)


def _verdict(
    bad: PipelineRun, culprit: str, changed: dict[str, list[ColumnShift]]
) -> StageVerdict:
    stage = bad.stage(culprit)
    assert stage is not None
    order = list(bad.stages)
    inputs = _inputs_of(stage, order)
    if stage.status == "error":
        message = f"failed: {stage.error_type}: {stage.error_message}"
    elif inputs:
        message = (
            f"its output changed ({len(changed.get(culprit, []))} column(s)) while its "
            f"inputs ({', '.join(inputs)}) did not"
        )
    else:
        message = (
            f"the source changed: the first stage's output moved "
            f"({len(changed.get(culprit, []))} column(s))"
        )
    evidence = {
        "inputs": list(inputs),
        "changed_columns": [s.column for s in changed.get(culprit, [])],
        "source": not inputs,
        "status": stage.status,
    }
    return StageVerdict(culprit, message, evidence)


def _columns(
    order: list[StageCheckpoint],
    changed: dict[str, list[ColumnShift]],
    culprit: str | None,
) -> list[ColumnVerdict]:
    first: dict[str, ColumnVerdict] = {}
    for stage in order:
        for shift in changed.get(stage.stage, []):
            if shift.column not in first:
                first[shift.column] = ColumnVerdict(
                    shift.column,
                    stage.stage,
                    shift.score,
                    shift.kind,
                    shift.message,
                    dict(shift.evidence),
                )
    return sorted(first.values(), key=lambda c: (c.stage != culprit, -c.score))


def _segments(
    baseline: PipelineRun,
    bad: PipelineRun,
    culprit: str,
    columns: list[ColumnVerdict],
) -> tuple[tuple[SegmentShare, ...], Concentration | None]:
    """Segments of the first column whose change the segment statistics can split."""
    for column in columns[:3]:
        kind = _KIND_OF.get(column.kind)
        old_stage, new_stage = (
            baseline.stage(column.stage),
            bad.stage(column.stage),
        )
        if kind is None or old_stage is None or new_stage is None:
            continue
        if old_stage.segments is None or new_stage.segments is None:
            continue
        before = SegmentStats.from_dict(old_stage.segments)
        after = SegmentStats.from_dict(new_stage.segments)
        found = _concentrations(before, after, column, kind)
        if found:
            shares = [
                SegmentShare(c.column, v, s, after.declared)
                for c in found
                for v, s in zip(c.values, c.shares, strict=True)
            ]
            return tuple(shares[:MAX_SEGMENTS]), found[0]
    return (), None


def _concentrations(
    before: SegmentStats, after: SegmentStats, column: ColumnVerdict, kind: ChangeKind
) -> list[Concentration]:
    found: list[Concentration] = []
    target = None if column.column == ROWS else column.column
    for segment in after.columns:
        if segment not in before.parts:
            continue
        parts = contributions(before, after, segment, target, kind)
        if not parts:
            continue
        a, b = before.parts[segment], after.parts[segment]
        # Shares of the baseline's rows (a value new in the bad run: its rows there).
        rows = dict(zip(b.values, map(float, b.rows), strict=True))
        rows.update(zip(a.values, map(float, a.rows), strict=True))
        hit = concentrate(parts, rows, column=segment)
        if hit is not None:
            found.append(hit)
    return sorted(found, key=lambda c: (-c.lift, len(c.values)))


def _other_changes(
    bad: PipelineRun,
    baseline: PipelineRun,
    bad_runs: Mapping[str, StageProfile],
    baseline_runs: Mapping[str, StageProfile],
) -> dict[str, Any]:
    code_a = baseline.code or _first_code(baseline_runs)
    code_b = bad.code or _first_code(bad_runs)
    commit_a = None if code_a is None else code_a.commit
    commit_b = None if code_b is None else code_b.commit
    code = {"before": commit_a, "after": commit_b} if commit_a != commit_b else None
    env_a, env_b = _first_env(baseline_runs), _first_env(bad_runs)
    environment = (
        [c.to_dict() for c in diff_environments(env_a, env_b).changes]
        if env_a is not None and env_b is not None
        else []
    )
    contracts, inputs, rows = [], [], []
    for stage in bad.stages:
        old_run, new_run = baseline_runs.get(stage.stage), bad_runs.get(stage.stage)
        old = baseline.stage(stage.stage)
        if old is not None and old.rows != stage.rows:
            rows.append({"stage": stage.stage, "before": old.rows, "after": stage.rows})
        if old_run is None or new_run is None:
            continue
        if old_run.contract_digest != new_run.contract_digest:
            contracts.append(
                {
                    "stage": stage.stage,
                    "before": old_run.contract_digest,
                    "after": new_run.contract_digest,
                }
            )
        for change in input_changes(old_run.inputs, new_run.inputs):
            inputs.append({"stage": stage.stage, **change.to_dict()})
    return {
        "code": code,
        "environment": environment,
        "contract": contracts,
        "inputs": inputs,
        "rows": rows,
    }


def _first_code(runs: Mapping[str, StageProfile]) -> Any:
    return next((r.code for r in runs.values() if r.code is not None), None)


def _first_env(runs: Mapping[str, StageProfile]) -> Any:
    return next((r.environment for r in runs.values() if r.environment), None)


def _short(commit: str | None) -> str:
    return "-" if not commit else commit[:7]
