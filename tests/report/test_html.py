"""render_report: one self-contained, escaped, deterministic HTML page."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from markupsafe import escape
from report_data import EVIL_COLUMN, EVIL_VALUE, ROWS

import pipewarden as pw
from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.report import render_report
from pipewarden.report._columns import MAX_CHARTED_COLUMNS
from pipewarden.report.html import _environment

_VOID = {"meta", "link", "input", "br", "hr", "img", "col", "area", "base", "wbr"}
_SCRIPT = re.compile(r"<script([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)
_GENERATED = re.compile(r"^.*Generated at .*$", re.MULTILINE)


class _Page(HTMLParser):
    """Collects scripts, ids and text, and checks that every element is closed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.ids: list[str] = []
        self.links: list[tuple[str, str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        for name in ("src", "href", "action", "data"):
            if found.get(name) is not None:
                self.links.append((tag, name, str(found[name])))
        if tag == "script":
            self.scripts.append(found)
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(
                f"</{tag}> closes <{self.stack[-1] if self.stack else ''}>"
            )
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] not in ("script", "style"):
            self.text.append(data)


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def _without_bundle(page: str) -> str:
    """The page with plotly.js (the one big inline script) cut out."""
    bundle = max(_SCRIPT.finditer(page), key=lambda m: len(m.group(2)))
    return page[: bundle.start(2)] + page[bundle.end(2) :]


@pytest.fixture(scope="module")
def page(
    result: CheckResult, current: DatasetProfile, reference: DatasetProfile
) -> str:
    return render_report(result, current=current, reference=reference)


def test_report_parses_with_every_element_closed(page: str) -> None:
    parsed = _parse(page)
    assert parsed.errors == []
    assert parsed.stack == []
    assert page.startswith("<!DOCTYPE html>")
    assert len(parsed.ids) == len(set(parsed.ids))


def test_report_shows_status_rows_dataset_contract_and_time(page: str) -> None:
    text = " ".join(_parse(page).text)
    assert 'id="status">FAIL</span>' in page
    assert f"{ROWS:,}" in text
    assert "batch <2024>.parquet" in text
    assert "orders & co.yaml" in text
    assert re.search(r"Generated at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", text)


def test_every_finding_message_appears_escaped(page: str, result: CheckResult) -> None:
    for finding in result.findings:
        assert str(escape(finding.message)) in page
    text = " ".join(_parse(page).text)
    assert "values <b>outside</b> [0, 50] & more." in text
    assert "<b>outside</b>" not in page


def test_hostile_names_and_values_never_appear_raw(page: str) -> None:
    assert EVIL_COLUMN not in page
    assert "alert(2)</script>" not in page
    assert str(escape(EVIL_COLUMN)) in page
    assert EVIL_COLUMN in " ".join(_parse(page).text)


def test_chart_json_cannot_end_its_script_element(page: str) -> None:
    figures = [m.group(2) for m in _SCRIPT.finditer(page) if "pw-figure" in m.group(1)]
    assert figures
    for spec in figures:
        assert "<" not in spec and ">" not in spec
    # The hostile category reaches its chart, escaped for plotly and for JSON.
    assert any("alert(2)" in spec for spec in figures)


SCRIPT_END_COLUMN = "</script><script>alert(1)</script>"
COMMENT_VALUE = "<!--<script>'\"&"


def test_names_and_values_cannot_break_out_of_a_script_element() -> None:
    frame = pl.DataFrame(
        {SCRIPT_END_COLUMN: ["a", COMMENT_VALUE, "b", COMMENT_VALUE] * 50}
    )
    prof = pw.profile(frame)
    message = f"Column {SCRIPT_END_COLUMN!r} has {COMMENT_VALUE!r}."
    finding = Finding("category.unseen", SCRIPT_END_COLUMN, Severity.WARNING, message)
    result = CheckResult(rows=200, findings=(finding,), dataset="d")

    page = render_report(result, current=prof, reference=prof)

    parsed = _parse(page)
    assert (parsed.errors, parsed.stack) == ([], [])
    assert (
        len(parsed.scripts) == page.lower().count("<script") == 3
    )  # plotly, a chart, ours
    figures = [m.group(2) for m in _SCRIPT.finditer(page) if "pw-figure" in m.group(1)]
    assert len(figures) == 1
    assert not set(figures[0]) & set("<>&'")
    labels = json.loads(figures[0])["data"][0]["y"]
    assert html.escape(COMMENT_VALUE, quote=False) in labels  # as plotly shows text
    text = " ".join(parsed.text)
    assert SCRIPT_END_COLUMN in text and message in text
    assert SCRIPT_END_COLUMN not in page and COMMENT_VALUE not in page


def test_the_report_writes_script_json_with_jinja_tojson() -> None:
    data = {SCRIPT_END_COLUMN: [COMMENT_VALUE, "\u2028"]}
    template = _environment().from_string(
        '<script type="application/json">{{ data | tojson }}</script>'
    )

    inner = template.render(data=data).removeprefix('<script type="application/json">')

    assert inner.count("</script>") == 1 and inner.endswith("</script>")
    assert not set(inner.removesuffix("</script>")) & set("<>&'")
    assert json.loads(inner.removesuffix("</script>")) == data


def test_plotly_is_inlined_once_and_nothing_is_loaded_from_outside(page: str) -> None:
    assert page.count("plotly.js v") == 1
    assert "<script src" not in page.lower()
    assert "<link" not in page.lower()
    rest = _without_bundle(page)
    assert re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", rest, re.I) is None
    assert "@import" not in rest and "url(" not in rest
    links = _parse(page).links
    assert links and all(value.startswith("#") for _, _, value in links)


def test_report_is_deterministic_apart_from_the_time(
    result: CheckResult, current: DatasetProfile, reference: DatasetProfile, page: str
) -> None:
    again = render_report(result, current=current, reference=reference)
    assert _GENERATED.sub("", again) == _GENERATED.sub("", page)
    assert len(_GENERATED.findall(page)) == 1


def test_report_is_the_same_in_another_process(
    tmp_path: Path,
    result: CheckResult,
    current: DatasetProfile,
    reference: DatasetProfile,
    page: str,
) -> None:
    current.save(tmp_path / "cur.json")
    reference.save(tmp_path / "ref.json")
    (tmp_path / "result.json").write_text(result.to_json(), encoding="utf-8")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from pipewarden.checks.findings import CheckResult\n"
        "from pipewarden.profiles.dataset import DatasetProfile\n"
        "from pipewarden.report import render_report\n"
        "d = Path(sys.argv[1])\n"
        "r = CheckResult.from_dict(__import__('json').loads((d / 'result.json').read_text()))\n"
        "html = render_report(r, current=DatasetProfile.load(d / 'cur.json'),\n"
        "                     reference=DatasetProfile.load(d / 'ref.json'))\n"
        "(d / 'out.html').write_text(html, encoding='utf-8')\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, env=env)
    other = (tmp_path / "out.html").read_text(encoding="utf-8")
    assert _GENERATED.sub("", other) == _GENERATED.sub("", page)


def test_findings_table_has_a_row_per_finding_with_severity(page: str) -> None:
    rows = re.findall(r'<tr data-severity="(\w+)">', page)
    assert rows == ["error", "warning", "warning", "info"]


def test_each_column_gets_a_card_with_chart_or_reason(page: str) -> None:
    parsed = _parse(page)
    charts = [i for i in parsed.ids if i.startswith("chart-column-")]
    # amount, evil column, city, flag, qty are charted; ts and comment are explained.
    assert len(charts) == 5
    assert "chart-nulls" in parsed.ids
    text = " ".join(parsed.text)
    assert "Free text or identifier" in text
    assert "Timestamps: the earliest and latest values are below." in text


def test_null_rates_are_shown_side_by_side(page: str, current: DatasetProfile) -> None:
    table = page[page.index('id="columns-table"') :]
    row = re.search(r'<a href="#column-0">amount</a></td>(.*?)</tr>', table, re.DOTALL)
    assert row is not None
    cells = re.findall(r'data-sort="([^"]*)">([^<]*)</td>', row.group(1))
    assert cells[0] == ("0.0", "0%")
    assert float(cells[1][0]) == pytest.approx(current["amount"].null_rate)


def test_columns_with_findings_come_first_in_the_cards(page: str) -> None:
    cards = re.findall(r'<article class="card[^"]*" id="(column-\d+)">', page)
    # amount (0), the evil column (1) and city (2) have findings; flag (3) follows.
    assert cards[:3] == ["column-0", "column-1", "column-2"]


def test_report_without_profiles_lists_findings_only() -> None:
    result = CheckResult(
        rows=10,
        findings=(
            Finding(
                "schema.missing_column", "x", Severity.ERROR, "Column 'x' is missing."
            ),
        ),
    )
    page = render_report(result)
    assert "plotly.js v" not in page
    assert "Column &#39;x&#39; is missing." in page
    assert "No profile for this column." in page
    assert _parse(page).errors == []


def test_passing_result_says_so() -> None:
    page = render_report(CheckResult(rows=5, dataset="ok.csv"), title="Nightly <check>")
    assert 'id="status">PASS</span>' in page
    assert "No findings: the batch meets its contract." in page
    assert "<title>Nightly &lt;check&gt;</title>" in page


def test_charts_are_capped_and_the_report_says_so() -> None:
    width = MAX_CHARTED_COLUMNS + 5
    frame = pl.DataFrame(
        {f"c{i:03d}": [float(j % (i + 2)) for j in range(50)] for i in range(width)}
    )
    prof = pw.profile(frame)
    page = render_report(CheckResult(rows=50), current=prof)
    assert page.count('class="pw-figure"') == MAX_CHARTED_COLUMNS
    assert f"Charts are drawn for {MAX_CHARTED_COLUMNS} of {width} columns" in page
    assert page.count('<td class="name"><a href="#column-') == width


def test_drift_findings_fill_the_drift_columns(
    current: DatasetProfile, reference: DatasetProfile
) -> None:
    result = CheckResult(
        rows=ROWS,
        findings=(
            Finding(
                "drift.psi",
                "amount",
                Severity.WARNING,
                "Column 'amount' drifted.",
                value=0.31,
                threshold=0.2,
            ),
            Finding(
                "drift.psi",
                "qty",
                Severity.INFO,
                "Column 'qty' is stable.",
                value=0.01,
                threshold=0.2,
            ),
        ),
    )
    page = render_report(result, current=current, reference=reference)
    assert '<th scope="col"><button type="button">Drift statistic</button></th>' in page
    assert re.search(
        r"Drift <code>psi</code> = <strong>0.31</strong>, threshold 0.2", page
    )
    assert '<span class="drifted">0.31</span>' in page
    assert '<span class="stable">0.01</span>' in page
    assert "1<small> / 2</small>" in page


class _FakeDrift:
    """The documented DriftReport.to_dict() shape, without pipewarden.drift."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def to_dict(self) -> dict[str, Any]:
        return self.data


def _comparison(
    column: str, statistic: str, score: float, drifted: bool, summary: dict[str, Any]
) -> dict[str, Any]:
    return {
        "column": column,
        "kind": "float",
        "check": f"drift.{statistic}",
        "statistic": statistic,
        "score": score,
        "threshold": 0.1,
        "p_value": 0.001,
        "p_value_raw": 0.0005,
        "test": "ks",
        "drifted": drifted,
        "severity": "warning" if drifted else "info",
        "message": "m",
        "stats": {
            statistic: {"score": score, "p_value": None},
            "psi": {"score": 0.25, "p_value": None},
        },
        "summary": summary,
        "segment": None,
    }


def _fake_drift() -> _FakeDrift:
    return _FakeDrift(
        {
            "status": "warn",
            "reference_rows": 100,
            "current_rows": 100,
            "columns": [
                _comparison(
                    "amount",
                    "wasserstein",
                    0.5,
                    True,
                    {
                        "type": "numeric",
                        "edges": [0.0, 1.0, 3.0, 10.0],
                        "reference": [0.3, 0.4, 0.3],
                        "current": [0.1, 0.4, 0.5],
                    },
                ),
                _comparison(
                    EVIL_COLUMN,
                    "js",
                    0.01,
                    False,
                    {
                        "type": "categorical",
                        "categories": [EVIL_VALUE, "b", "__other__"],
                        "reference": [0.5, 0.3, 0.2],
                        "current": [0.4, 0.4, 0.2],
                    },
                ),
            ],
            "nulls": [
                {
                    **_comparison(
                        "amount",
                        "null_rate",
                        0.6,
                        True,
                        {"type": "null_rate", "reference": 0.02, "current": 0.3},
                    ),
                    "check": "drift.null_rate",
                    "test": "z",
                }
            ],
            "label": None,
            "prediction": None,
            "multivariate": {
                "auc": 0.71,
                "threshold": 0.55,
                "p_value": 0.0,
                "drifted": True,
                "severity": "warning",
                "message": "m",
                "columns": ["amount"],
                "importance": [["amount", 0.12]],
                "sample_rows": {"reference": 10, "current": 10},
            },
            "skipped": [{"column": "i_id", "reason": "identifier"}],
            "findings": [],
        }
    )


def test_drift_report_statistics_thresholds_and_plots_are_rendered() -> None:
    page = render_report(CheckResult(rows=100), drift=_fake_drift())  # type: ignore[arg-type]  # a stand-in with the same to_dict()
    assert re.search(
        r"Drift <code>wasserstein</code> = <strong>0.5</strong>, "
        r"threshold 0.1\s+&middot; p = 0.001 \(ks\)",
        page,
    )
    assert "also psi 0.25" in page
    assert re.search(
        r"Null-rate drift <code>null_rate</code> = <strong>0.6</strong>", page
    )
    assert "AUC <strong>0.710</strong>, threshold 0.550" in page
    assert "Not compared for drift: <strong>i_id</strong> (identifier)." in page
    # Without profiles, the drift comparison's own bins and categories are drawn.
    assert page.count('class="pw-figure"') == 3  # two columns and the null rates
    assert "(other values)" in page
    assert ">30%</td>" in page  # the current null rate, from the drift summary
    assert EVIL_VALUE not in page and EVIL_COLUMN not in page
    assert _parse(page).errors == []


def test_real_drift_report_renders(
    current: DatasetProfile, reference: DatasetProfile
) -> None:
    compare = pytest.importorskip("pipewarden.drift.compare").compare
    report = compare(reference, current)
    result = report.to_check_result()
    page = render_report(result, current=current, reference=reference, drift=report)
    parsed = _parse(page)
    assert parsed.errors == []
    for comparison in report.columns:
        assert f"<code>{comparison.statistic}</code>" in page
    assert EVIL_COLUMN not in page


def test_many_info_findings_start_hidden_behind_their_filter() -> None:
    info = tuple(
        Finding("drift.psi", f"c{i}", Severity.INFO, f"Column 'c{i}' is stable.")
        for i in range(11)
    )
    error = Finding("nulls.rate", "c0", Severity.ERROR, "Column 'c0' is 30% null.")
    page = render_report(CheckResult(rows=1, findings=(error, *info)))
    assert '<input type="checkbox" value="error" checked> error (1)' in page
    assert '<input type="checkbox" value="info"> info (11)' in page
    few = render_report(CheckResult(rows=1, findings=(error, *info[:10])))
    assert '<input type="checkbox" value="info" checked> info (10)' in few
