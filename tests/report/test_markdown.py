"""The Markdown summary, compared whole with committed snapshots (tests/data/markdown)."""

from __future__ import annotations

from pathlib import Path

import pytest
from display_data import EVIL

from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.report.markdown import MAX_FINDINGS, escape, markdown_summary

SNAPSHOTS = Path(__file__).parents[1] / "data" / "markdown"

FINDINGS = (
    Finding(
        "nulls.rate",
        "amount",
        Severity.ERROR,
        "Column 'amount' is 20% null; the contract tolerates 5.0%.",
        value=0.2,
        threshold=0.05,
    ),
    Finding(
        "category.unseen",
        EVIL,
        Severity.WARNING,
        f"Column {EVIL!r} has 1 value(s) not in the contract ('a|b *c* `d`').",
        value={"values": ["a|b"], "share": 0.1},
        threshold=0.01,
    ),
    Finding("drift.psi", "qty", Severity.INFO, "Column 'qty' is stable.", 0.01, 0.1),
)


@pytest.mark.parametrize(
    ("snapshot", "result", "extra"),
    [
        (
            "check_fail.md",
            CheckResult(1234, FINDINGS, dataset="orders.csv", contract="orders.yaml"),
            (),
        ),
        (
            "conform_pass.md",
            CheckResult(10, dataset="batch.csv"),
            (("quarantined", "0"),),
        ),
    ],
)
def test_summary_matches_its_snapshot(
    snapshot: str, result: CheckResult, extra: tuple[tuple[str, str], ...]
) -> None:
    text = markdown_summary(result, title=f"pipewarden: {result.dataset}", extra=extra)

    assert text == (SNAPSHOTS / snapshot).read_text(encoding="utf-8")


def test_no_markup_from_the_data_survives() -> None:
    text = markdown_summary(CheckResult(1, FINDINGS), title=EVIL)

    assert "<img" not in text
    assert "a\\|b" in text  # the value stays in its cell
    # the counts' header and row, the findings' header, the two at warning or worse
    assert text.count("\n| ") == 5


def test_many_findings_are_cut_with_a_count() -> None:
    many = (FINDINGS[0],) * (MAX_FINDINGS + 3)

    text = markdown_summary(CheckResult(1, many), title="t")

    assert text.count("| error |") == MAX_FINDINGS
    assert text.endswith("… and 3 more (the JSON output holds them all).\n")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a|b", "a\\|b"),
        ("<b>&", "&lt;b&gt;&amp;"),
        ("two\nlines", "two lines"),
        ("*x* _y_ `z` [l](u) ~s~", "\\*x\\* \\_y\\_ \\`z\\` \\[l\\](u) \\~s\\~"),
    ],
)
def test_escape(raw: str, shown: str) -> None:
    assert escape(raw) == shown
