"""Every drift verdict agrees with its own numbers (issue #11, part 1).

For every statistic, on random count tables (disjoint and single-category ones
included), a comparison is ``drifted`` exactly when the decision rule of
``pipewarden.drift.compare`` says so, its severity and its words follow, and the
chi-square p-value is SciPy's on the same table.
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from pipewarden import _text
from pipewarden.checks.findings import Severity
from pipewarden.contracts.model import ColumnDrift, ColumnSpec, Contract
from pipewarden.drift import compare
from pipewarden.drift.compare import ALPHA, ERROR_FACTOR
from pipewarden.drift.results import ColumnComparison
from pipewarden.drift.stats import get
from pipewarden.drift.stats._inputs import CategoricalPair
from pipewarden.drift.stats.chi2 import chi2_of
from pipewarden.engines.local import LocalEngine
from pipewarden.profiles.dataset import DatasetProfile

VALUES = ("a", "b", "c", "d", "e", "f")
Counts = dict[str, int]

counts = st.dictionaries(
    st.sampled_from(VALUES), st.integers(0, 80), min_size=1, max_size=6
).filter(lambda d: sum(d.values()) > 0)
nulls = st.integers(0, 30)


def profile(frame: pl.DataFrame) -> DatasetProfile:
    return LocalEngine().profile_frame(frame)


def _values(
    table: Counts, null_count: int, as_value: dict[str, object]
) -> list[object]:
    return [as_value[k] for k, n in sorted(table.items()) for _ in range(n)] + [
        None
    ] * null_count


def assert_agrees(c: ColumnComparison) -> None:
    """The decision rule, severity and words of one comparison agree."""
    stat = get(c.statistic) if c.statistic != "label_shift" else None
    role = stat.role if stat is not None else "both"
    significant = c.p_value is None or c.p_value < ALPHA
    if role == "test":
        assert c.p_value is not None
        assert c.drifted == (c.p_value < c.threshold)
    else:
        assert c.drifted == (c.score >= c.threshold and significant)
    if not c.drifted:
        assert c.severity is Severity.INFO
    elif role != "test" and c.score >= ERROR_FACTOR * c.threshold:
        assert c.severity is Severity.ERROR
    else:
        assert c.severity is Severity.WARNING
    says_drifted = (
        re.search(r" null, (up|down) from ", c.message) is not None
        if c.statistic == "null_rate"
        else " drifted: " in c.message
    )
    assert says_drifted == c.drifted, c.message
    past = role != "test" and c.score >= c.threshold
    assert ("stable" in c.message) == (not c.drifted and not past), c.message
    if c.p_value is not None:
        assert _text.p_value(c.p_value) in c.message, c.message
    shown = re.search(
        r"(?:distance|PSI|change|statistic|square|h) ([0-9.e+-]+)", c.message
    )
    assert shown is not None, c.message
    threshold = re.search(r"threshold ([0-9.e+-]+)", c.message)
    if threshold is not None and role != "test":
        figure, limit = float(shown.group(1)), float(threshold.group(1))
        assert (figure >= limit) == (c.score >= c.threshold), c.message


def assert_chi2_is_scipys(pair: CategoricalPair) -> None:
    table = np.vstack([pair.reference, pair.current]) * pair.effective_scale
    statistic, p = chi2_of(table)
    kept = table[:, table.sum(axis=0) > 0]
    if kept.shape[1] < 2 or (kept.sum(axis=1) == 0).any():
        assert (statistic, p) == (0.0, 1.0)
        return
    expected = sps.chi2_contingency(kept, correction=False)
    assert statistic == pytest.approx(expected.statistic, rel=1e-9, abs=1e-12)
    assert p == pytest.approx(expected.pvalue, rel=1e-6, abs=1e-300)


FAST = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.mark.parametrize("statistic", ["js", "chi2", "linf", "psi"])
@FAST
@given(ref=counts, cur=counts, ref_nulls=nulls, cur_nulls=nulls)
@example(ref={"a": 50, "b": 50}, cur={"c": 50, "d": 50}, ref_nulls=0, cur_nulls=0)
@example(ref={"a": 80}, cur={"a": 80}, ref_nulls=0, cur_nulls=0)
@example(ref={"a": 80}, cur={"b": 3}, ref_nulls=0, cur_nulls=0)
@example(ref={"a": 4, "b": 4}, cur={"c": 4, "d": 4}, ref_nulls=30, cur_nulls=0)
def test_categorical_verdicts_agree_with_their_numbers(
    statistic: str, ref: Counts, cur: Counts, ref_nulls: int, cur_nulls: int
) -> None:
    same = {v: v for v in VALUES}
    contract = Contract(
        columns={
            "c": ColumnSpec(
                kind="categorical",
                dtype="String",
                drift=ColumnDrift(statistic=statistic),
            )
        }
    )
    report = compare(
        profile(
            pl.DataFrame({"c": _values(ref, ref_nulls, same)}, schema={"c": pl.String})
        ),
        profile(
            pl.DataFrame({"c": _values(cur, cur_nulls, same)}, schema={"c": pl.String})
        ),
        contract=contract,
    )
    for c in (*report.columns, *report.nulls):
        assert_agrees(c)
    pair = CategoricalPair.from_counts(ref, cur, sum(ref.values()), sum(cur.values()))
    assert_chi2_is_scipys(pair)


@pytest.mark.parametrize("statistic", ["wasserstein", "ks", "psi", "js", "linf"])
@FAST
@given(ref=counts, cur=counts, ref_nulls=nulls, cur_nulls=nulls)
@example(ref={"a": 50}, cur={"f": 50}, ref_nulls=0, cur_nulls=0)
@example(ref={"a": 50, "b": 50}, cur={"a": 50, "b": 50}, ref_nulls=0, cur_nulls=30)
def test_numeric_verdicts_agree_with_their_numbers(
    statistic: str, ref: Counts, cur: Counts, ref_nulls: int, cur_nulls: int
) -> None:
    number = {v: float(i) for i, v in enumerate(VALUES)}
    contract = Contract(
        columns={
            "x": ColumnSpec(
                kind="float", dtype="Float64", drift=ColumnDrift(statistic=statistic)
            )
        }
    )
    schema = {"x": pl.Float64}
    report = compare(
        profile(pl.DataFrame({"x": _values(ref, ref_nulls, number)}, schema=schema)),
        profile(pl.DataFrame({"x": _values(cur, cur_nulls, number)}, schema=schema)),
        contract=contract,
    )
    for c in (*report.columns, *report.nulls):
        assert_agrees(c)


@FAST
@given(ref=counts, cur=counts)
@example(ref={"a": 40}, cur={"f": 40})
def test_text_length_verdicts_agree_with_their_numbers(
    ref: Counts, cur: Counts
) -> None:
    words = {v: " ".join([v * 3] * (i + 6)) for i, v in enumerate(VALUES)}
    contract = Contract(columns={"t": ColumnSpec(kind="text", dtype="String")})
    schema = {"t": pl.String}
    report = compare(
        profile(pl.DataFrame({"t": _values(ref, 0, words)}, schema=schema)),
        profile(pl.DataFrame({"t": _values(cur, 0, words)}, schema=schema)),
        contract=contract,
    )
    assert [c.statistic for c in report.columns] == ["text_length"]
    for c in (*report.columns, *report.nulls):
        assert_agrees(c)


@FAST
@given(ref=counts, cur=counts)
@example(ref={"a": 60, "b": 60}, cur={"a": 60})
@example(ref={"a": 60}, cur={"b": 60})
def test_label_shift_verdicts_agree_with_their_numbers(
    ref: Counts, cur: Counts
) -> None:
    same = {v: v for v in VALUES}
    schema = {"y": pl.String}
    report = compare(
        profile(pl.DataFrame({"y": _values(ref, 0, same)}, schema=schema)),
        profile(pl.DataFrame({"y": _values(cur, 0, same)}, schema=schema)),
        label="y",
    )
    assert report.label is not None
    assert_agrees(report.label)


def padded_labels() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Eleven labels, then the same labels right-padded to 24 characters (CHAR(24))."""
    labels = [f"cat_{i}" for i in range(11)]
    reference = pl.DataFrame({"c": [labels[i % 11] for i in range(1100)]})
    current = pl.DataFrame({"c": [labels[i % 11].ljust(24) for i in range(1100)]})
    return reference, current


