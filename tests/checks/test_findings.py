"""Findings and check results: ordering, status, raising, and the findings JSON shape."""

from __future__ import annotations

import json

import pytest

from pipewarden.checks.findings import (
    CheckResult,
    Finding,
    Severity,
    merge_findings,
    sort_findings,
)
from pipewarden.errors import ValidationFailedError

INFO = Finding("drift.psi", "x", Severity.INFO, "PSI 0.01.", value=0.01, threshold=0.2)
WARN = Finding("nulls.rate", "x", Severity.WARNING, "Column 'x' is 25% null.")
FAIL = Finding(
    "schema.missing_column",
    "y",
    Severity.ERROR,
    "Column 'y' is missing.",
    segment={"site": "north"},
)


def test_severities_are_ordered() -> None:
    assert Severity.INFO < Severity.WARNING < Severity.ERROR
    assert Severity.ERROR >= Severity.ERROR > Severity.WARNING >= Severity.INFO
    assert sorted([Severity.ERROR, Severity.INFO, Severity.WARNING]) == [
        Severity.INFO,
        Severity.WARNING,
        Severity.ERROR,
    ]
    with pytest.raises(TypeError):
        assert Severity.INFO < 1


@pytest.mark.parametrize(
    ("findings", "status", "worst"),
    [
        ((), "pass", None),
        ((INFO,), "pass", Severity.INFO),
        ((INFO, WARN), "warn", Severity.WARNING),
        ((WARN, FAIL, INFO), "fail", Severity.ERROR),
    ],
)
def test_status_follows_the_worst_finding(
    findings: tuple[Finding, ...], status: str, worst: Severity | None
) -> None:
    result = CheckResult(rows=3, findings=findings)
    assert (result.status, result.max_severity, result.failed) == (
        status,
        worst,
        status == "fail",
    )


def test_raise_for_findings_names_the_first_bad_one() -> None:
    result = CheckResult(rows=3, findings=(FAIL, WARN))
    with pytest.raises(ValidationFailedError) as info:
        result.raise_for_findings()
    assert str(info.value) == (
        "1 finding(s) at error or worse; first: Column 'y' is missing."
    )
    assert info.value.result is result
    with pytest.raises(
        ValidationFailedError, match=r"^2 finding\(s\) at warning or worse"
    ):
        result.raise_for_findings(at_least=Severity.WARNING)
    clean = CheckResult(rows=3, findings=(INFO, WARN))
    assert clean.raise_for_findings() is clean


def test_at_least_filters_by_severity() -> None:
    result = CheckResult(rows=1, findings=(INFO, WARN, FAIL))
    assert result.at_least(Severity.WARNING) == [WARN, FAIL]
    assert result.at_least(Severity.INFO) == [INFO, WARN, FAIL]


def test_findings_json_has_the_documented_shape() -> None:
    result = CheckResult(
        rows=123,
        findings=(FAIL,),
        dataset="batch.csv",
        contract="c.yaml",
        extra={"run_id": "r1"},
    )
    data = json.loads(result.to_json())
    assert data == {
        "status": "fail",
        "rows": 123,
        "dataset": "batch.csv",
        "contract": "c.yaml",
        "findings": [
            {
                "check": "schema.missing_column",
                "column": "y",
                "severity": "error",
                "value": None,
                "threshold": None,
                "segment": {"site": "north"},
                "message": "Column 'y' is missing.",
            }
        ],
        "run_id": "r1",
    }
    assert CheckResult.from_dict(data) == result


@pytest.mark.parametrize("finding", [INFO, WARN, FAIL])
def test_findings_round_trip(finding: Finding) -> None:
    assert Finding.from_dict(json.loads(json.dumps(finding.to_dict()))) == finding


def test_severity_ranks_follow_the_order() -> None:
    assert [s.rank for s in (Severity.INFO, Severity.WARNING, Severity.ERROR)] == [
        0,
        1,
        2,
    ]
    assert Severity("error") is Severity.ERROR


def test_sort_findings_puts_the_worst_first_then_check_then_column() -> None:
    no_column = Finding("volume.row_count", None, Severity.WARNING, "Few rows.")
    other_column = Finding("nulls.rate", "a", Severity.WARNING, "Column 'a' is null.")

    ordered = sort_findings([INFO, WARN, no_column, FAIL, other_column])

    assert ordered == (FAIL, other_column, WARN, no_column, INFO)


def test_merge_findings_sorts_every_group_together() -> None:
    assert merge_findings((INFO, WARN), (), [FAIL]) == (FAIL, WARN, INFO)
    assert merge_findings() == ()
