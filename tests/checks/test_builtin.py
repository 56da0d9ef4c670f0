"""Every built-in check: a table of batches that fire it and batches that leave it silent."""

from __future__ import annotations

import datetime as dt
import math
import time
from typing import Any

import polars as pl
import pytest

from pipewarden.checks.findings import Severity
from pipewarden.checks.registry import registered
from pipewarden.checks.run import check_profile
from pipewarden.contracts.model import Contract
from pipewarden.engines.local import LocalEngine

NOW = dt.datetime(2024, 3, 2, tzinfo=dt.UTC)
T0 = dt.datetime(2024, 3, 1)
FLOAT = {"kind": "float", "dtype": "Float64"}
INT = {"kind": "integer", "dtype": "Int64"}
CAT = {"kind": "categorical", "dtype": "String"}
BOOL = {"kind": "boolean", "dtype": "Boolean"}
TIME = {"kind": "datetime", "dtype": "Datetime"}
LABEL = {"column": "y", "classes": {"0": 0.9, "1": 0.1}, "min_minority_share": 0.05}
ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


def hours(*offsets: float) -> list[dt.datetime]:
    return [T0 + dt.timedelta(hours=h) for h in offsets]


def findings_of(
    check_id: str, contract: dict[str, Any], batch: dict[str, Any] | pl.DataFrame
) -> list[tuple[Severity, str | None, str]]:
    frame = batch if isinstance(batch, pl.DataFrame) else pl.DataFrame(batch)
    result = check_profile(
        LocalEngine().profile_frame(frame), Contract.model_validate(contract), now=NOW
    )
    return [
        (f.severity, f.column, f.message)
        for f in result.findings
        if f.check == check_id
    ]