def test_padded_labels_drift_instead_of_reading_stable() -> None:
    import pipewarden as pw

    reference, current = padded_labels()
    report = pw.compare(reference, current)
    (c,) = report.columns
    # Padding makes no prose: the labels stay counted, and every one is new.
    assert (c.check, c.drifted, c.severity) == ("drift.js", True, Severity.ERROR)
    assert c.message == (
        "Column 'c' drifted: 'cat_0' 9.1% -> 0% of rows; Jensen-Shannon distance 1 "
        "(threshold 0.1, chi2 p < 1e-300). Check the source for new or renamed values; "
        "retrain if the change is real."
    )


def test_padded_labels_are_named_by_category_unseen_without_contradiction() -> None:
    import pipewarden as pw

    reference, current = padded_labels()
    contract = pw.infer_contract(pw.profile(reference))
    result = pw.check(current, contract)
    (unseen,) = [f for f in result.findings if f.check == "category.unseen"]
    assert unseen.severity is Severity.ERROR
    assert unseen.message == (
        "Column 'c': every current value is a known label right-padded with spaces to "
        "24 characters (e.g. 'cat_0                   ' for 'cat_0'). Set "
        "`conform.normalize: true` or trim them upstream."
    )
    assert unseen.evidence is not None and unseen.evidence["cause"] == "padding"


