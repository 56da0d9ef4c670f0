"""Shared type aliases."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NewType, TypeAlias

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

FrameLike: TypeAlias = "pl.DataFrame | pl.LazyFrame | pa.Table | Any"
"""A polars frame, an Arrow table, a pandas DataFrame or anything io can read."""

ColumnName = NewType("ColumnName", str)
RunId = NewType("RunId", str)
ContractId = NewType("ContractId", str)
