"""Per-segment profiles: one DatasetProfile per value of each segment column.

A chunk is split by each segment column's values: the ``CHUNK_SEGMENTS`` most frequent
values of the chunk get their own part, the rest one ``__other__`` part. After merging
all chunks, ``cap_segments`` keeps the ``MAX_SEGMENTS`` values with the most rows and
merges every other value into ``__other__``. A value that is rare in one chunk and
common in others has that chunk's rows in ``__other__``: per-segment counts are exact
for values that are among the most frequent in every chunk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import polars as pl

from pipewarden.profiles.dataset import DatasetProfile

MAX_SEGMENTS = 20
"""Segment values kept per segment column (by rows); the rest become ``__other__``."""
CHUNK_SEGMENTS = 2 * MAX_SEGMENTS
"""Values given their own part within one chunk."""
OTHER = "__other__"
NULL = "__null__"
"""The segment of rows whose segment column is null."""
_KEY = "__pw_segment"


def split(
    frame: pl.DataFrame, columns: Sequence[str]
) -> list[tuple[str, str, pl.DataFrame]]:
    """(segment column, value, rows) for every part of a chunk."""
    parts: list[tuple[str, str, pl.DataFrame]] = []
    for column in columns:
        if column not in frame.columns:
            continue
        key = frame.get_column(column).cast(pl.String).fill_null(NULL)
        top = (
            key.value_counts(sort=True, name="n")
            .head(CHUNK_SEGMENTS)
            .get_column(key.name)
        )
        label = (
            pl.when(pl.col(_KEY).is_in(top.implode()))
            .then(pl.col(_KEY))
            .otherwise(pl.lit(OTHER))
        )
        keyed = frame.with_columns(key.alias(_KEY)).with_columns(label.alias(_KEY))
        for (value,), rows in keyed.partition_by(_KEY, as_dict=True).items():
            parts.append((column, str(value), rows.drop(_KEY)))
    return parts


def attach(
    profile: DatasetProfile, parts: Sequence[tuple[str, str, DatasetProfile]]
) -> DatasetProfile:
    """The profile with its segment profiles."""
    segments: dict[str, dict[str, DatasetProfile]] = {}
    for column, value, part in parts:
        segments.setdefault(column, {})[value] = part
    return replace(profile, segments=segments) if segments else profile


def cap_segments(profile: DatasetProfile, limit: int = MAX_SEGMENTS) -> DatasetProfile:
    """Keep the ``limit`` largest segments per column; merge the rest into __other__."""
    capped: dict[str, dict[str, DatasetProfile]] = {}
    for column, parts in profile.segments.items():
        ranked = sorted((v for v in parts if v != OTHER), key=lambda v: -parts[v].rows)
        kept = {v: parts[v] for v in ranked[:limit]}
        rest = [parts[v] for v in ranked[limit:]] + (
            [parts[OTHER]] if OTHER in parts else []
        )
        if rest:
            kept[OTHER] = DatasetProfile.merge_all(rest)
        capped[column] = kept
    return replace(profile, segments=capped)