def test_a_change_past_its_threshold_but_not_significant_is_not_called_stable() -> None:
    report = compare(
        profile(pl.DataFrame({"c": ["a"] * 4 + ["b"] * 4})),
        profile(pl.DataFrame({"c": ["a"] * 8 + [None] * 4})),
    )
    assert [(c.message, c.severity) for c in (*report.columns, *report.nulls)] == [
        (
            "Column 'c' changed (all other values 50% -> 0% of rows) but not "
            "significantly: Jensen-Shannon distance 0.5579 (threshold 0.1, chi2 p = "
            "0.042). The change passes its threshold, but only p < 0.01 counts as "
            "drift: it may be noise. Compare more rows to tell.",
            Severity.INFO,
        ),
        (
            "Column 'c' null rate changed (0% -> 33%) but not significantly: Cohen's h "
            "1.231 (threshold 0.1, z p = 0.068). The change passes its threshold, but "
            "only p < 0.01 counts as drift: it may be noise. Compare more rows to tell.",
            Severity.INFO,
        ),
    ]


def test_a_pure_test_shows_its_threshold_as_a_significance_level() -> None:
    contract = Contract(
        columns={
            "x": ColumnSpec(
                kind="float", dtype="Float64", drift=ColumnDrift(statistic="ks")
            )
        }
    )
    report = compare(
        profile(pl.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]})),
        profile(pl.DataFrame({"x": [3.0, 4.0, 5.0, 6.0]})),
        contract=contract,
    )
    assert [c.message for c in report.columns] == [
        "Column 'x' is stable: KS statistic 0.5 (ks p = 1, significance level 0.01)."
    ]


@pytest.mark.parametrize(
    ("score", "threshold", "expected"),
    [
        (0.09999, 0.1, ("0.09999", "0.1")),
        (0.1, 0.1, ("0.1", "0.1")),
        (0.123456, 0.1, ("0.1235", "0.1")),
        (0.0999999999, 0.1, ("0.0999999999", "0.1")),
    ],
)
def test_a_score_and_its_threshold_never_read_equal_when_they_differ(
    score: float, threshold: float, expected: tuple[str, str]
) -> None:
    from pipewarden.drift._messages import _apart

    assert _apart(score, threshold) == expected
