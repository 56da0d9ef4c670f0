"""The contract: what a batch must look like, as pydantic models that map 1:1 to YAML."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Self

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pipewarden._text import clip, counted
from pipewarden.contracts.dtypes import DTYPE_EXAMPLES, parse_dtype
from pipewarden.profiles.column import Kind

if TYPE_CHECKING:
    from rich.console import RenderableType

KIND = "pipewarden/contract"
VERSION = 1

ColumnKind = Kind
"""A column's logical kind: the kinds profiles infer (``profiles.column.Kind``)."""

# What the gate does, per column and per batch: each choice is declared once, here.
UnseenAction = Literal["keep", "fallback", "null", "quarantine"]
"""``conform.on_unseen``: a value not in ``categories``."""
RangeAction = Literal["keep", "clip", "null", "quarantine"]
"""``conform.on_out_of_range``: a value outside ``range``."""
NullAction = Literal["keep", "impute", "quarantine"]
"""``conform.on_null``: a null value."""
ImputeSource = Literal["default", "median", "mode"]
"""``conform.impute``: where an imputed value comes from."""
CoerceAction = Literal["null", "quarantine"]
"""``conform.on_coerce_error``: a value that cannot be cast to the dtype."""
MissingAction = Literal["fail", "default", "median", "mode", "null"]
"""``conform.on_missing``: the whole column is missing."""
UnexpectedColumnsPolicy = Literal["drop", "keep", "fail"]
"""``policies.unexpected_columns``: a column not in the contract."""
MissingColumnsPolicy = Literal["fail", "fill"]
"""``policies.missing_columns``: a contract column absent from a batch."""


_SAMPLE_MOMENT = datetime(2024, 3, 9, 13, 45, 30, 123456, tzinfo=UTC)
"""A moment every sensible datetime_format can write and read back."""


def _check_bounds(low: float | None, high: float | None) -> None:
    if low is not None and high is not None and low > high:
        raise ValueError(
            f"min ({low:g}) is greater than max ({high:g}), so nothing can fit. "
            "Swap them, or drop one to leave that side open."
        )


def _check_datetime_format(fmt: str) -> None:
    """Polars must write a known moment with the format and read the text back."""
    try:
        written = pl.Series([_SAMPLE_MOMENT]).dt.strftime(fmt)
        written.str.to_datetime(fmt, strict=True, time_unit="us")
        readable = "%" in fmt
    except pl.exceptions.PolarsError:
        readable = False
    if not readable:
        raise ValueError(
            f"'{fmt}' is not a datetime format polars can read. Use strftime "
            "directives, e.g. '%Y-%m-%d %H:%M:%S' or '%d/%m/%Y'."
        )


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(_Spec):
    """Inclusive bounds for numeric values; either side may be open."""

    min: float | None = Field(None, description="Smallest value allowed.")
    max: float | None = Field(None, description="Largest value allowed.")

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Self:
        _check_bounds(self.min, self.max)
        return self


class ColumnConform(_Spec):
    """How the gate repairs a column (used by `pipewarden conform`)."""

    on_unseen: UnseenAction = Field(
        "keep", description="What to do with a category not in `categories`."
    )
    fallback: str | None = Field(None, description="Value for on_unseen: fallback.")
    on_out_of_range: RangeAction = Field(
        "keep", description="What to do with a value outside `range`."
    )
    on_null: NullAction = Field(
        "keep", description="What to do with a null in this column."
    )
    impute: ImputeSource = Field(
        "default", description="Where an imputed value comes from."
    )
    default: Any = Field(None, description="Value used to fill or impute this column.")
    median: float | None = Field(
        None, description="Reference median, for impute: median."
    )
    mode: Any = Field(
        None, description="Reference most frequent value, for impute: mode."
    )
    on_coerce_error: CoerceAction = Field(
        "null", description="What to do with a value that cannot be cast to the dtype."
    )
    on_missing: MissingAction = Field(
        "fail", description="What to do when the whole column is missing."
    )
    normalize: bool = Field(
        False, description="Strip whitespace and fold case of categories to match."
    )
    datetime_format: str | None = Field(
        None, description="strftime format for text dates."
    )

    @field_validator("datetime_format")
    @classmethod
    def _readable_format(cls, value: str | None) -> str | None:
        if value is not None:
            _check_datetime_format(value)
        return value


class ColumnDrift(_Spec):
    """Per-column drift settings (statistic and threshold override the defaults)."""

    statistic: str | None = None
    threshold: float | None = None
    enabled: bool = True


