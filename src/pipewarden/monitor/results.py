"""What ``pipewarden monitor MODEL`` finds: one result per window, and the whole.

``MonitorReport.to_dict()`` is the JSON of ``monitor --json``::

    {"model": "churn", "version": "3", "task": "regression",
     "window": "month", "baseline": {"mae": 2.1},
     "windows": [{"start": ISO, "end": ISO, "predictions": 8000, "labelled": 7400,
                  "metrics": {"mae": 2.3, ...}, "intervals": {"mae": [2.2, 2.4]},
                  "per_class": {...}, "notes": [...],
                  "drift": {"drifted_columns": ["income"], "columns": {...},
                            "prediction": {...} | null},
                  "diagnosis": "covariate_drift", "evidence": "...",
                  "findings": [Finding.to_dict(), ...],
                  "estimated": {"metrics": {"accuracy": {"value", "interval",
                                "realized"}}, "reliable", "reasons"} | null}],
     "findings": [... every window finding with "segment": {"window": START},
                  and retrain.recommended],
     "alerts": [...], "advice": {"retrain": true, "reasons": [...]},
     "estimation": {"method", "reference_window", "calibration", "note"}}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipewarden.checks.findings import Finding
from pipewarden.monitor.diagnosis import Diagnosis
from pipewarden.monitor.performance import Performance
from pipewarden.monitor.retrain import RetrainAdvice

__all__ = ["MonitorReport", "WindowResult"]


@dataclass(frozen=True, slots=True)
class WindowResult:
    """One window of a monitored model."""

    start: datetime
    end: datetime
    predictions: int
    performance: Performance
    drift: dict[str, Any] = field(default_factory=dict)
    diagnosis: Diagnosis | None = None
    findings: tuple[Finding, ...] = ()
    estimate: dict[str, Any] | None = None
    """CBPE: per metric the estimate, its interval and the realized value, and
    whether its assumptions held (``monitor.cbpe``); None without scores."""

    @property
    def labelled(self) -> int:
        return self.performance.labelled

    @property
    def metrics(self) -> dict[str, float]:
        return {k: v.value for k, v in self.performance.metrics.items()}

    def to_dict(self) -> dict[str, Any]:
        perf = self.performance
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "predictions": self.predictions,
            "labelled": perf.labelled,
            "metrics": self.metrics,
            "intervals": {
                k: None if v.interval is None else list(v.interval)
                for k, v in perf.metrics.items()
            },
            "per_class": perf.per_class,
            "notes": list(perf.notes),
            "drift": self.drift,
            "diagnosis": None if self.diagnosis is None else self.diagnosis.kind,
            "evidence": None if self.diagnosis is None else self.diagnosis.evidence,
            "domain_auc": None
            if self.diagnosis is None or self.diagnosis.auc_inputs is None
            else {
                "inputs": self.diagnosis.auc_inputs,
                "inputs_and_label": self.diagnosis.auc_with_label,
            },
            "findings": [f.to_dict() for f in self.findings],
            "estimated": self.estimate,
        }


@dataclass(frozen=True, slots=True)
class MonitorReport:
    """A model's windows, findings, alerts and retrain advice."""

    model: str
    version: str
    task: str | None
    window: str
    baseline: dict[str, float]
    windows: tuple[WindowResult, ...]
    advice: RetrainAdvice
    alerts: tuple[dict[str, Any], ...] = ()
    """The model's unresolved alerts after this report synchronised them."""
    alert_events: tuple[Any, ...] = ()
    """The alert transitions this report made (``monitor.alerts.AlertEvent``); not
    in ``to_dict()``: a second run over the same data makes none."""
    advice_finding: Finding | None = None
    estimation: dict[str, Any] | None = None
    """How performance is estimated before labels (``monitor.cbpe``), or why not."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every window finding (its window as segment), window by window, each
        window's in its order (by the model's feature importance), then the advice."""
        found = [
            Finding(
                f.check,
                f.column,
                f.severity,
                f.message,
                f.value,
                f.threshold,
                {"window": w.start.isoformat()},
            )
            for w in self.windows
            for f in w.findings
        ]
        if self.advice_finding is not None:
            found.append(self.advice_finding)
        return tuple(found)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "version": self.version,
            "task": self.task,
            "window": self.window,
            "baseline": dict(self.baseline),
            "windows": [w.to_dict() for w in self.windows],
            "findings": [f.to_dict() for f in self.findings],
            "alerts": list(self.alerts),
            "advice": self.advice.to_dict(),
            "estimation": self.estimation,
        }
