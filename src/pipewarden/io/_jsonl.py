"""Read a JSON Lines file in chunks, with the types polars infers from its lines.

Checked (the default): the schema is inferred from every line first
(``_file_schema``), so no row is read with a type a later line widens and no key
first seen late is lost; then the lines are parsed in pieces with it.

Optimistic (``_optimistic``), for a caller that can throw its work away (a
profile): the types come from the first lines alone and the file is parsed once,
by pyarrow's streaming JSON reader, told to refuse anything else: a key the first
lines did not have, a number where they held text, a fraction where they held
integers. Inferring every line costs more than parsing it: on the 2,000,000-row
standard table (898 MiB) this reads in 3.0 s and 5.5 s CPU against 4.9 s and 8.6 s.
On such a line it raises ``ReadAgainError`` and the caller reads the file again the
checked way; so do what pyarrow accepts and polars refuses (``_Guard``, ``_finite``).
Where pyarrow accepts a line, its values are polars' (property-tested against the
checked reading).
"""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import IO, cast

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
from polars._typing import PolarsDataType

from pipewarden._concurrent import ordered_map
from pipewarden.errors import ReadAgainError, SourceError
from pipewarden.io._lines import LinePieces, parsed_ahead
from pipewarden.io._reasons import first_line
from pipewarden.io._sniff import open_bytes

__all__ = ["jsonl_frames"]

INFER_LINES = 10_000
"""Leading lines an optimistic reading takes its types from."""
_BLOCK_BYTES = 1 << 21
"""Bytes pyarrow parses at once (a line longer than this is read the checked way):
on the 2,000,000-row standard table, 1-4 MiB cost the same CPU, and smaller blocks
hold less (peak 280 MiB at 1 MiB, 443 MiB at 4 MiB)."""


def jsonl_frames(
    path: Path,
    label: str,
    chunk_rows: int,
    ahead: bool = True,
    optimistic: bool = False,
) -> Iterator[pl.DataFrame]:
    """Yield an empty frame carrying the schema, then the rows in chunks.

    Raises:
        SourceError: A line is not one JSON object, or lines hold values of types
            polars cannot combine.
        ReadAgainError: ``optimistic`` only: a later line does not read with the
            types of the first lines; read again without ``optimistic``.
    """
    if optimistic:
        return _optimistic(path, label, chunk_rows, ahead)
    return _checked_frames(path, label, chunk_rows, ahead)


def _checked_frames(
    path: Path, label: str, chunk_rows: int, ahead: bool
) -> Iterator[pl.DataFrame]:
    """The rows parsed in pieces of whole lines with the schema of every line, with
    ``ahead`` one piece ahead of the consumer (a newline never occurs inside a JSON
    Lines record)."""
    try:
        schema = _file_schema(path, chunk_rows)
        yield pl.DataFrame(schema=schema)
        pieces = LinePieces(path, chunk_rows, header=False)
        yield from parsed_ahead(
            iter(pieces),
            lambda piece: pl.read_ndjson(piece, schema=schema),
            ahead=ahead,
        )
    except pl.exceptions.PolarsError as exc:
        raise _unreadable(label, exc) from exc


def _optimistic(
    path: Path, label: str, chunk_rows: int, ahead: bool
) -> Iterator[pl.DataFrame]:
    """The rows parsed once with the types of the first ``INFER_LINES`` lines; the
    checked reading at once when those lines do not read, or hold a type pyarrow
    does not read as polars does (``_arrow_schema``)."""
    schema = _head_schema(path)
    explicit = None if schema is None else _arrow_schema(schema)
    if schema is None or explicit is None:  # the checked reading says what is wrong
        yield from _checked_frames(path, label, chunk_rows, ahead)
        return
    yield pl.DataFrame(schema=schema)
    parse = pa_json.ParseOptions(
        explicit_schema=explicit, unexpected_field_behavior="error"
    )
    read = pa_json.ReadOptions(block_size=_BLOCK_BYTES)
    rows = 0
    try:
        with open_bytes(path) as handle:
            guard = _Guard(handle)
            for batch in pa_json.open_json(guard, read, parse):
                guard.check(label)  # the bytes of this batch were read before it
                batch.validate()  # cheap: the buffers fit (pyarrow is not trusted)
                if not _finite(batch):
                    raise ReadAgainError(f"'{label}' holds NaN or Infinity")
                frame = pl.DataFrame(batch)
                if frame.schema != schema:  # not expected: never guess
                    raise ReadAgainError(
                        f"'{label}' reads as {frame.schema}, not {schema}"
                    )
                rows += frame.height
                yield frame
            guard.check(label, end=True)
    except (pa.ArrowException, pl.exceptions.PolarsError) as exc:
        raise ReadAgainError(
            f"'{label}' does not read with the types of its first lines: "
            f"{first_line(exc)}"
        ) from exc
    if rows != guard.lines:  # two records on a line (the guard saw the rest)
        raise ReadAgainError(f"'{label}' holds {guard.lines} lines for {rows} rows")