FIRES = [
    pytest.param(
        "schema.missing_column",
        {"columns": {"a": INT, "b": FLOAT}},
        {"a": [1]},
        [
            (
                ERROR,
                "b",
                "Column 'b' (float) is in the contract but missing from the batch. "
                "Restore it upstream, or set `policies.missing_columns: fill` and "
                "`conform.on_missing` for it in the contract.",
            )
        ],
        id="missing_column",
    ),
    pytest.param(
        "schema.missing_column",
        {
            "policies": {"missing_columns": "fill"},
            "columns": {"a": INT, "b": {**FLOAT, "conform": {"on_missing": "median"}}},
        },
        {"a": [1]},
        [
            (
                WARNING,
                "b",
                "Column 'b' (float) is in the contract but missing from the batch. "
                "The gate will fill it (median); restore it upstream so the model sees real "
                "values.",
            )
        ],
        id="missing_column-filled",
    ),
    pytest.param(
        "schema.unexpected_column",
        {"columns": {"a": INT}},
        {"a": [1, 2], "promo_code": ["X", None]},
        [
            (
                WARNING,
                "promo_code",
                "Column 'promo_code' (categorical, 50% null) is not in "
                "the contract. The gate drops it; add it to the contract if the model should "
                "use it.",
            )
        ],
        id="unexpected_column",
    ),
    pytest.param(
        "schema.unexpected_column",
        {"policies": {"unexpected_columns": "fail"}, "columns": {"a": INT}},
        {"a": [1], "promo_code": ["X"]},
        [
            (
                ERROR,
                "promo_code",
                "Column 'promo_code' (categorical, 0% null) is not in the "
                "contract. The contract forbids new columns; remove it upstream or add it to the "
                "contract.",
            )
        ],
        id="unexpected_column-forbidden",
    ),
    pytest.param(
        "schema.type_mismatch",
        {"columns": {"annual_inc": FLOAT}},
        {"annual_inc": ["$33,000.00", "$45,000.00", None]},
        [
            (
                ERROR,
                "annual_inc",
                "Column 'annual_inc' is declared float but arrived as text: 100% of "
                "values do not read as float, mostly numbers with currency or thousands"
                " separators (e.g. '$33,000.00', '$45,000.00'). Strip the formatting "
                "upstream or set `coerce: true` for it.",
            )
        ],
        id="type_mismatch-formatted-numbers",
    ),
    pytest.param(
        "schema.type_mismatch",
        {"columns": {"pressure": FLOAT}},
        {"pressure": ["1,010.2", "998.5", "1,010.2", "1,013.7", "1,005.8", "999"]},
        [
            (
                ERROR,
                "pressure",
                "Column 'pressure' is declared float but arrived as text: 67% of values"
                " do not read as float, mostly numbers with currency or thousands "
                "separators (e.g. '1,010.2', '1,005.8', '1,013.7'). Strip the "
                "formatting upstream or set `coerce: true` for it.",
            )
        ],
        id="type_mismatch-thousands-separators",
    ),
    pytest.param(
        "schema.type_mismatch",
        {"columns": {"pressure": {**FLOAT, "coerce": True}}},
        {"pressure": ["1,010.2", "998.5"]},
        [
            (
                WARNING,
                "pressure",
                "Column 'pressure' is declared float but arrived as text: 50% of values"
                " do not read as float, mostly numbers with currency or thousands "
                "separators (e.g. '1,010.2'). The gate reads what it can (`coerce: "
                "true`) and nulls or quarantines the rest (`conform.on_coerce_error`); "
                "fix them upstream.",
            )
        ],
        id="type_mismatch-thousands-separators-coerced",
    ),
    pytest.param(
        "schema.type_mismatch",
        {"columns": {"n": INT}},
        {"n": ["1", "-2", None]},
        [
            (
                WARNING,
                "n",
                "Column 'n' is declared integer and arrived as text; every value reads "
                "as integer, but its range and drift are not checked on text. Cast it "
                "upstream to have them checked.",
            )
        ],
        id="type_mismatch-integers-as-text",
    ),
    pytest.param(
        "schema.type_mismatch",
        {"columns": {"n": {**INT, "coerce": True}}},
        {"n": ["1", "2.5"]},
        [
            (
                WARNING,
                "n",
                "Column 'n' is declared integer but arrived as text: 50% of values do "
                "not read as integer, e.g. '2.5'. The gate reads what it can (`coerce: "
                "true`) and nulls or quarantines the rest (`conform.on_coerce_error`); "
                "fix them upstream.",
            )
        ],
        id="type_mismatch-numbers-as-text-coerced",
    ),
    pytest.param(
        "schema.type_mismatch",
        {"columns": {"ok": BOOL}},
        {"ok": ["true", "False", "TRUE", None]},
        [
            (
                WARNING,
                "ok",
                "Column 'ok' is declared boolean and arrived as text; every value reads "
                "as boolean, but its drift is not checked on text. Cast it upstream to "
                "have it checked.",
            )
        ],
        id="type_mismatch-booleans-as-text",
    ),
    pytest.param(
        "schema.type_mismatch",
        {"columns": {"ok": BOOL}},
        {"ok": ["true", "yes", "no"]},
        [
            (
                ERROR,
                "ok",
                "Column 'ok' is declared boolean but arrived as text: 67% of values do "
                "not read as boolean, e.g. 'no', 'yes'. Write them as true or false "
                "upstream or set `coerce: true` for it.",
            )
        ],
        id="type_mismatch-yes-no",
    ),
    pytest.param(
        "schema.type_mismatch",
        {"columns": {"ok": BOOL}},
        {"ok": [0, 1, 1, None]},
        [
            (
                WARNING,
                "ok",
                "Column 'ok' is declared boolean and arrived as integer; every value is "
                "0 or 1, but its drift is not checked on integers. Cast it upstream to "
                "have it checked.",
            )
        ],
        id="type_mismatch-booleans-as-zero-one",
    ),
    pytest.param(
        "schema.type_mismatch",
        {"columns": {"ok": BOOL}},
        {"ok": [0, 2]},
        [
            (
                ERROR,
                "ok",
                "Column 'ok' is declared boolean but arrived as integer (Int64). Cast "
                "it to Boolean upstream or fix the contract.",
            )
        ],
        id="type_mismatch-integers-for-boolean",
    ),
    pytest.param(
        "schema.type_mismatch",
        {"columns": {"ts": TIME}},
        {"ts": ["2026-11-14T23:00:00Z", "2026-11-14 23:00:00", "2026-11-15"]},
        [
            (
                Severity.INFO,
                "ts",
                "Column 'ts' is declared datetime and arrived as text; every value "
                "reads as datetime, so it is checked as datetime. Cast it upstream to "
                "skip the parsing.",
            )
        ],
        id="type_mismatch-datetimes-as-text",
    ),
    pytest.param(
        "schema.type_mismatch",
        {"dataset": {"time": {"column": "ts"}}, "columns": {"ts": TIME}},
        {"ts": ["2026-11-14T23:00:00Z", "14/11/2026 23:00", "2026-02-30"]},
        [
            (
                ERROR,
                "ts",
                "Column 'ts' is declared datetime but arrived as text: 67% of values do "
                "not read as datetime, e.g. '14/11/2026 23:00', '2026-02-30'. Write them "
                "as ISO 8601 upstream or set `coerce: true` for it. Freshness and gaps "
                "are not checked until every value reads.",
            )
        ],
        id="type_mismatch-time-column-with-other-dates",
    ),
    pytest.param(
        "schema.type_mismatch",
        {"columns": {"n": INT}},
        {"n": [1.0, None]},
        [
            (
                WARNING,
                "n",
                "Column 'n' is declared integer but arrived as float (often a sign "
                "of nulls upstream). Cast it to integer upstream or declare it float.",
            )
        ],
        id="type_mismatch-float-for-integer",
    ),
    pytest.param(
        "schema.type_mismatch",
        {"columns": {"d": {"kind": "datetime", "dtype": "Datetime"}}},
        {"d": [1, 2]},
        [
            (
                ERROR,
                "d",
                "Column 'd' is declared datetime but arrived as integer (Int64). Cast "
                "it to Datetime upstream or fix the contract.",
            )
        ],
        id="type_mismatch-other",
    ),
    pytest.param(
        "nulls.rate",
        {"columns": {"x": {**FLOAT, "nullable": False}}},
        {"x": [1.0, None, math.nan, 2.0]},
        [
            (
                ERROR,
                "x",
                "Column 'x' has 2 null values (50%) but the contract says it is "
                "never null. Fix the source, or set `nullable: true` and a `conform.on_null` "
                "policy for it.",
            )
        ],
        id="nulls-never-null",
    ),
    pytest.param(
        "nulls.rate",
        {"columns": {"x": {**FLOAT, "max_null_rate": 0.2}}},
        {"x": [1.0, None, 2.0, 3.0]},
        [
            (
                WARNING,
                "x",
                "Column 'x' is 25% null; the contract tolerates 20%. Look for a "
                "failed join or a source that stopped sending it.",
            )
        ],
        id="nulls-above-tolerance",
    ),
    pytest.param(
        "nulls.rate",
        {"columns": {"x": {**FLOAT, "max_null_rate": 0.1}}},
        {"x": [1.0, None, None, 3.0]},
        [
            (
                ERROR,
                "x",
                "Column 'x' is 50% null; the contract tolerates 10%. Look for a "
                "failed join or a source that stopped sending it.",
            )
        ],
        id="nulls-far-above-tolerance",
    ),
    pytest.param(
        "range.out_of_bounds",
        {"columns": {"x": {**FLOAT, "range": {"min": 0, "max": 100}}}},
        {"x": [float(i) for i in range(99)] + [250.0]},
        [
            (
                ERROR,
                "x",
                "Column 'x' has 1 value(s) (1.0%) above the maximum 100 (e.g. 250), "
                "outside the allowed [0, 100] (observed [0, 250]). Check the units "
                "upstream, or widen `range` if the change is real.",
            )
        ],
        id="range",
    ),
    pytest.param(
        "range.out_of_bounds",
        {"columns": {"x": {**FLOAT, "range": {"min": 0, "max": 100}}}},
        {"x": [1.0, 2.0, math.inf, 3.0]},
        [
            (
                ERROR,
                "x",
                "Column 'x' has 1 infinite value(s), outside the allowed [0, 100] "
                "(observed [1, 3]). Check the units upstream, or widen `range` if the "
                "change is real.",
            )
        ],
        id="range-infinity",
    ),
    pytest.param(
        "range.out_of_bounds",
        {"columns": {"x": {**FLOAT, "range": {"min": 0}}}},
        {"x": [-1.0, 2.0]},
        [
            (
                ERROR,
                "x",
                "Column 'x' has 1 value(s) (50%) below the minimum 0 (e.g. -1), outside"
                " the allowed [0, inf] (observed [-1, 2]). Check the units upstream, or"
                " widen `range` if the change is real.",
            )
        ],
        id="range-open-above",
    ),
    pytest.param(
        "category.unseen",
        {"columns": {"g": {**CAT, "categories": ["A", "B"]}}},
        {"g": ["A", "B", "Z", "Z", None]},
        [
            (
                ERROR,
                "g",
                "Column 'g' has 1 value(s) not in the contract ('Z') on 50% of rows. "
                "Add them to `categories` if they are real, or map them with "
                "`conform.on_unseen`.",
            )
        ],
        id="category",
    ),
    pytest.param(
        "category.unseen",
        {"columns": {"g": {**CAT, "categories": ["north", "south"]}}},
        {"g": ["north", "North ", "south"]},
        [
            (
                ERROR,
                "g",
                "Column 'g': 1 value(s) (33%) are known labels right-padded with spaces"
                " to 6 characters and in another case (e.g. 'North ' for 'north'). Set "
                "`conform.normalize: true` or trim them upstream.",
            )
        ],
        id="category-case-and-space",
    ),
    pytest.param(
        "category.unseen",
        {"columns": {"g": {**CAT, "categories": ["A", "B"]}}},
        {
            "g": [
                "a note written out in full",
                "another note written out",
                "a third note here",
            ]
        },
        [
            (
                ERROR,
                "g",
                "Column 'g' has 3 distinct values, read as free text or identifiers "
                "and so not counted one by one: they cannot be matched to the 2 "
                "categories in the contract. Check that the right column arrived.",
            )
        ],
        id="category-uncounted",
    ),
    pytest.param(
        "unique.duplicates",
        {"columns": {"id": {**INT, "unique": True}}},
        {"id": [1, 2, 2, 3, 3, 3, None]},
        [
            (
                ERROR,
                "id",
                "Column 'id' must be unique but 3 of 6 values repeat. Deduplicate "
                "upstream, or set `unique: false` if repeats are expected.",
            )
        ],
        id="duplicates",
    ),
    pytest.param(
        "volume.row_count",
        {"dataset": {"rows": {"min": 5, "max": 10}}},
        {"a": [1, 2]},
        [
            (
                WARNING,
                None,
                "The batch has 2 rows, fewer than the expected 5 to 10 rows. Check "
                "for a partial load or a duplicated one, or update `dataset.rows`.",
            )
        ],
        id="row_count-low",
    ),
    pytest.param(
        "volume.row_count",
        {"dataset": {"rows": {"min": 5}}},
        {"a": [1, 2]},
        [
            (
                WARNING,
                None,
                "The batch has 2 rows, fewer than the expected minimum of 5 rows. "
                "Check for a partial load or a duplicated one, or update `dataset.rows`.",
            )
        ],
        id="row_count-low-open-above",
    ),
    pytest.param(
        "volume.row_count",
        {"dataset": {"rows": {"max": 1}}},
        {"a": [1, 2]},
        [
            (
                WARNING,
                None,
                "The batch has 2 rows, more than the expected maximum of 1 rows. "
                "Check for a partial load or a duplicated one, or update `dataset.rows`.",
            )
        ],
        id="row_count-high-open-below",
    ),
    pytest.param(
        "volume.row_count",
        {"dataset": {"rows": {"min": 5, "max": 10}}},
        pl.DataFrame(schema={"a": pl.Int64}),
        [
            (
                ERROR,
                None,
                "The batch has no rows. Check that the upstream job ran and wrote "
                "its output.",
            )
        ],
        id="row_count-empty",
    ),
    pytest.param(
        "time.gap",
        {"dataset": {"time": {"column": "ts", "max_gap_seconds": 3600}}},
        {"ts": hours(0, 1, 2, 12, 13, 15)},
        [
            (
                ERROR,
                "ts",
                "Likely an outage: no rows in 'ts' for 10.0 hours (10.0 cadence steps "
                "of 60 minutes), from 2024-03-01 02:00:00 to 2024-03-01 12:00:00 UTC; "
                "the contract tolerates 60 minutes. Check the source (device, feed or "
                "job) for an outage in that window.",
            ),
            (
                WARNING,
                "ts",
                "Likely an outage: no rows in 'ts' for 2.0 hours (2.0 cadence steps of "
                "60 minutes), from 2024-03-01 13:00:00 to 2024-03-01 15:00:00 UTC; the "
                "contract tolerates 60 minutes. Check the source (device, feed or job) "
                "for an outage in that window.",
            ),
        ],
        id="time_gap",
    ),
    pytest.param(
        "time.gap",
        {"dataset": {"time": {"column": "ts", "max_gap_seconds": 3600}}},
        {"ts": [t.isoformat() + "Z" for t in hours(0, 1, 2, 12, 13, 15)]},
        [
            (
                ERROR,
                "ts",
                "Likely an outage: no rows in 'ts' for 10.0 hours (10.0 cadence steps "
                "of 60 minutes), from 2024-03-01 02:00:00 to 2024-03-01 12:00:00 UTC; "
                "the contract tolerates 60 minutes. Check the source (device, feed or "
                "job) for an outage in that window.",
            ),
            (
                WARNING,
                "ts",
                "Likely an outage: no rows in 'ts' for 2.0 hours (2.0 cadence steps of "
                "60 minutes), from 2024-03-01 13:00:00 to 2024-03-01 15:00:00 UTC; the "
                "contract tolerates 60 minutes. Check the source (device, feed or job) "
                "for an outage in that window.",
            ),
        ],
        id="time_gap-text",
    ),
    pytest.param(
        "time.freshness",
        {"dataset": {"time": {"column": "ts", "max_staleness_seconds": 3600}}},
        {"ts": hours(0, 1, 2)},
        [
            (
                WARNING,
                "ts",
                "The newest row in 'ts' is from 2024-03-01 02:00:00 UTC, 22.0 "
                "hours old; the contract allows 60 minutes. Check that the upstream refresh "
                "ran.",
            )
        ],
        id="freshness",
    ),
    pytest.param(
        "time.freshness",
        {"dataset": {"time": {"column": "ts", "max_staleness_seconds": 3600}}},
        {"ts": ["2024-03-01 00:00:00", "2024-03-01T03:00:00+01:00"]},
        [
            (
                WARNING,
                "ts",
                "The newest row in 'ts' is from 2024-03-01 02:00:00 UTC, 22.0 "
                "hours old; the contract allows 60 minutes. Check that the upstream refresh "
                "ran.",
            )
        ],
        id="freshness-text",
    ),
    pytest.param(
        "label.imbalance",
        {"dataset": {"label": LABEL}},
        {"y": [0] * 99 + [1]},
        [
            (
                WARNING,
                "y",
                "Minority class '1' of label 'y' is 1.0% of rows (1 : 99); the "
                "contract expects at least 5.0%. Check the labelling job, and rebalance or "
                "reweight before training.",
            )
        ],
        id="label-minority",
    ),
    pytest.param(
        "label.imbalance",
        {"dataset": {"label": LABEL}},
        {"y": [0] * 90 + [1] * 10},
        [
            (
                Severity.INFO,
                "y",
                "Label 'y' is imbalanced: minority class '1' is 10% of rows (1 : 9). "
                "Use stratified splits, and class weights or resampling when "
                "training; judge the model by precision and recall, not accuracy.",
            )
        ],
        id="label-imbalanced-above-the-contract-bound",
    ),
    pytest.param(
        "label.imbalance",
        {"dataset": {"label": {"column": "churned"}}},
        {"churned": ["no"] * 1900 + ["yes"] * 100},
        [
            (
                Severity.INFO,
                "churned",
                "Label 'churned' is imbalanced: minority class 'yes' is 5.0% of rows "
                "(1 : 19). Use stratified splits, and class weights or resampling "
                "when training; judge the model by precision and recall, not "
                "accuracy.",
            )
        ],
        id="label-imbalanced-without-a-bound",
    ),
    pytest.param(
        "label.imbalance",
        {"dataset": {"label": LABEL}},
        {"y": [0] * 10},
        [
            (
                ERROR,
                "y",
                "Label 'y' has a single class ('0') in this batch; '1' never occurs. "
                "A model cannot be trained or evaluated on it; check the label join.",
            )
        ],
        id="label-single-class",
    ),
    pytest.param(
        "label.imbalance",
        {
            "dataset": {
                "label": {
                    "column": "y",
                    "classes": {"a": 0.5, "b": 0.3, "c": 0.2},
                    "min_minority_share": 0.1,
                }
            }
        },
        {"y": ["a", "b"] * 5},
        [
            (
                WARNING,
                "y",
                "Class 'c' of label 'y' never occurs in this batch; the contract "
                "expects about 20% of rows. Check the labelling job and the label join.",
            )
        ],
        id="label-class-absent",
    ),
    pytest.param(
        "nulls.encoding",
        {"columns": {"x": {**INT, "max_null_rate": 0.2, "missing_values": [-1]}}},
        {"x": list(range(1, 18)) + [None] * 3},
        [
            (
                WARNING,
                "x",
                "Column 'x': likely a new encoding of unknown: unknown was written as "
                "-1 and now arrives as null (the contract names -1 as unknown; this "
                "batch 0% -1 and 15% null). Restore the old encoding upstream, or map "
                "it in the pipeline so the model sees one meaning of unknown.",
            )
        ],
        id="nulls-encoding",
    ),
    pytest.param(
        "category.variants",
        {"columns": {"g": CAT}},
        {"g": ["Approved", "approved ", "Approved"]},
        [
            (
                INFO,
                "g",
                "Column 'g': labels that differ only by case or whitespace: "
                "'Approved' (2) / 'approved ' (1). 1 label(s) are written several ways "
                "(33% of rows use a less common spelling); trim and fix the case "
                "upstream, or set `conform.normalize: true`.",
            )
        ],
        id="category-variants",
    ),
]

