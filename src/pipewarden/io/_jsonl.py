"""Read a JSON Lines file in chunks, with the types polars infers from its lines.

Checked (the default): the schema is inferred from every line first
(``_file_schema``), so no row is read with a type a later line widens and no key
first seen late is lost; then the lines are parsed in pieces with it.

Optimistic (``_optimistic``), for a caller that can throw its work away (a
profile): the types come from the first lines alone, and the lines are parsed in
pieces with them, as the checked reading parses them. Inferring every line costs
more than parsing it. With the types of its first lines, polars refuses a later line
whose value does not read as its key's type (a fraction among integers, text among
numbers) but silently leaves out a key they lacked; so each piece's keys are checked
against the schema's first (``_jsonkeys.unknown_key``, compiled from C). On either
it raises ``ReadAgainError``, and the caller reads the file again the checked way.
Where a piece reads, its rows are the checked reading's: the same parse with the
same schema (property-tested). Without the compiled check, or for a file of records
inside records or lists of nulls alone in its first lines, the reading is the
checked one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from types import ModuleType

import polars as pl
from polars._typing import PolarsDataType

from pipewarden._concurrent import ordered_map
from pipewarden.errors import ReadAgainError, SourceError
from pipewarden.io._lines import LinePieces, parsed_ahead, parsed_or_read_again
from pipewarden.io._reasons import first_line

_keys: ModuleType | None
try:
    from pipewarden.io import _jsonkeys as _keys
except ImportError:  # built without a C compiler: the checked reading
    _keys = None

__all__ = ["jsonl_frames"]

INFER_LINES = 10_000
"""Leading lines an optimistic reading takes its types from."""


def jsonl_frames(
    path: Path, label: str, chunk_rows: int, optimistic: bool = False
) -> Iterator[pl.DataFrame]:
    """Yield an empty frame carrying the schema, then the rows in chunks, the next
    pieces of lines parsed while the caller works (``_lines``).

    Raises:
        SourceError: A line is not one JSON object, or lines hold values of types
            polars cannot combine.
        ReadAgainError: ``optimistic`` only: a later line does not read with the
            types of the first lines; read again without ``optimistic``.
    """
    if optimistic:
        return _optimistic(path, label, chunk_rows)
    return _checked_frames(path, label, chunk_rows)


def _checked_frames(path: Path, label: str, chunk_rows: int) -> Iterator[pl.DataFrame]:
    """The rows parsed in pieces of whole lines with the schema of every line, ahead
    of the consumer (a newline never occurs inside a JSON Lines record)."""
    try:
        schema = _file_schema(path, chunk_rows)
        yield pl.DataFrame(schema=schema)
        pieces = LinePieces(path, chunk_rows, header=False)
        yield from parsed_ahead(
            iter(pieces), lambda piece: pl.read_ndjson(piece, schema=schema)
        )
    except pl.exceptions.PolarsError as exc:
        raise _unreadable(label, exc) from exc


def _optimistic(path: Path, label: str, chunk_rows: int) -> Iterator[pl.DataFrame]:
    """The rows parsed with the types of the first ``INFER_LINES`` lines, each
    piece's keys checked first; the checked reading at once when those lines do not
    read or hold a type that hides what later lines hold (``_opaque``), or the
    compiled check is missing."""
    schema = _head_schema(path)
    if schema is None or _keys is None or (names := _raw_names(schema)) is None:
        yield from _checked_frames(path, label, chunk_rows)
        return
    check = _keys.unknown_key
    yield pl.DataFrame(schema=schema)

    def parse(piece: bytes) -> pl.DataFrame:
        at = check(piece, names)
        if at >= 0:
            near = piece[at : at + 60].decode("utf-8", "replace").strip()
            raise ReadAgainError(
                f"'{label}' holds a key its first lines do not have, near: {near}"
            )
        return pl.read_ndjson(piece, schema=schema)

    pieces = LinePieces(path, chunk_rows, header=False)
    refused = f"'{label}' does not read with the types of its first lines"
    yield from parsed_or_read_again(iter(pieces), parse, refused)


def _raw_names(schema: pl.Schema) -> tuple[bytes, ...] | None:
    """The schema's names as their keys are written in a line (UTF-8, unescaped),
    or None when a type holds what polars, given the schema, reads silently unlike
    the checked reading (``_opaque``). A name JSON writes escaped (a quote, a
    backslash, a control character) is never found as it is written, so every line
    holding it reads again the checked way."""
    if any(_opaque(dtype) for dtype in schema.values()):
        return None
    return tuple(name.encode() for name in schema)


def _opaque(dtype: PolarsDataType, inside: bool = False) -> bool:
    """Whether a type hides what later lines may hold: a record inside a record,
    whose keys polars leaves out when unknown and orders by the keys' orders in
    every line (a head with ``{"x": 1, "y": 2}`` and a later line with ``{"y": 3,
    "x": 4}`` make the fields y, x), which the first lines cannot tell; or lists of
    nothing but nulls (or empty), whose later numbers polars reads as nulls. (A
    column of nulls alone is safe: polars refuses a later value in it.)"""
    if isinstance(dtype, pl.Struct) or (inside and dtype == pl.Null):
        return True
    if isinstance(dtype, pl.List | pl.Array):
        return _opaque(dtype.inner, inside=True)
    return False


def _head_schema(path: Path) -> pl.Schema | None:
    """The schema polars infers from the file's first lines, or None when they
    hold no line or do not read (the checked reading then says why)."""
    head = next(iter(LinePieces(path, INFER_LINES, header=False)), b"")
    if not head.strip():
        return None
    try:
        return pl.Schema(
            pl.scan_ndjson(head, infer_schema_length=None).collect_schema()
        )
    except pl.exceptions.PolarsError:
        return None


def _file_schema(path: Path, chunk_rows: int) -> pl.Schema:
    """The schema polars infers from every line of the file, one piece of lines at
    a time (a piece per core at once), so memory stays flat whatever the size.

    polars combines the lines' types in an order that pieces cannot reproduce when
    they differ (a key first seen in a later piece, say), so the file's own
    inference decides then; it maps the whole file, which then counts in RSS.
    When every piece infers the same schema, that is the file's (property-tested
    against polars on files with keys and types that vary from line to line).
    """
    found = _same_schema(LinePieces(path, chunk_rows, header=False))
    if found is None:  # pieces that differ, or no line: the file's inference
        return pl.Schema(
            pl.scan_ndjson(path, infer_schema_length=None).collect_schema()
        )
    return pl.Schema(found)


_INFERRING = 4
"""JSON Lines pieces (about 16 MiB each) whose schemas are inferred at once."""


def _same_schema(pieces: Iterable[bytes]) -> list[tuple[str, pl.DataType]] | None:
    """The schema every piece infers, or None when two differ or one fails (a piece
    of blank lines alone, say). polars infers without the GIL, so pieces are
    inferred in parallel threads, one per core (``_INFERRING`` at most)."""

    def infer(piece: bytes) -> list[tuple[str, pl.DataType]] | None:
        try:
            schema = pl.scan_ndjson(piece, infer_schema_length=None).collect_schema()
        except pl.exceptions.PolarsError:
            return None
        return list(schema.items())

    first: list[tuple[str, pl.DataType]] | None = None
    workers = max(1, min(_INFERRING, os.cpu_count() or 1))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pw-infer")
    # Leaving early closes the map first (cancelling what has not started).
    with pool, closing(ordered_map(pool, infer, pieces, workers)) as schemas:
        for schema in schemas:
            if schema is None or (first is not None and schema != first):
                return None
            if first is None:
                first = schema
    return first


def _unreadable(label: str, exc: BaseException) -> SourceError:
    return SourceError(
        f"Cannot read JSON Lines file '{label}': {first_line(exc)}. "
        "Check that every line is one JSON object."
    )
