"""Results show themselves: one-line reprs, notebook HTML and Rich tables, escaped."""

from __future__ import annotations

import html
import io
import re

import polars as pl
import pytest
from display_data import EVIL, frames, results
from markupsafe import escape
from rich.console import Console

from pipewarden import _text
from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.errors import ConfigError
from pipewarden.report.notebook import MAX_ROWS, to_html
from pipewarden.report.terminal import to_rich

RESULTS = results()


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_each_repr_is_one_line_under_200_characters(name: str) -> None:
    text = repr(RESULTS[name])

    assert len(text) < 200
    assert "\n" not in text
    assert text.startswith(f"<{type(RESULTS[name]).__name__}")


def test_reprs_stay_short_whatever_the_names() -> None:
    long = "x" * 500 + "\n" + EVIL
    finding = Finding("nulls.rate", long, Severity.ERROR, long * 3)
    result = CheckResult(10, (finding,) * 3, dataset=long, contract=long)

    for obj in (finding, result):
        assert len(repr(obj)) < 200
        assert "\n" not in repr(obj)
    assert repr(result) == (
        f"<CheckResult fail '{'x' * 39}\u2026': 10 rows; 3 errors, 0 warnings, 0 info>"
    )


def test_the_record_repr_was_14000_characters_and_is_one_line_now() -> None:
    record = RESULTS["record"]

    assert repr(record) == "<RecordResult conformed: 3 columns, 1 issue>"
    assert len(tuple.__repr__(record)) > 1000  # the plan it carries, shown in full


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_html_escapes_every_name_and_value_and_runs_no_script(name: str) -> None:
    page = RESULTS[name]._repr_html_()  # type: ignore[attr-defined]

    assert "<img" not in page
    assert "<script" not in page
    if name in {"profile", "contract", "drift"}:
        assert str(escape(EVIL)) in page
    assert page.startswith('<div class="pipewarden-result">')


def test_profile_html_has_a_row_and_a_chart_per_column_with_the_polars_shares() -> None:
    reference, _ = frames()
    page = to_html(RESULTS["profile"])  # type: ignore[arg-type]

    rows = re.findall(r"<tr><td>(.*?)</td>", page)
    assert rows == ["amount", "plan", html.escape(EVIL)]
    assert page.count("<svg") == 3
    counts = reference["plan"].value_counts()
    for value, n in counts.iter_rows():
        share = _text.share(n / reference.height)
        assert f"<title>{html.escape(value)}: {share}</title>" in page


def test_check_html_lists_each_finding_with_its_message() -> None:
    result = RESULTS["check"]
    assert isinstance(result, CheckResult)
    page = to_html(result)

    for f in result.findings:
        assert str(escape(f.message)) in page
    assert f'<span class="pw-status pw-status-{result.status}">' in page


def test_long_tables_show_the_first_rows_and_say_how_many_are_left_out() -> None:
    finding = Finding("nulls.rate", "a", Severity.WARNING, "m")
    result = CheckResult(1, (finding,) * (MAX_ROWS + 7))

    page = to_html(result)

    assert page.count('<span class="pw-badge-warning">') == MAX_ROWS
    assert "and 7 more rows" in page


def test_drift_html_reads_the_report() -> None:
    report = RESULTS["drift"]
    page = to_html(report)  # type: ignore[arg-type]

    for c in report.columns:  # type: ignore[attr-defined]
        assert str(escape(c.change)) in page
        assert _text.number(c.score, 4) in page


def test_anything_else_is_refused_with_a_message() -> None:
    with pytest.raises(ConfigError, match="not DataFrame. Pass a DatasetProfile"):
        to_html(pl.DataFrame())  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_rich_prints_the_same_tables_with_markup_left_as_text(name: str) -> None:
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)

    console.print(RESULTS[name])

    text = out.getvalue()
    assert type(RESULTS[name]).__name__ in text.splitlines()[0]
    if name in {"profile", "contract", "drift"}:
        assert EVIL in text
    if name in {"check", "conform", "drift"}:
        assert "[bold]x" in text  # a category value, printed as written


def test_rich_renderable_draws_distributions_as_block_bars() -> None:
    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(
        to_rich(RESULTS["profile"])  # type: ignore[arg-type]
    )

    assert "\u2588" in out.getvalue()
