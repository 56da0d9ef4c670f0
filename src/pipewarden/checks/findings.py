"""Findings: what a check found, as plain values shaped like the findings JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any

from pipewarden._severity import Severity
from pipewarden._text import clip, counted
from pipewarden.errors import ValidationFailedError

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = [
    "CheckResult",
    "Finding",
    "Severity",
    "Status",
    "merge_findings",
    "sort_findings",
]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a check found, with a sentence a person can act on."""

    check: str
    column: str | None
    severity: Severity
    message: str
    value: Any = None
    threshold: Any = None
    segment: dict[str, Any] | None = None
    evidence: dict[str, Any] | None = None
    """What the finding is likely caused by, for tools to read: ``cause`` (a stable
    word, e.g. ``unit``, ``padding``, ``rename``, ``sentinel``, ``outage``), and as
    they apply ``conversion``, ``onset``, ``examples`` and per-cause details. None
    when no cause is named. The message's first sentence names the same cause."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "check": self.check,
            "column": self.column,
            "severity": self.severity.value,
            "value": self.value,
            "threshold": self.threshold,
            "segment": self.segment,
            "message": self.message,
        }
        if self.evidence is not None:
            out["evidence"] = self.evidence
        return out

    @property
    def cause(self) -> str | None:
        """The cause named by the evidence (``evidence["cause"]``), if any."""
        return None if self.evidence is None else self.evidence.get("cause")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            check=data["check"],
            column=data.get("column"),
            severity=Severity(data["severity"]),
            message=data["message"],
            value=data.get("value"),
            threshold=data.get("threshold"),
            segment=data.get("segment"),
            evidence=data.get("evidence"),
        )

    def __repr__(self) -> str:
        where = f" {clip(self.column, 30)!r}" if self.column is not None else ""
        return (
            f"<Finding {self.severity.value} {clip(self.check, 30)}{where}: "
            f"{clip(self.message, 80)}>"
        )


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Findings in report order: worst severity first, then by check id, then column.

    Findings without a column sort before those with one of the same check.

    Args:
        findings: Findings in any order.

    Returns:
        The same findings, sorted.
    """
    return tuple(sorted(findings, key=_report_order))


def merge_findings(*groups: Iterable[Finding]) -> tuple[Finding, ...]:
    """Every finding of every group, in report order (see :func:`sort_findings`).

    Example:
        >>> merged = merge_findings(result.findings, drift_report.findings)
    """
    return sort_findings(chain.from_iterable(groups))


def _report_order(finding: Finding) -> tuple[int, str, str]:
    return (-finding.severity.rank, finding.check, finding.column or "")


Status = str
"""'pass' | 'warn' | 'fail'."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of checking one batch against a contract."""

    rows: int
    findings: tuple[Finding, ...] = ()
    dataset: str | None = None
    contract: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        worst = self.max_severity
        if worst is Severity.ERROR:
            return "fail"
        if worst is Severity.WARNING:
            return "warn"
        return "pass"

    @property
    def max_severity(self) -> Severity | None:
        return max(
            (f.severity for f in self.findings), default=None, key=lambda s: s.rank
        )

    @property
    def failed(self) -> bool:
        return self.status == "fail"

    def at_least(self, severity: Severity) -> list[Finding]:
        return [f for f in self.findings if f.severity >= severity]

    def raise_for_findings(self, at_least: Severity = Severity.ERROR) -> CheckResult:
        """Raise ValidationFailedError when any finding is at least this severe.

        Returns:
            The result itself, so calls can be chained.
        """
        bad = self.at_least(at_least)
        if bad:
            raise ValidationFailedError(
                f"{len(bad)} finding(s) at {at_least.value} or worse; first: "
                f"{bad[0].message}",
                self,
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": self.status,
            "rows": self.rows,
            "dataset": self.dataset,
            "contract": self.contract,
            "findings": [f.to_dict() for f in self.findings],
        }
        out.update(self.extra)
        return out

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, default=str, allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        known = {"status", "rows", "dataset", "contract", "findings"}
        return cls(
            rows=int(data["rows"]),
            findings=tuple(Finding.from_dict(f) for f in data.get("findings", [])),
            dataset=data.get("dataset"),
            contract=data.get("contract"),
            extra={k: v for k, v in data.items() if k not in known},
        )

    def __repr__(self) -> str:
        n = {s: sum(1 for f in self.findings if f.severity is s) for s in Severity}
        counts = (
            f"{counted(n[Severity.ERROR], 'error')}, "
            f"{counted(n[Severity.WARNING], 'warning')}, {n[Severity.INFO]:,} info"
        )
        name = f" {clip(self.dataset, 40)!r}" if self.dataset else ""
        return f"<CheckResult {self.status}{name}: {self.rows:,} rows; {counts}>"

    def _repr_html_(self) -> str:
        """The HTML a notebook shows (``pipewarden.report.notebook``)."""
        from pipewarden.report.notebook import to_html

        return to_html(self)

    def __rich__(self) -> RenderableType:
        """What a Rich console prints (``pipewarden.report.terminal``)."""
        from pipewarden.report.terminal import to_rich

        return to_rich(self)
