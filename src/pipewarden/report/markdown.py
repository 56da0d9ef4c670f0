"""A Markdown summary of a run, for a pull request comment or $GITHUB_STEP_SUMMARY.

Fed by a CheckResult (``DriftReport.to_check_result()``, ``ConformResult
.to_check_result()``): a status heading, the counts, and a table of the findings at
warning or worse (info findings are counted, not listed). Every value from the data
is escaped for GitHub-flavoured Markdown, where raw HTML would otherwise render: '<',
'>' and '&' become entities, and the characters Markdown reads as formatting or as
table cells are backslash-escaped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.report import _format as fmt

__all__ = ["MAX_FINDINGS", "markdown_summary"]

MAX_FINDINGS = 100
"""Findings listed at most; a line says how many more there are."""
_ICON = {"pass": "\u2705", "warn": "\u26a0\ufe0f", "fail": "\u274c"}
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
"""What Markdown reads as formatting or as a cell border inside a table row."""


def markdown_summary(
    result: CheckResult,
    *,
    title: str,
    extra: Sequence[tuple[str, str]] = (),
) -> str:
    """The result as a Markdown summary.

    Args:
        result: The findings (of a check, a drift comparison or a conform).
        title: What ran, e.g. ``pipewarden check: orders.csv``.
        extra: More (label, value) facts for the counts table, e.g. rows quarantined.

    Returns:
        Markdown text ending with a newline.
    """
    counts = {s: sum(1 for f in result.findings if f.severity is s) for s in Severity}
    lines = [
        f"### {_ICON[result.status]} {escape(title)}: {result.status.upper()}",
        "",
        "| rows | errors | warnings | info |"
        + "".join(f" {escape(label)} |" for label, _ in extra),
        "|---:|---:|---:|---:|" + "---:|" * len(extra),
        f"| {fmt.number(result.rows)} | {counts[Severity.ERROR]} | "
        f"{counts[Severity.WARNING]} | {counts[Severity.INFO]} |"
        + "".join(f" {escape(value)} |" for _, value in extra),
        "",
    ]
    if result.contract:
        lines += [f"Contract: {escape(result.contract)}", ""]
    lines += _findings(result.at_least(Severity.WARNING))
    return "\n".join(lines).rstrip("\n") + "\n"


def _findings(findings: Sequence[Finding]) -> list[str]:
    if not findings:
        return ["No findings at warning or worse."]
    lines = [
        "| severity | check | column | value | threshold | finding |",
        "|---|---|---|---|---|---|",
    ]
    for f in findings[:MAX_FINDINGS]:
        lines.append(
            f"| {f.severity.value} | {escape(f.check)} | {escape(f.column or '')} | "
            f"{escape(fmt.value(f.value))} | {escape(fmt.value(f.threshold))} | "
            f"{escape(f.message)} |"
        )
    hidden = len(findings) - MAX_FINDINGS
    if hidden > 0:
        lines += ["", f"… and {hidden} more (the JSON output holds them all)."]
    return lines


def escape(text: str) -> str:
    """Text that Markdown shows literally, on one line and inside one table cell."""
    flat = " ".join(text.split())
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", flat)
