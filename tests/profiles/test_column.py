"""ColumnProfile: derived statistics, kinds, merging and serialising one column."""

from __future__ import annotations

import json
from collections.abc import Callable

import polars as pl
import pytest

from pipewarden.errors import ProfileError
from pipewarden.profiles.column import ColumnProfile, Kind, Physical
from pipewarden.profiles.dataset import DatasetProfile

ProfileOf = Callable[[pl.DataFrame], DatasetProfile]


def column(
    profile_of: ProfileOf, values: list[object], dtype: pl.DataType | None = None
) -> ColumnProfile:
    return profile_of(pl.DataFrame({"c": pl.Series(values, dtype=dtype)}))["c"]


def test_rates_count_nulls_and_nan_separately(profile_of: ProfileOf) -> None:
    col = column(profile_of, [1.0, None, float("nan"), 2.0])
    assert (col.rows, col.nulls, col.nan, col.non_null) == (4, 1, 1, 3)
    assert (col.null_rate, col.missing_rate) == (0.25, 0.5)


def test_rates_of_an_empty_column_are_zero() -> None:
    col = ColumnProfile.empty("c", Physical.FLOAT, "Float64")
    assert (col.null_rate, col.missing_rate, col.non_null) == (0.0, 0.0, 0)


@pytest.mark.parametrize(
    ("values", "dtype", "kind"),
    [
        ([1, 2, 2], pl.Int64, Kind.INTEGER),
        ([1.5, None], pl.Float64, Kind.FLOAT),
        ([True, False], pl.Boolean, Kind.BOOLEAN),
        (["a", "b", "a"], pl.String, Kind.CATEGORICAL),
        (["a", "b", "a"], pl.Categorical, Kind.CATEGORICAL),
        (
            ["the quick brown fox jumps over", "a lazy dog sleeps in the sun"],
            pl.String,
            Kind.TEXT,
        ),
        ([f"id-{i}" for i in range(300)], pl.String, Kind.TEXT),  # an identifier
        ([[1], [2]], pl.List(pl.Int64), Kind.OTHER),
        ([None, None], pl.Null, Kind.OTHER),
    ],
    ids=[
        "int",
        "float",
        "bool",
        "str",
        "categorical",
        "free-text",
        "ids",
        "list",
        "null",
    ],
)
def test_kind_follows_dtype_and_content(
    profile_of: ProfileOf, values: list[object], dtype: pl.DataType, kind: Kind
) -> None:
    assert column(profile_of, values, dtype).kind is kind


def test_mostly_distinct_integers_are_identifiers(profile_of: ProfileOf) -> None:
    ids = column(profile_of, list(range(500)))
    codes = column(profile_of, [i % 7 for i in range(500)])
    assert (ids.is_identifier, codes.is_identifier) == (True, False)
    assert ids.kind is Kind.INTEGER  # still an integer for checks and drift


def test_merging_columns_with_different_names_is_an_error(
    profile_of: ProfileOf,
) -> None:
    a = column(profile_of, [1])
    with pytest.raises(ProfileError, match=r"^Cannot merge column 'c' with 'd'\.$"):
        a.merge(a.renamed("d"))


def test_integer_and_float_parts_merge_as_float(profile_of: ProfileOf) -> None:
    merged = column(profile_of, [1, 2]).merge(column(profile_of, [2.5]))
    assert (merged.physical, merged.dtype, merged.rows) == (
        Physical.FLOAT,
        "Float64",
        3,
    )
    assert (merged.moments.min, merged.moments.max) == (1.0, 2.5)


def test_all_null_part_takes_the_type_of_the_other(profile_of: ProfileOf) -> None:
    nulls = ColumnProfile.empty("c", Physical.STRING, "String", rows=2)
    merged = nulls.merge(column(profile_of, [1, 2]))
    assert (merged.physical, merged.dtype, merged.rows, merged.nulls) == (
        Physical.INTEGER,
        "Int64",
        4,
        2,
    )


def test_text_and_numbers_do_not_merge(profile_of: ProfileOf) -> None:
    with pytest.raises(ProfileError) as info:
        column(profile_of, ["a"]).merge(column(profile_of, [1]))
    assert str(info.value) == (
        "Column 'c' is string in one part and integer in another; cast it to one type "
        "upstream before profiling the parts together."
    )


@pytest.mark.parametrize(
    "values",
    [
        [1, 2, None, 2],
        [1.5, None, float("nan"), float("inf"), float("-inf")],
        ["a", " b", None, "1,000", "名前"],
        [True, None],
        [None, None],
    ],
    ids=["int", "float", "str", "bool", "null"],
)
def test_column_profile_round_trips_through_json(
    profile_of: ProfileOf, values: list[object]
) -> None:
    col = column(profile_of, values)
    back = ColumnProfile.from_dict(
        json.loads(json.dumps(col.to_dict(), allow_nan=False))
    )
    assert back == col
    assert back.to_dict()["kind"] == col.kind.value