SILENT = [
    pytest.param(
        "nulls.encoding",
        {"columns": {"x": {**INT, "max_null_rate": 0.2, "missing_values": [-1]}}},
        {"x": list(range(1, 18)) + [-1] * 3},
        id="nulls-encoding",
    ),
    pytest.param(
        "category.variants",
        {"columns": {"g": CAT}},
        {"g": ["Approved", "Rejected", "Approved"]},
        id="category-variants",
    ),
    pytest.param(
        "schema.missing_column",
        {"columns": {"a": INT}},
        {"a": [1]},
        id="missing_column",
    ),
    pytest.param(
        "schema.unexpected_column",
        {"columns": {"a": INT}},
        {"a": [1]},
        id="unexpected_column",
    ),
    pytest.param(
        "schema.type_mismatch",
        {"columns": {"x": FLOAT, "n": INT, "s": CAT}},
        {"x": [1, 2], "n": [1, None], "s": ["a", "b"]},
        id="type_mismatch-integers-are-floats",
    ),
    pytest.param(
        "schema.type_mismatch",
        {"columns": {"x": FLOAT}},
        pl.DataFrame({"x": [None, None]}, schema={"x": pl.String}),
        id="type_mismatch-all-null",
    ),
    pytest.param(
        "nulls.rate",
        {"columns": {"x": {**FLOAT, "max_null_rate": 0.5}}},
        {"x": [1.0, None]},
        id="nulls-at-tolerance",
    ),
    pytest.param(
        "nulls.rate",
        {"columns": {"x": {**FLOAT, "nullable": False}}},
        {"x": [1.0, 2.0]},
        id="nulls-none",
    ),
    pytest.param(
        "range.out_of_bounds",
        {"columns": {"x": {**FLOAT, "range": {"min": 0, "max": 100}}}},
        {"x": [0.0, 100.0, None, math.nan]},
        id="range-inclusive",
    ),
    pytest.param(
        "range.out_of_bounds",
        {"columns": {"x": {**FLOAT, "range": {"min": 0}}}},
        {"x": [0.0, math.inf]},
        id="range-open-side-allows-infinity",
    ),
    pytest.param(
        "category.unseen",
        {"columns": {"g": {**CAT, "categories": ["A", "B"]}}},
        {"g": ["A", None, "B"]},
        id="category",
    ),
    pytest.param(
        "unique.duplicates",
        {"columns": {"id": {**INT, "unique": True}}},
        {"id": [1, 2, 3, None, None]},
        id="duplicates-nulls-are-not-repeats",
    ),
    pytest.param(
        "unique.duplicates",
        {"columns": {"id": {**FLOAT, "unique": True}}},
        {"id": [1.0, 2.0, math.nan, math.nan]},
        id="duplicates-nan-is-not-a-repeat",
    ),
    pytest.param(
        "volume.row_count",
        {"dataset": {"rows": {"min": 2, "max": 2}}},
        {"a": [1, 2]},
        id="row_count",
    ),
    pytest.param(
        "time.gap",
        {"dataset": {"time": {"column": "ts", "max_gap_seconds": 3600}}},
        {"ts": hours(2, 0, 1, 1)},
        id="time_gap-unsorted-with-repeats",
    ),
    pytest.param(
        "time.gap",
        {"dataset": {"time": {"column": "ts", "max_gap_seconds": 1}}},
        {"ts": [None, None]},
        id="time_gap-no-times",
    ),
    pytest.param(
        "time.freshness",
        {"dataset": {"time": {"column": "ts", "max_staleness_seconds": 86400}}},
        {"ts": hours(0, 1, 2)},
        id="freshness",
    ),
    pytest.param(
        "time.freshness",
        {"dataset": {"time": {"column": "ts", "max_staleness_seconds": 3600}}},
        {"ts": ["2024-03-01 00:00:00", "not a time"]},
        id="freshness-text-that-does-not-all-read",
    ),
    pytest.param(
        "label.imbalance",
        {"dataset": {"label": LABEL}},
        {"y": [0] * 80 + [1] * 20},
        id="label-minority-at-the-info-share",
    ),
    pytest.param(
        "label.imbalance",
        {"dataset": {"label": {"column": "y", "info_below_share": 0.05}}},
        {"y": [0] * 90 + [1] * 10},
        id="label-info-share-lowered-in-the-contract",
    ),
    pytest.param(
        "label.imbalance",
        {"dataset": {"label": {"column": "y"}}},
        {"y": [float(i) for i in range(60)] * 2},
        id="label-regression-target",
    ),
]


