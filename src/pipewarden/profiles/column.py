"""ColumnProfile: everything pipewarden knows about one column of a batch."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from pipewarden._text import clip, share
from pipewarden.errors import ProfileError
from pipewarden.profiles.readings import Reading, TextReadings
from pipewarden.profiles.sketches import (
    Distinct,
    Frequent,
    Moments,
    Quantiles,
    TimeGaps,
)


class Physical(StrEnum):
    """The storage family of a column, from its Arrow/Polars dtype."""

    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    STRING = "string"
    DATETIME = "datetime"
    OTHER = "other"


class Kind(StrEnum):
    """The logical kind of a column: inferred by profiles, declared by contracts
    (``ColumnSpec.kind``), and how checks and drift treat the column."""

    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    CATEGORICAL = "categorical"
    TEXT = "text"
    DATETIME = "datetime"
    OTHER = "other"


TEXT_MIN_MEAN_LENGTH = 20.0
"""Strings this long on average, mostly with spaces, are free text."""
TEXT_MIN_SPACE_SHARE = 0.5
IDENTIFIER_MIN_DISTINCT_SHARE = 0.5
"""A column whose values are mostly distinct is an identifier, not a category."""
IDENTIFIER_MIN_DISTINCT = 100


@dataclass(frozen=True, slots=True)
class ColumnProfile:
    """Mergeable statistics of one column.

    Counts are exact. ``moments`` and ``quantiles`` cover finite numeric values
    (booleans as 0/1); ``lengths`` covers string lengths; ``time`` and ``intervals``
    (seconds between consecutive timestamps) cover datetime columns, and text columns'
    values that read as datetimes. ``readings`` counts, per kind, the text values that
    read losslessly as it (``profiles.readings``).
    """

    name: str
    physical: Physical
    dtype: str
    rows: int = 0
    nulls: int = 0
    nan: int = 0
    posinf: int = 0
    neginf: int = 0
    moments: Moments = field(default_factory=Moments)
    quantiles: Quantiles = field(default_factory=Quantiles)
    distinct: Distinct = field(default_factory=Distinct)
    frequent: Frequent = field(default_factory=Frequent)
    lengths: Moments = field(default_factory=Moments)
    with_space: int = 0
    padded: int = 0
    readings: TextReadings = field(default_factory=TextReadings)
    time: TimeGaps = field(default_factory=TimeGaps)
    intervals: Quantiles = field(default_factory=Quantiles)

    # ------------------------------------------------------------------ derived
    @property
    def numeric_like(self) -> int:
        """Text values that read as numbers."""
        return self.readings.float.count

    @property
    def non_numeric_examples(self) -> tuple[str, ...]:
        """Examples of text values that do not read as numbers."""
        return self.readings.float.misses

    @property
    def non_null(self) -> int:
        """Values that are not null (NaN counts as a value here)."""
        return self.rows - self.nulls

    @property
    def null_rate(self) -> float:
        return self.nulls / self.rows if self.rows else 0.0

    @property
    def missing_rate(self) -> float:
        """Share of rows that are null or NaN."""
        return (self.nulls + self.nan) / self.rows if self.rows else 0.0

    @property
    def distinct_count(self) -> float:
        return self.distinct.estimate

    @property
    def is_identifier(self) -> bool:
        """Mostly distinct values: an id, not something to count categories of."""
        n = self.non_null
        d = self.distinct_count
        return (
            self.physical in (Physical.STRING, Physical.INTEGER)
            and n > 0
            and d >= IDENTIFIER_MIN_DISTINCT
            and d / n >= IDENTIFIER_MIN_DISTINCT_SHARE
        )

    @property
    def is_free_text(self) -> bool:
        n = self.non_null
        if self.physical is not Physical.STRING or n == 0:
            return False
        long_words = (
            self.lengths.mean >= TEXT_MIN_MEAN_LENGTH
            and self.with_space / n >= TEXT_MIN_SPACE_SHARE
        )
        return long_words or self.is_identifier

    @property
    def kind(self) -> Kind:
        if self.physical is Physical.STRING:
            return Kind.TEXT if self.is_free_text else Kind.CATEGORICAL
        return Kind(self.physical.value)

    # ------------------------------------------------------------------ merging
    @classmethod
    def empty(
        cls, name: str, physical: Physical, dtype: str, rows: int = 0
    ) -> ColumnProfile:
        """A column with ``rows`` rows, all null (a chunk that lacked the column)."""
        return cls(name=name, physical=physical, dtype=dtype, rows=rows, nulls=rows)

    def merge(self, other: ColumnProfile) -> ColumnProfile:
        """Combine the profiles of two chunks of the same column."""
        if self.name != other.name:
            raise ProfileError(
                f"Cannot merge column '{self.name}' with '{other.name}'."
            )
        physical, dtype = _merge_physical(self, other)
        return ColumnProfile(
            name=self.name,
            physical=physical,
            dtype=dtype,
            rows=self.rows + other.rows,
            nulls=self.nulls + other.nulls,
            nan=self.nan + other.nan,
            posinf=self.posinf + other.posinf,
            neginf=self.neginf + other.neginf,
            moments=self.moments.merge(other.moments),
            quantiles=self.quantiles.merge(other.quantiles),
            distinct=self.distinct.merge(other.distinct),
            frequent=self.frequent.merge(other.frequent),
            lengths=self.lengths.merge(other.lengths),
            with_space=self.with_space + other.with_space,
            padded=self.padded + other.padded,
            readings=self.readings.merge(other.readings),
            time=self.time.merge(other.time),
            intervals=self.intervals.merge(other.intervals),
        )

    def renamed(self, name: str) -> ColumnProfile:
        """This profile under another column name."""
        return replace(self, name=name)

    def __repr__(self) -> str:
        nulls = share(self.null_rate) if self.rows else "no rows"
        return (
            f"<ColumnProfile {clip(self.name, 40)!r} {self.kind.value} "
            f"{clip(self.dtype, 30)}: {self.rows:,} rows, {nulls} null>"
        )

    # ------------------------------------------------------------- serialising
    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "physical": self.physical.value,
            "kind": self.kind.value,
            "dtype": self.dtype,
            "rows": self.rows,
            "nulls": self.nulls,
            "nan": self.nan,
            "posinf": self.posinf,
            "neginf": self.neginf,
            "moments": self.moments.to_dict(),
            "quantiles": self.quantiles.to_dict(),
            "distinct": self.distinct.to_dict(),
            "distinct_estimate": self.distinct_count,
            "frequent": self.frequent.to_dict(),
            "lengths": self.lengths.to_dict(),
            "with_space": self.with_space,
            "padded": self.padded,
            "numeric_like": self.numeric_like,
            "non_numeric_examples": list(self.non_numeric_examples),
            "readings": self.readings.to_dict(),
            "time": self.time.to_dict(),
            "intervals": self.intervals.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnProfile:
        return cls(
            name=str(data["name"]),
            physical=Physical(data["physical"]),
            dtype=str(data["dtype"]),
            rows=int(data["rows"]),
            nulls=int(data["nulls"]),
            nan=int(data.get("nan", 0)),
            posinf=int(data.get("posinf", 0)),
            neginf=int(data.get("neginf", 0)),
            moments=Moments.from_dict(data["moments"]),
            quantiles=Quantiles.from_dict(data["quantiles"]),
            distinct=Distinct.from_dict(data["distinct"]),
            frequent=Frequent.from_dict(data["frequent"]),
            lengths=Moments.from_dict(data["lengths"]),
            with_space=int(data.get("with_space", 0)),
            padded=int(data.get("padded", 0)),
            readings=_readings_from_dict(data),
            time=TimeGaps.from_dict(data["time"]),
            intervals=Quantiles.from_dict(data["intervals"]),
        )


def _readings_from_dict(data: dict[str, Any]) -> TextReadings:
    if "readings" in data:
        return TextReadings.from_dict(data["readings"])
    # Profiles saved before readings: their numbers as text, under the old keys.
    numbers = Reading(
        int(data.get("numeric_like", 0)), tuple(data.get("non_numeric_examples", ()))
    )
    return TextReadings(float=numbers)


def _merge_physical(a: ColumnProfile, b: ColumnProfile) -> tuple[Physical, str]:
    if a.physical is b.physical:
        return a.physical, a.dtype if a.rows >= b.rows or a.non_null else b.dtype
    if a.non_null == 0:
        return b.physical, b.dtype
    if b.non_null == 0:
        return a.physical, a.dtype
    if {a.physical, b.physical} == {Physical.INTEGER, Physical.FLOAT}:
        return Physical.FLOAT, "Float64"
    raise ProfileError(
        f"Column '{a.name}' is {a.physical.value} in one part and {b.physical.value} "
        f"in another; cast it to one type upstream before profiling the parts together."
    )
