"""Columns by their names, whatever the names hold."""

from __future__ import annotations

import io
from collections.abc import Sequence

import polars as pl
import polars.selectors as cs

__all__ = ["column", "is_pattern", "parquet_bytes", "select_columns"]


def column(name: str) -> pl.Expr:
    """The column called ``name``, exactly.

    ``pl.col`` reads ``*`` as every column and ``^...$`` as a regular expression; a
    user's column may be called either, so such names are selected by name instead.
    """
    return cs.by_name(name).as_expr() if is_pattern(name) else pl.col(name)


def is_pattern(name: str) -> bool:
    """True when ``pl.col(name)`` would not be the one column called ``name``."""
    return name == "*" or (len(name) > 1 and name[0] == "^" and name[-1] == "$")


def select_columns(frame: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    """The frame's columns called ``names``, in that order, each exactly (see
    ``column``)."""
    return frame.select(cs.by_name(list(names)))


def parquet_bytes(frame: pl.DataFrame) -> bytes:
    """The frame as Parquet bytes, as the store keeps batches: LZ4, no statistics
    (a blob is always read whole)."""
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="lz4", statistics=False)
    return buffer.getvalue()
