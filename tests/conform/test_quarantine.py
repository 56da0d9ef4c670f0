"""Quarantine frames: original columns first, then why; meta names never clash."""

from __future__ import annotations

import polars as pl

from pipewarden.conform.quarantine import (
    empty_quarantine,
    quarantine_names,
    reason_counts,
)


def test_batch_columns_named_like_meta_columns_get_an_underscore() -> None:
    assert quarantine_names(["row", "reason", "reason_", "x"]) == {
        "row": "row_",
        "reason": "reason__",
        "reason_": "reason_",
        "x": "x",
    }


def test_an_empty_quarantine_has_the_batch_schema_and_the_meta_columns() -> None:
    empty = empty_quarantine(pl.Schema({"a": pl.Int64, "check": pl.String}))
    assert empty.schema == pl.Schema(
        {
            "a": pl.Int64,
            "check_": pl.String,
            "row": pl.Int64,
            "column": pl.String,
            "check": pl.String,
            "reason": pl.String,
        }
    )


def test_reason_counts_are_most_rows_first() -> None:
    quarantine = pl.DataFrame(
        {
            "check": ["nulls.rate", "range.out_of_bounds", "range.out_of_bounds"],
            "column": ["a", "b", "b"],
            "reason": ["r1", "r2", "r2"],
        }
    )
    assert reason_counts(quarantine) == [
        ("range.out_of_bounds", "b", "r2", 2),
        ("nulls.rate", "a", "r1", 1),
    ]
