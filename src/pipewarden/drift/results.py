"""What a drift comparison found: per-column comparisons and the DriftReport.

These are plain values (``to_dict``/``from_dict``); nothing here computes statistics.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipewarden._text import clip
from pipewarden.checks import codes
from pipewarden.checks.findings import CheckResult, Finding, Severity, sort_findings

if TYPE_CHECKING:
    from rich.console import RenderableType

JsonDict = dict[str, Any]


@dataclass(frozen=True, slots=True)
class StatValue:
    """One statistic of one column: its score and, for tests, its p-value."""

    name: str
    score: float
    p_value: float | None = None

    def to_dict(self) -> JsonDict:
        return {"name": self.name, "score": self.score, "p_value": self.p_value}

    @classmethod
    def from_dict(cls, data: JsonDict) -> StatValue:
        return cls(str(data["name"]), float(data["score"]), data.get("p_value"))


@dataclass(frozen=True, slots=True)
class ColumnComparison:
    """How one column (or the label, or the prediction) changed.

    ``score``/``threshold`` belong to the deciding ``statistic``; ``p_value`` is the
    significance test's p-value after the multiple-testing correction (``p_value_raw``
    before it), or None when the statistic has no test. ``summary`` holds what the
    report plots (see DriftReport).
    """

    column: str
    kind: str
    check: str
    statistic: str
    score: float
    threshold: float
    p_value: float | None
    p_value_raw: float | None
    test: str | None
    drifted: bool
    severity: Severity
    message: str
    stats: tuple[StatValue, ...] = ()
    summary: JsonDict = field(default_factory=dict)
    segment: dict[str, str] | None = None
    change: str = ""
    """A few words on what moved, e.g. ``mean 100 -> 105`` or ``null 2.0% -> 30%``."""

    def finding(self) -> Finding:
        """The comparison as a finding (``value`` is the score)."""
        return Finding(
            self.check,
            self.column,
            self.severity,
            self.message,
            value=self.score,
            threshold=self.threshold,
            segment=self.segment,
        )

    def to_dict(self) -> JsonDict:
        return {
            "column": self.column,
            "kind": self.kind,
            "check": self.check,
            "statistic": self.statistic,
            "score": self.score,
            "threshold": self.threshold,
            "p_value": self.p_value,
            "p_value_raw": self.p_value_raw,
            "test": self.test,
            "drifted": self.drifted,
            "severity": self.severity.value,
            "message": self.message,
            "stats": {
                s.name: {"score": s.score, "p_value": s.p_value} for s in self.stats
            },
            "summary": self.summary,
            "segment": self.segment,
            "change": self.change,
        }

    @classmethod
    def from_dict(cls, data: JsonDict) -> ColumnComparison:
        return cls(
            column=str(data["column"]),
            kind=str(data["kind"]),
            check=str(data["check"]),
            statistic=str(data["statistic"]),
            score=float(data["score"]),
            threshold=float(data["threshold"]),
            p_value=data.get("p_value"),
            p_value_raw=data.get("p_value_raw"),
            test=data.get("test"),
            drifted=bool(data["drifted"]),
            severity=Severity(data["severity"]),
            message=str(data["message"]),
            stats=tuple(
                StatValue(k, float(v["score"]), v.get("p_value"))
                for k, v in data.get("stats", {}).items()
            ),
            summary=dict(data.get("summary") or {}),
            segment=data.get("segment"),
            change=str(data.get("change", "")),
        )


@dataclass(frozen=True, slots=True)
class MultivariateResult:
    """The domain-classifier test: can a model tell reference rows from current rows?

    ``auc`` is the ROC AUC on held-out rows (0.5: indistinguishable). ``importance``
    lists the columns the classifier relied on most, with the AUC lost when each is
    shuffled. ``excluded`` lists the columns of both sides it was not given, with
    the reason (time columns, identifiers, columns that move with time...).
    """

    auc: float
    threshold: float
    p_value: float
    drifted: bool
    severity: Severity
    message: str
    columns: tuple[str, ...]
    importance: tuple[tuple[str, float], ...]
    sample_rows: tuple[int, int]
    excluded: tuple[tuple[str, str], ...] = ()

    def finding(self) -> Finding:
        return Finding(
            codes.DRIFT_MULTIVARIATE,
            None,
            self.severity,
            self.message,
            value=self.auc,
            threshold=self.threshold,
        )

    def to_dict(self) -> JsonDict:
        return {
            "auc": self.auc,
            "threshold": self.threshold,
            "p_value": self.p_value,
            "drifted": self.drifted,
            "severity": self.severity.value,
            "message": self.message,
            "columns": list(self.columns),
            "importance": [[c, v] for c, v in self.importance],
            "sample_rows": {
                "reference": self.sample_rows[0],
                "current": self.sample_rows[1],
            },
            "excluded": [{"column": c, "reason": r} for c, r in self.excluded],
        }

    @classmethod
    def from_dict(cls, data: JsonDict) -> MultivariateResult:
        rows = data.get("sample_rows") or {}
        return cls(
            auc=float(data["auc"]),
            threshold=float(data["threshold"]),
            p_value=float(data["p_value"]),
            drifted=bool(data["drifted"]),
            severity=Severity(data["severity"]),
            message=str(data["message"]),
            columns=tuple(data.get("columns", ())),
            importance=tuple((str(c), float(v)) for c, v in data.get("importance", ())),
            sample_rows=(int(rows.get("reference", 0)), int(rows.get("current", 0))),
            excluded=tuple(
                (str(e["column"]), str(e["reason"])) for e in data.get("excluded", ())
            ),
        )


@dataclass(frozen=True, slots=True)
class DriftReport:
    """Which columns of the current batch changed against the reference, and how.

    ``to_dict()`` is the stable JSON written by ``pipewarden drift --json`` and read by
    ``pipewarden.report``::

        {"status": "pass" | "warn" | "fail",          # worst severity of the findings
         "rows": 2000000,                              # = current_rows (findings JSON)
         "reference_rows": 2000000, "current_rows": 2000000,
         "dataset": "current.parquet" | null, "reference": "reference.parquet" | null,
         "contract": "contract.yaml" | null,           # its name, or its path
         "correction": "bh" | "bonferroni" | "none", "alpha": 0.01,
         "columns": [                                  # one per compared column
           {"column": "f_norm_1",
            "kind": "float",                           # integer float boolean categorical text
            "check": "drift.wasserstein",              # the finding's check id
            "statistic": "wasserstein",                # deciding statistic (effect size)
            "score": 0.49, "threshold": 0.1,
            "p_value": 1e-300 | null,                  # test p-value after correction
            "p_value_raw": 1e-300 | null,              # before correction
            "test": "ks" | "chi2" | "z" | "t" | null,  # the test behind p_value
            "drifted": true,                           # score >= threshold AND p < alpha
            "severity": "error" | "warning" | "info",
            "message": "...",
            "stats": {"psi": {"score": 0.26, "p_value": null},
                      "ks": {"score": 0.19, "p_value": 0.0}, ...},  # all computed
            "summary": SUMMARY,                        # what to plot, see below
            "segment": null | {"device_id": "17"},     # where the change concentrates
            "change": "mean 100 -> 105"},              # a few words for tables
           ...],
         "nulls": [ COLUMN-SHAPED, check "drift.null_rate", statistic "null_rate",
                    score = Cohen's h, summary {"type": "null_rate", "reference": 0.02,
                    "current": 0.30} ],
         "label": COLUMN-SHAPED (check "label.shift") | null,
         "prediction": COLUMN-SHAPED (check "drift.prediction") | null,
         "multivariate": {"auc": 0.71, "threshold": 0.55, "p_value": 0.0,
                          "drifted": true, "severity": "warning", "message": "...",
                          "columns": [...used...], "importance": [["f_norm_1", 0.12], ...],
                          "sample_rows": {"reference": 20000, "current": 20000},
                          "excluded": [{"column": "pump_age_years",
                                        "reason": "moves with time: ..."}, ...]} | null,
         "skipped": [{"column": "i_id", "reason": "identifier: ..."}, ...],
         "notes": ["multivariate test skipped: a side is a saved profile", ...],
         "findings": [Finding.to_dict(), ...]}          # every drift.* / label.shift

    SUMMARY by type (shares are of non-null values and sum to 1 per side)::

        {"type": "numeric", "edges": [e0, ..., eB],     # B bins from reference quantiles
         "reference": [B shares], "current": [B shares]}
        {"type": "categorical", "categories": ["a", "b", "__other__"],
         "reference": [shares], "current": [shares]}
        {"type": "text", "reference": {"mean_length": 41.2, "std_length": 9.1},
         "current": {"mean_length": 44.0, "std_length": 9.3}}
        {"type": "null_rate", "reference": 0.02, "current": 0.30}

    Numeric bins: edges[0] and edges[-1] are the smallest and largest value seen on
    either side; inner edges are reference quantiles, so each reference bin holds about
    the same share. A bin is (edges[i], edges[i+1]], the first one closed on the left.
    """

    reference_rows: int
    current_rows: int
    columns: tuple[ColumnComparison, ...] = ()
    nulls: tuple[ColumnComparison, ...] = ()
    label: ColumnComparison | None = None
    prediction: ColumnComparison | None = None
    multivariate: MultivariateResult | None = None
    skipped: tuple[tuple[str, str], ...] = ()
    correction: str = "bh"
    alpha: float = 0.01
    dataset: str | None = None
    reference: str | None = None
    contract: str | None = None
    notes: tuple[str, ...] = ()
    """What the report could not do and why, e.g. why ``multivariate`` is None."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every drift finding, worst first (``info`` for columns that did not drift)."""
        found = [c.finding() for c in self._all_comparisons()]
        if self.multivariate is not None:
            found.append(self.multivariate.finding())
        return sort_findings(found)

    def _all_comparisons(self) -> list[ColumnComparison]:
        extra = [c for c in (self.label, self.prediction) if c is not None]
        return [*self.columns, *self.nulls, *extra]

    @property
    def drifted(self) -> list[ColumnComparison]:
        """The comparisons that crossed their threshold, worst first."""
        hits = [c for c in self._all_comparisons() if c.drifted]
        return sorted(hits, key=lambda c: (-c.severity.rank, -c.score))

    @property
    def drifted_columns(self) -> list[str]:
        """Names of the columns with any drifted comparison, in report order."""
        return list(dict.fromkeys(c.column for c in self.drifted))

    def to_check_result(self) -> CheckResult:
        """The findings as a CheckResult (status, exit code and findings JSON)."""
        return CheckResult(
            rows=self.current_rows,
            findings=self.findings,
            dataset=self.dataset,
            contract=self.contract,
        )

    @property
    def status(self) -> str:
        return self.to_check_result().status

    def to_dict(self) -> JsonDict:
        return {
            "status": self.status,
            "rows": self.current_rows,
            "reference_rows": self.reference_rows,
            "current_rows": self.current_rows,
            "dataset": self.dataset,
            "reference": self.reference,
            "contract": self.contract,
            "correction": self.correction,
            "alpha": self.alpha,
            "columns": [c.to_dict() for c in self.columns],
            "nulls": [c.to_dict() for c in self.nulls],
            "label": self.label.to_dict() if self.label else None,
            "prediction": self.prediction.to_dict() if self.prediction else None,
            "multivariate": self.multivariate.to_dict() if self.multivariate else None,
            "skipped": [{"column": c, "reason": r} for c, r in self.skipped],
            "notes": list(self.notes),
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, default=str, allow_nan=False)

    @classmethod
    def from_dict(cls, data: JsonDict) -> DriftReport:
        def one(key: str) -> ColumnComparison | None:
            raw = data.get(key)
            return ColumnComparison.from_dict(raw) if raw else None

        multi = data.get("multivariate")
        return cls(
            reference_rows=int(data["reference_rows"]),
            current_rows=int(data["current_rows"]),
            columns=tuple(
                ColumnComparison.from_dict(c) for c in data.get("columns", [])
            ),
            nulls=tuple(ColumnComparison.from_dict(c) for c in data.get("nulls", [])),
            label=one("label"),
            prediction=one("prediction"),
            multivariate=MultivariateResult.from_dict(multi) if multi else None,
            skipped=tuple((s["column"], s["reason"]) for s in data.get("skipped", [])),
            correction=str(data.get("correction", "bh")),
            alpha=float(data.get("alpha", 0.01)),
            dataset=data.get("dataset"),
            reference=data.get("reference"),
            contract=data.get("contract"),
            notes=tuple(str(n) for n in data.get("notes", ())),
        )

    def __repr__(self) -> str:
        sides = f" {clip(self.dataset, 40)!r}" if self.dataset else ""
        if self.reference:
            sides += f" vs {clip(self.reference, 40)!r}"
        return (
            f"<DriftReport {self.status}{sides}: {len(self.drifted_columns):,} of "
            f"{len(self.columns):,} columns drifted>"
        )

    def _repr_html_(self) -> str:
        """The HTML a notebook shows (``pipewarden.report.notebook``)."""
        from pipewarden.report.notebook import to_html

        return to_html(self)

    def __rich__(self) -> RenderableType:
        """What a Rich console prints (``pipewarden.report.terminal``)."""
        from pipewarden.report.terminal import to_rich

        return to_rich(self)
