"""JUnit XML for CI: one test case per check and column, failures where CI shows them.

Every CI reads JUnit XML (GitHub, GitLab, Jenkins, Azure, CircleCI), so a check, drift
or conform run written this way shows its failures natively. The writer is fed by a
CheckResult (``DriftReport.to_check_result()``, ``ConformResult.to_check_result()``):

- one ``<testcase>`` per (check id, column) that has findings, named
  ``check [column]`` (``check`` alone for dataset-level checks); it fails
  (``<failure>``) when a finding reaches ``fail_on``, and otherwise passes with its
  messages in ``<system-out>``;
- one passing ``all checks [column]`` per column given in ``columns`` that has no
  finding, and one passing ``dataset`` when no dataset-level check found anything,
  so the passing parts are counted too.

Text is written by ElementTree (escaped), with the characters XML 1.0 cannot hold
removed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime

from pipewarden.checks.findings import CheckResult, Finding, Severity

__all__ = ["junit_xml"]

_NOT_XML = re.compile(
    "[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
"""Characters XML 1.0 cannot hold, even escaped."""


def junit_xml(
    result: CheckResult,
    *,
    suite: str,
    fail_on: Severity = Severity.ERROR,
    columns: Sequence[str] = (),
    timestamp: datetime | None = None,
) -> str:
    """The result as a JUnit XML document.

    Args:
        result: The findings (of a check, a drift comparison or a conform).
        suite: The test suite's name, e.g. ``pipewarden check: orders.csv``.
        fail_on: The lowest severity that fails a test case (as ``--fail-on``).
        columns: The columns that were checked; each without findings gets a
            passing test case.
        timestamp: When the run happened (default: now, UTC).

    Returns:
        The XML text, with its declaration.
    """
    cases = _cases(result.findings, fail_on, columns)
    failures = sum(1 for c in cases if c.find("failure") is not None)
    when = (timestamp or datetime.now(UTC)).replace(microsecond=0)
    root = ET.Element(
        "testsuites",
        {"name": "pipewarden", "tests": str(len(cases)), "failures": str(failures)},
    )
    root.set("errors", "0")
    testsuite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": _clean(suite),
            "tests": str(len(cases)),
            "failures": str(failures),
            "errors": "0",
            "skipped": "0",
            "time": "0",
            "timestamp": when.strftime("%Y-%m-%dT%H:%M:%S"),
        },
    )
    properties = ET.SubElement(testsuite, "properties")
    for name, value in (
        ("status", result.status),
        ("rows", str(result.rows)),
        ("dataset", result.dataset or ""),
        ("contract", result.contract or ""),
        ("fail_on", fail_on.value),
    ):
        ET.SubElement(properties, "property", {"name": name, "value": _clean(value)})
    testsuite.extend(cases)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _cases(
    findings: Sequence[Finding], fail_on: Severity, columns: Sequence[str]
) -> list[ET.Element]:
    groups: dict[tuple[str, str | None], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.check, f.column), []).append(f)
    cases = [
        _case(check, column, found, fail_on)
        for (check, column), found in groups.items()
    ]
    found_columns = {column for _, column in groups}
    if None not in found_columns:
        cases.insert(0, _passing("dataset", None, "pipewarden.dataset"))
    cases.extend(
        _passing("all checks", name, "pipewarden.columns")
        for name in dict.fromkeys(columns)
        if name not in found_columns
    )
    return cases


def _case(
    check: str, column: str | None, found: list[Finding], fail_on: Severity
) -> ET.Element:
    case = _passing(check, column, "pipewarden." + check.split(".", 1)[0])
    failing = [f for f in found if f.severity >= fail_on]
    if failing:
        failure = ET.SubElement(
            case,
            "failure",
            {"type": _clean(check), "message": _clean(failing[0].message)},
        )
        failure.text = _clean("\n".join(_line(f) for f in failing))
    rest = [f for f in found if f.severity < fail_on]
    if rest:
        ET.SubElement(case, "system-out").text = _clean(
            "\n".join(_line(f) for f in rest)
        )
    return case


def _passing(check: str, column: str | None, classname: str) -> ET.Element:
    name = check if column is None else f"{check} [{column}]"
    return ET.Element(
        "testcase", {"name": _clean(name), "classname": _clean(classname), "time": "0"}
    )


def _line(f: Finding) -> str:
    return f"{f.severity.value}: {f.message}"


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