class ColumnSpec(_Spec):
    """What one column must look like."""

    kind: ColumnKind = Field(description="Logical kind of the column.")
    dtype: str = Field(description="Polars dtype the model expects, e.g. Float64.")
    nullable: bool = Field(True, description="Whether nulls are allowed at all.")
    max_null_rate: float = Field(
        1.0, ge=0.0, le=1.0, description="Largest share of nulls tolerated."
    )
    range: Range | None = Field(None, description="Allowed numeric range.")
    categories: list[str] | None = Field(
        None, description="Allowed values of a categorical column."
    )
    missing_values: list[float] | None = Field(
        None,
        description="Numbers that stand for unknown in this column (sentinels such "
        "as 0, -1 or 999), recognised in the reference.",
    )
    unique: bool = Field(False, description="Values must not repeat (id columns).")
    coerce: bool = Field(False, description="Cast values to dtype before checking.")
    conform: ColumnConform = Field(default_factory=ColumnConform)
    drift: ColumnDrift = Field(default_factory=ColumnDrift)

    @field_validator("dtype")
    @classmethod
    def _known_dtype(cls, value: str) -> str:
        try:
            parse_dtype(value)
        except ValueError:
            raise ValueError(
                f"'{value}' is not a polars dtype. Use e.g. {DTYPE_EXAMPLES}."
            ) from None
        return value


class RowCount(_Spec):
    min: int | None = Field(None, ge=0, description="Fewest rows expected in a batch.")
    max: int | None = Field(None, ge=0, description="Most rows expected in a batch.")

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Self:
        _check_bounds(self.min, self.max)
        return self


class TimeSpec(_Spec):
    """The event-time column and how regularly it must tick."""

    column: str
    cadence_seconds: float | None = Field(
        None, description="Typical seconds between rows."
    )
    max_gap_seconds: float | None = Field(None, description="Longest tolerated gap.")
    max_staleness_seconds: float | None = Field(
        None, description="Newest row may be at most this old when checked."
    )


IMBALANCE_INFO_SHARE = 0.2
"""A minority class below this share of labelled rows is imbalance worth telling."""


class LabelSpec(_Spec):
    """The target column and its expected class balance."""

    column: str
    classes: dict[str, float] | None = Field(
        None, description="Class -> expected share."
    )
    min_minority_share: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Smallest tolerated share of the rarest class.",
    )
    info_below_share: float = Field(
        IMBALANCE_INFO_SHARE,
        ge=0.0,
        le=1.0,
        description="A rarer minority class than this is told as an info finding "
        "(imbalance to handle when training), even above `min_minority_share`.",
    )


class DatasetSpec(_Spec):
    rows: RowCount = Field(default_factory=RowCount)
    time: TimeSpec | None = None
    label: LabelSpec | None = None
    prediction: str | None = Field(
        None, description="Column holding model predictions."
    )
    id: str | None = Field(None, description="Column that identifies a row.")
    segments: list[str] = Field(
        default_factory=list, description="Columns to segment by."
    )


class Policies(_Spec):
    unexpected_columns: UnexpectedColumnsPolicy = Field(
        "drop",
        description="Columns not in the contract: drop and report, keep, or fail.",
    )
    missing_columns: MissingColumnsPolicy = Field(
        "fail", description="Columns absent from a batch: fail, or fill per column."
    )


class Contract(_Spec):
    """A data contract, as written in YAML (`kind: pipewarden/contract`, `version: 1`)."""

    kind: Literal["pipewarden/contract"] = "pipewarden/contract"
    version: Literal[1] = 1
    name: str | None = None
    dataset: DatasetSpec = Field(default_factory=DatasetSpec)
    policies: Policies = Field(default_factory=Policies)
    columns: dict[str, ColumnSpec] = Field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return list(self.columns)

    @property
    def digest(self) -> str:
        """Short content hash: the contract's version identity."""
        payload = json.dumps(self.to_dict(), sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Contract:
        return cls.model_validate(data)

    def __repr__(self) -> str:
        name = f" {clip(self.name, 40)!r}" if self.name else ""
        names = clip(", ".join(self.columns), 80)
        return (
            f"<Contract{name} {self.digest}: "
            f"{counted(len(self.columns), 'column')}{': ' + names if names else ''}>"
        )

    def _repr_html_(self) -> str:
        """The HTML a notebook shows (``pipewarden.report.notebook``)."""
        from pipewarden.report.notebook import to_html

        return to_html(self)

    def __rich__(self) -> RenderableType:
        """What a Rich console prints (``pipewarden.report.terminal``)."""
        from pipewarden.report.terminal import to_rich

        return to_rich(self)
