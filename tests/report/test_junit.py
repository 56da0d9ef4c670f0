"""JUnit XML: valid against the JUnit schema, read back by junitparser, one test case
per check and column, failures at --fail-on."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import xmlschema
from display_data import EVIL, results
from junitparser import Failure, JUnitXml

from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.report.junit import junit_xml

SCHEMA = xmlschema.XMLSchema(Path(__file__).parents[1] / "data" / "junit.xsd")
RESULTS = results()


def _read(text: str, tmp_path: Path) -> JUnitXml:
    path = tmp_path / "junit.xml"
    path.write_text(text, encoding="utf-8")
    SCHEMA.validate(str(path))
    return JUnitXml.fromfile(str(path))


def _result(name: str) -> CheckResult:
    obj = RESULTS[name]
    if isinstance(obj, CheckResult):
        return obj
    converted: CheckResult = obj.to_check_result()  # type: ignore[attr-defined]
    return converted


@pytest.mark.parametrize("name", ["check", "drift", "conform"])
@pytest.mark.parametrize("fail_on", [Severity.ERROR, Severity.WARNING])
def test_one_case_per_check_and_column_failing_at_the_threshold(
    name: str, fail_on: Severity, tmp_path: Path
) -> None:
    result = _result(name)
    columns = ["amount", "plan", EVIL, "never_found"]

    xml = _read(
        junit_xml(result, suite=f"s {name}", fail_on=fail_on, columns=columns), tmp_path
    )

    suites = list(xml)
    assert [s.name for s in suites] == [f"s {name}"]
    cases = {c.name: c for c in suites[0]}
    groups = Counter((f.check, f.column) for f in result.findings)
    failing = {(f.check, f.column) for f in result.findings if f.severity >= fail_on}
    expected = {
        (check if column is None else f"{check} [{column}]") for check, column in groups
    }
    expected |= {
        f"all checks [{c}]" for c in columns if c not in {c for _, c in groups}
    }
    if None not in {c for _, c in groups}:
        expected.add("dataset")
    assert set(cases) == expected
    failed = {
        n for n, c in cases.items() if any(isinstance(r, Failure) for r in c.result)
    }
    assert failed == {
        (check if column is None else f"{check} [{column}]")
        for check, column in failing
    }
    assert suites[0].tests == len(expected)
    assert suites[0].failures == len(failing)


def test_hostile_text_round_trips_and_control_characters_are_replaced(
    tmp_path: Path,
) -> None:
    message = f'{EVIL} & ]]> \x00\x07 "quoted"'
    result = CheckResult(
        5, (Finding("nulls.rate", EVIL, Severity.ERROR, message),), dataset=EVIL
    )

    xml = _read(
        junit_xml(result, suite=EVIL, timestamp=datetime(2024, 1, 2, tzinfo=UTC)),
        tmp_path,
    )

    suite = next(iter(xml))
    assert [c.name for c in suite] == ["dataset", f"nulls.rate [{EVIL}]"]
    case = list(suite)[1]
    assert suite.name == EVIL
    assert case.name == f"nulls.rate [{EVIL}]"
    failure = case.result[0]
    assert failure.message == f'{EVIL} & ]]> \ufffd\ufffd "quoted"'
    assert failure.type == "nulls.rate"
    assert suite.timestamp == "2024-01-02T00:00:00"


def test_a_clean_result_is_all_passing_cases(tmp_path: Path) -> None:
    xml = _read(junit_xml(CheckResult(3), suite="ok", columns=["a", "b"]), tmp_path)

    suite = next(iter(xml))
    assert [c.name for c in suite] == ["dataset", "all checks [a]", "all checks [b]"]
    assert all(c.is_passed for c in suite)