@pytest.mark.parametrize(("check_id", "contract", "batch", "expected"), FIRES)
def test_check_fires(
    check_id: str,
    contract: dict[str, Any],
    batch: Any,
    expected: list[tuple[Severity, str | None, str]],
) -> None:
    assert findings_of(check_id, contract, batch) == expected


@pytest.mark.parametrize(("check_id", "contract", "batch"), SILENT)
def test_check_stays_silent(
    check_id: str, contract: dict[str, Any], batch: Any
) -> None:
    assert findings_of(check_id, contract, batch) == []


def test_every_registered_check_has_a_firing_and_a_silent_case() -> None:
    fired = {case.values[0] for case in FIRES}
    silent = {case.values[0] for case in SILENT}
    assert set(registered()) == fired == silent


def test_unique_past_the_sketch_reports_only_clear_excess() -> None:
    ids = list(range(20_000))
    clean = {"columns": {"id": {**INT, "unique": True}}}
    assert findings_of("unique.duplicates", clean, {"id": ids}) == []
    (finding,) = findings_of("unique.duplicates", clean, {"id": ids + ids[:5000]})
    assert finding[2].startswith("Column 'id' must be unique but about ")


def test_findings_come_errors_first(loans_frame: pl.DataFrame) -> None:
    contract = Contract.model_validate(
        {
            "dataset": {"rows": {"min": 1000}},
            "columns": {"missing": FLOAT, "loan_id": INT},
        }
    )
    result = check_profile(LocalEngine().profile_frame(loans_frame), contract, now=NOW)
    severities = [f.severity for f in result.findings]
    assert severities == sorted(severities, reverse=True)
    assert result.status == "fail"
    assert result.contract is None and result.rows == 200


def test_a_naive_now_means_utc_not_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        contract = Contract.model_validate(
            {"dataset": {"time": {"column": "ts", "max_staleness_seconds": 3600}}}
        )
        prof = LocalEngine().profile_frame(pl.DataFrame({"ts": hours(0, 1, 2)}))
        naive = dt.datetime(2024, 3, 1, 2, 30)  # 30 minutes after the newest row, UTC
        result = check_profile(prof, contract, now=naive)
        assert [f for f in result.findings if f.check == "time.freshness"] == []
    finally:
        monkeypatch.undo()
        time.tzset()
