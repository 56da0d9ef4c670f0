"""What changed between two runs: data, contract, code, environment, inputs, findings.

"What was different last time it worked?" ``diff_runs(good, bad)`` answers it from
stored runs alone, as a plain value that the CLI renders as tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from pipewarden.env.diff import EnvDiffResult, diff
from pipewarden.io.fingerprints import InputFingerprint
from pipewarden.profiles.column import ColumnProfile
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.store.records import Run, RunSummary

__all__ = [
    "ColumnChange",
    "ContractChange",
    "InputChange",
    "RunDiffReport",
    "ValueChange",
    "column_changes",
    "column_statistics",
    "diff_runs",
    "input_changes",
]

Change = Literal["added", "removed", "changed"]
COLUMN_STATISTICS = ("kind", "dtype", "null_rate", "mean", "distinct")
_RELATIVE_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class ValueChange:
    """One named value that differs."""

    name: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "before": self.before, "after": self.after}


@dataclass(frozen=True, slots=True)
class ColumnChange:
    """A data column that appeared, disappeared, or whose statistics moved.

    ``before`` and ``after`` hold kind, dtype, null_rate, mean and distinct (empty
    for the side where the column is absent); ``changed`` names those that differ.
    """

    column: str
    change: Change
    before: dict[str, Any]
    after: dict[str, Any]
    changed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "change": self.change,
            "before": self.before,
            "after": self.after,
            "changed": list(self.changed),
        }


@dataclass(frozen=True, slots=True)
class ContractChange:
    """How the contract of run B differs from that of run A.

    ``changed_columns`` maps a column to the keys of its spec that differ;
    ``changed_keys`` lists other differing keys, dotted (``dataset.rows.min``).
    """

    before: str | None
    after: str | None
    added_columns: tuple[str, ...] = ()
    removed_columns: tuple[str, ...] = ()
    changed_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    changed_keys: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "before": self.before,
            "after": self.after,
            "added_columns": list(self.added_columns),
            "removed_columns": list(self.removed_columns),
            "changed_columns": {k: list(v) for k, v in self.changed_columns.items()},
            "changed_keys": list(self.changed_keys),
        }


@dataclass(frozen=True, slots=True)
class InputChange:
    """An input file that appeared, disappeared or changed (``changed`` says how)."""

    path: str
    change: Change
    before: InputFingerprint | None
    after: InputFingerprint | None
    changed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "change": self.change,
            "changed": list(self.changed),
            "before": None if self.before is None else self.before.to_dict(),
            "after": None if self.after is None else self.after.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class RunDiffReport:
    """Everything that differs from run ``a`` to run ``b``.

    Attributes:
        a: The earlier (or known-good) run.
        b: The later (or failing) run.
        overview: Status, row count and column count, where they differ.
        columns: Data columns added, removed or with moved statistics.
        contract: Contract differences, or None when both used the same contract.
        code: Commit, branch and dirty flag, where they differ.
        environment: Python, platform and package changes (``env.diff``).
        environment_known: False when either run has no stored environment.
        inputs: Input files that differ.
        new_findings: ``check[:column]`` of warnings and errors only in ``b``.
        resolved_findings: Those only in ``a``.
    """

    a: RunSummary
    b: RunSummary
    overview: tuple[ValueChange, ...] = ()
    columns: tuple[ColumnChange, ...] = ()
    contract: ContractChange | None = None
    code: tuple[ValueChange, ...] = ()
    environment: EnvDiffResult = field(default_factory=EnvDiffResult)
    environment_known: bool = True
    inputs: tuple[InputChange, ...] = ()
    new_findings: tuple[str, ...] = ()
    resolved_findings: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when nothing compared differs."""
        return not (
            self.overview
            or self.columns
            or self.contract
            or self.code
            or self.environment.changes
            or self.inputs
            or self.new_findings
            or self.resolved_findings
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "overview": [c.to_dict() for c in self.overview],
            "columns": [c.to_dict() for c in self.columns],
            "contract": None if self.contract is None else self.contract.to_dict(),
            "code": [c.to_dict() for c in self.code],
            "environment": self.environment.to_dict(),
            "environment_known": self.environment_known,
            "inputs": [c.to_dict() for c in self.inputs],
            "new_findings": list(self.new_findings),
            "resolved_findings": list(self.resolved_findings),
        }


def diff_runs(a: Run, b: Run) -> RunDiffReport:
    """Compare two recorded runs.

    Args:
        a: The run that worked (or the earlier one).
        b: The run to explain.

    Returns:
        What differs, section by section.
    """
    known = a.environment is not None and b.environment is not None
    environment = EnvDiffResult()
    if a.environment is not None and b.environment is not None:
        environment = diff(a.environment, b.environment)
    new, resolved = _finding_changes(a, b)
    return RunDiffReport(
        a=a.summary,
        b=b.summary,
        overview=_overview(a, b),
        columns=column_changes(a.profile, b.profile),
        contract=_contract_change(a, b),
        code=_code_changes(a, b),
        environment=environment,
        environment_known=known,
        inputs=input_changes(a.inputs, b.inputs),
        new_findings=new,
        resolved_findings=resolved,
    )