class _Guard(io.RawIOBase):
    """The file's bytes as pyarrow reads them, watched for what pyarrow accepts and
    polars refuses: bytes that are not UTF-8, and lines that are not one record each
    (two records on a line, a record over two lines; pyarrow reads both). Costs
    ~0.4 s CPU per GiB.

    One record per line is proven by counting: every line ends with a closing
    brace (before an optional carriage return), and the records pyarrow read equal
    the lines (``lines``, checked by the caller). A schema without records inside
    records (``_arrow_schema``) leaves pyarrow no closing brace outside a string but
    a record's own, and a string cannot hold a raw newline; so every line ends a
    record, and as many records as lines leave each line exactly one. A blank line,
    or blanks after the brace, fail the count: the checked reading then decides.
    """

    def __init__(self, handle: IO[bytes]) -> None:
        super().__init__()
        self._handle = handle
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._newlines = 0
        self._before = np.full(2, _NEWLINE, dtype=np.uint8)  # the last two bytes
        self.refused: str | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        block = self._handle.read(-1 if size is None else size)
        if block and self.refused is None:
            self._watch(block)
        return block

    def _watch(self, block: bytes) -> None:
        pending = self._utf8.getstate()[0]
        if not block.isascii() or pending:
            try:
                self._utf8.decode(block)
            except UnicodeDecodeError:
                self.refused = "bytes that are not UTF-8"
        data = np.frombuffer(block, dtype=np.uint8)
        ends = np.flatnonzero(data == _NEWLINE)
        self._newlines += int(ends.size)
        if not self._end_records(data, ends):
            self.refused = "a line that is not one record"
        self._before = np.concatenate([self._before, data[-2:]])[-2:]

    def _end_records(self, data: np.ndarray, ends: np.ndarray) -> bool:
        """Whether the last byte before each newline at ``ends`` of ``data``, past
        a carriage return, is a closing brace (the previous blocks' last two bytes
        stand before ``data``)."""
        if not ends.size:
            return True
        last = data[ends - 1]  # at a newline opening the block: fixed below
        if ends[0] == 0:
            last[0] = self._before[1]
        carriage = last == _RETURN
        if carriage.any():
            at = ends[carriage] - 2
            inside = at >= 0
            last[carriage] = np.where(
                inside, data[np.maximum(at, 0)], self._before[np.clip(at + 2, 0, 1)]
            )
        return bool((last == _CLOSE).all())

    @property
    def lines(self) -> int:
        """Lines read so far (a last line without a newline counts)."""
        return self._newlines + int(self._before[-1] != _NEWLINE)

    def check(self, label: str, *, end: bool = False) -> None:
        """Raise ``ReadAgainError`` when the bytes read so far (at the ``end``: all
        of them) hold what polars refuses."""
        if end and self.refused is None:
            try:
                self._utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                self.refused = "bytes that are not UTF-8"
        if end and self.refused is None and self._before[-1] not in (_NEWLINE, _CLOSE):
            self.refused = "a line that is not one record"  # the last line's end
        if self.refused is not None:
            raise ReadAgainError(f"'{label}' holds {self.refused}")


_NEWLINE, _RETURN, _CLOSE = ord("\n"), ord("\r"), ord("}")


def _finite(batch: pa.RecordBatch) -> bool:
    """Whether every float in ``batch`` is finite: pyarrow reads the literals NaN
    and Infinity, which polars (and JSON) refuse."""
    return all(_finite_array(column) for column in batch.columns)


def _finite_array(array: pa.Array) -> bool:
    kind = array.type
    if pa.types.is_floating(kind):
        return pc.all(pc.is_finite(array)).as_py() is not False
    if pa.types.is_list(kind):  # no records inside records: see ``_arrow_schema``
        return _finite_array(array.flatten())
    return True


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


def _arrow_schema(schema: pl.Schema) -> pa.Schema | None:
    """``schema`` as pyarrow's JSON reader takes it, or None when it holds a type
    that reader does not make as polars does: a 128-bit integer, or a record inside
    a record, whose fields polars orders by the keys' orders in every line (a head
    with ``{"x": 1, "y": 2}`` and a later line with ``{"y": 3, "x": 4}`` make the
    fields y, x), which the first lines cannot tell."""
    fields = [(name, _arrow_type(dtype)) for name, dtype in schema.items()]
    if any(kind is None for _, kind in fields):
        return None
    return pa.schema(fields)


_ARROW_TYPES: dict[type[pl.DataType], pa.DataType] = {
    pl.Null: pa.null(),
    pl.Boolean: pa.bool_(),
    pl.Int64: pa.int64(),
    pl.Float64: pa.float64(),
    pl.String: pa.string(),
}
"""The plain types polars infers from JSON, as the pyarrow types that read them."""


def _arrow_type(dtype: PolarsDataType) -> pa.DataType | None:
    if isinstance(dtype, pl.List):  # not of nulls: pyarrow makes invalid lists then
        inner = _arrow_type(dtype.inner)
        return None if inner is None or inner == pa.null() else pa.list_(inner)
    return _ARROW_TYPES.get(cast(type[pl.DataType], type(dtype)))


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