def _overview(a: Run, b: Run) -> tuple[ValueChange, ...]:
    pairs = [
        ("status", a.status, b.status),
        ("rows", a.result.rows, b.result.rows),
        ("columns", _width(a.profile), _width(b.profile)),
        ("dataset", a.dataset, b.dataset),
    ]
    return tuple(ValueChange(n, x, y) for n, x, y in pairs if x != y)


def _width(profile: DatasetProfile | None) -> int | None:
    return None if profile is None else len(profile.columns)


def column_statistics(column: ColumnProfile) -> dict[str, Any]:
    """The statistics ``runs diff`` compares for one column."""
    return {
        "kind": column.kind.value,
        "dtype": column.dtype,
        "null_rate": column.null_rate,
        "mean": column.moments.mean if column.moments.count else None,
        "distinct": column.distinct_count,
    }


def column_changes(
    a: DatasetProfile | None, b: DatasetProfile | None
) -> tuple[ColumnChange, ...]:
    """Columns added, removed, or whose statistics (``COLUMN_STATISTICS``) moved
    from profile ``a`` to profile ``b``; structural changes first."""
    before = {} if a is None else a.columns
    after = {} if b is None else b.columns
    changes: list[ColumnChange] = []
    for name in dict.fromkeys([*before, *after]):
        old, new = before.get(name), after.get(name)
        if old is None and new is not None:
            changes.append(ColumnChange(name, "added", {}, column_statistics(new)))
        elif new is None and old is not None:
            changes.append(ColumnChange(name, "removed", column_statistics(old), {}))
        elif old is not None and new is not None:
            x, y = column_statistics(old), column_statistics(new)
            moved = tuple(k for k in COLUMN_STATISTICS if not _same(x[k], y[k]))
            if moved:
                changes.append(ColumnChange(name, "changed", x, y, moved))
    return tuple(sorted(changes, key=_structural_first))


def _structural_first(change: ColumnChange) -> int:
    """Added, removed and retyped columns first: they are what usually breaks models."""
    if change.change != "changed" or {"kind", "dtype"} & set(change.changed):
        return 0
    return 1


def _same(x: Any, y: Any) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        return math.isclose(x, y, rel_tol=_RELATIVE_TOLERANCE, abs_tol=1e-12)
    return bool(x == y)


def _contract_change(a: Run, b: Run) -> ContractChange | None:
    if a.contract_digest == b.contract_digest:
        return None
    x = {} if a.contract is None else a.contract.to_dict()
    y = {} if b.contract is None else b.contract.to_dict()
    cols_x, cols_y = x.pop("columns", {}), y.pop("columns", {})
    changed_columns = {
        name: tuple(_changed_paths(cols_x[name], cols_y[name]))
        for name in cols_x
        if name in cols_y and cols_x[name] != cols_y[name]
    }
    return ContractChange(
        before=a.contract_digest,
        after=b.contract_digest,
        added_columns=tuple(c for c in cols_y if c not in cols_x),
        removed_columns=tuple(c for c in cols_x if c not in cols_y),
        changed_columns=changed_columns,
        changed_keys=tuple(_changed_paths(x, y)),
    )


def _changed_paths(x: Any, y: Any, prefix: str = "") -> list[str]:
    if isinstance(x, dict) and isinstance(y, dict):
        paths: list[str] = []
        for key in dict.fromkeys([*x, *y]):
            paths.extend(_changed_paths(x.get(key), y.get(key), f"{prefix}{key}."))
        return paths
    return [] if x == y else [prefix.rstrip(".") or "(whole)"]


def _code_changes(a: Run, b: Run) -> tuple[ValueChange, ...]:
    x = {} if a.code is None else a.code.to_dict()
    y = {} if b.code is None else b.code.to_dict()
    return tuple(
        ValueChange(k, x.get(k), y.get(k))
        for k in ("commit", "branch", "dirty")
        if x.get(k) != y.get(k)
    )


def input_changes(
    a: tuple[InputFingerprint, ...], b: tuple[InputFingerprint, ...]
) -> tuple[InputChange, ...]:
    if len(a) == 1 and len(b) == 1:  # one file each: the same input, maybe renamed
        pairs: list[tuple[InputFingerprint | None, InputFingerprint | None]] = [
            (a[0], b[0])
        ]
    else:
        by_a, by_b = {i.path: i for i in a}, {i.path: i for i in b}
        pairs = [(by_a.get(p), by_b.get(p)) for p in dict.fromkeys([*by_a, *by_b])]
    changes: list[InputChange] = []
    for old, new in pairs:
        if old is None and new is not None:
            changes.append(InputChange(new.path, "added", None, new))
        elif new is None and old is not None:
            changes.append(InputChange(old.path, "removed", old, None))
        elif old is not None and new is not None:
            moved = tuple(
                k
                for k in ("path", "size", "modified_at", "content_hash")
                if getattr(old, k) != getattr(new, k)
            )
            if moved:
                changes.append(InputChange(new.path, "changed", old, new, moved))
    return tuple(changes)


def _finding_changes(a: Run, b: Run) -> tuple[tuple[str, ...], tuple[str, ...]]:
    def keys(run: Run) -> dict[str, None]:
        return dict.fromkeys(
            f.check + (f":{f.column}" if f.column else "")
            for f in run.result.findings
            if f.severity.value != "info"
        )

    x, y = keys(a), keys(b)
    return tuple(k for k in y if k not in x), tuple(k for k in x if k not in y)
