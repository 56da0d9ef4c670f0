"""Read delimited text files in chunks, with one schema for the whole file.

polars infers column types from the first rows only, so a value further down can
fail to parse (a word in a column of numbers). The types are inferred once; then,
before yielding anything, one streaming pass parses every row with them. When a
column fails, it is found by reading the file again, never from polars' error text
(whose wording changes between versions), and read as text; that only happens
when the pass fails. The pass keeps the parsed rows in a temporary Arrow file
(``_spool``), read back a batch at a time; when there is no room for one, the rows
are parsed again in pieces of whole lines, parsed ahead (``_lines``). A caller
that can throw its work away reads optimistically instead (``_optimistic``).

Dates and timestamps are read as text and parsed after (``_dates``): polars'
CSV reader parses them at under half the speed of ``str.to_datetime``, the same
values (and pieces of lines parse them with Arrow where it reads them alike, ten
times faster again). When that way fails, the reader's own parse decides, as it
always did.
"""

from __future__ import annotations

import codecs
import csv
import logging
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from pipewarden.errors import PipewardenWarning, ReadAgainError, SourceError
from pipewarden.io._dates import parsed_dates, polars_dates
from pipewarden.io._lines import LinePieces, parsed_ahead, parsed_or_read_again
from pipewarden.io._reasons import first_line
from pipewarden.io._sniff import check_unique_names, open_bytes
from pipewarden.io._spool import spool_path, spooled_frames, write_spool

logger = logging.getLogger(__name__)

INFER_SCHEMA_ROWS = 10_000
_SEPARATORS = (",", "\t", ";", "|")
_ISO_DATE = r"^\s*\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?\s*$"
"""What a date or timestamp in a CSV looks like; anything else stays text."""


def csv_frames(
    path: Path, label: str, chunk_rows: int, optimistic: bool = False
) -> Iterator[pl.DataFrame]:
    """Yield an empty frame carrying the schema, then the rows in chunks (without a
    spool, the next pieces are parsed while the caller works: ``_lines``).

    With ``optimistic``, rows are yielded as they parse with the types of the first
    rows, before the rest of the file is known to parse with them (``_optimistic``).

    Raises:
        SourceError: The file has no header or is malformed (e.g. ragged rows).
        ReadAgainError: ``optimistic`` only: a later row does not parse as the
            first rows did; read again without ``optimistic``.
    """
    if optimistic and not _has_quote(path):
        return _optimistic(path, label, chunk_rows)
    return _checked_frames(path, label, chunk_rows)


def _checked_frames(path: Path, label: str, chunk_rows: int) -> Iterator[pl.DataFrame]:
    """The rows, once every one of them has parsed with the types
    (``_checked_scan``)."""
    checked = _checked_scan(path, label)
    try:
        yield pl.DataFrame(schema=checked.schema)
        if checked.spool is not None:
            yield from spooled_frames(checked.spool)
        else:
            yield from _csv_rows(path, checked, chunk_rows)
    except pl.exceptions.PolarsError as exc:
        raise _unreadable(label, exc) from exc
    finally:
        if checked.spool is not None:
            checked.spool.unlink(missing_ok=True)


def _optimistic(path: Path, label: str, chunk_rows: int) -> Iterator[pl.DataFrame]:
    """The rows parsed once, in pieces of lines, with the types inferred from the
    first rows, each piece yielded as soon as it parses: no checking pass, no spool.

    For a caller whose work can be thrown away (a profile): when a piece does not
    parse (a word in a column of numbers, bytes that are not UTF-8, a ragged row),
    this raises ``ReadAgainError`` and the caller reads the file again without
    ``optimistic``, which fixes the types first. A newline may be inside a quoted
    value, so a file with a quote character in its first 4 MiB is read the checked
    way at once (``csv_frames``), and one further down stops this reading.
    Measured on the 8,000,000-row standard table: ~4 s CPU less than the checking
    pass, the spool and its read-back (12.3 s).
    """
    separator = _sniff_separator(path, label)
    check_unique_names(_header_names(path, separator), label)
    try:
        schema = _inferred_schema(path, separator, {}, "utf8")
        for name in _false_dates(path, separator, "utf8", schema):
            schema[name] = pl.String
    except pl.exceptions.PolarsError:  # the checked reading says what is wrong
        yield from _checked_frames(path, label, chunk_rows)
        return
    yield pl.DataFrame(schema=schema)
    pieces = LinePieces(path, chunk_rows, header=True, stop=b'"')
    parse = _piece_parser(separator, schema, "utf8", dates_after=True)
    refused = f"'{label}' does not parse with the types of its first rows"
    yield from parsed_or_read_again(iter(pieces), parse, refused)
    if pieces.stopped:  # a quote past the head: read it all the checked way
        raise ReadAgainError(f"'{label}' holds a quote character past its head")


def _has_quote(path: Path) -> bool:
    """Whether the first block of the file holds a quote character."""
    with open_bytes(path) as handle:
        return b'"' in handle.read(_QUOTE_PROBE_BYTES)


_QUOTE_PROBE_BYTES = 1 << 22


@dataclass(frozen=True)
class _Checked:
    """How to parse a file whose every row was parsed once with these types."""

    scan: pl.LazyFrame
    separator: str
    schema: pl.Schema
    encoding: str
    spool: Path | None
    """The rows of the checking pass, when they were kept (``_spool``)."""
    dates_after: bool
    """Whether dates (if any) are read as text and parsed after (``_dates``)."""


def _csv_rows(path: Path, checked: _Checked, chunk_rows: int) -> Iterator[pl.DataFrame]:
    """The rows in pieces of whole lines, parsed ahead (see ``_lines``).

    Up to the first quote character a newline always ends a row; from the row
    reached there on, polars' streaming reader reads the rest (it knows quotes).
    """
    pieces = LinePieces(path, chunk_rows, header=True, stop=b'"')
    parse = _piece_parser(
        checked.separator, checked.schema, checked.encoding, checked.dates_after
    )
    rows = 0
    for frame in parsed_ahead(iter(pieces), parse):
        rows += frame.height
        yield frame
    if pieces.stopped:
        yield from checked.scan.slice(rows).collect_batches(chunk_size=chunk_rows)


def _piece_parser(
    separator: str, schema: pl.Schema, encoding: str, dates_after: bool
) -> Callable[[bytes], pl.DataFrame]:
    """How to parse a piece of lines (``_lines``) with ``schema``: each piece starts
    with the header line, so it reads exactly as the whole file; dates (with
    ``dates_after``) are read as text and parsed after (``_dates``)."""
    read, dated = _text_schema(schema, dates_after)
    polars_encoding = _polars_encoding(encoding)

    def parse(piece: bytes) -> pl.DataFrame:
        frame = pl.read_csv(
            piece, separator=separator, schema=read, encoding=polars_encoding
        )
        return parsed_dates(frame, dated)

    return parse


def _checked_scan(path: Path, label: str) -> _Checked:
    """Fix every column's type so that every row parses: bad columns become
    String, bad UTF-8 lossy. The pass that parses every row keeps them in a
    temporary file when there is room for it (``_spool``).

    Each failed pass fixes the encoding, or every column with values that do not
    parse as the type polars inferred, so this ends after a few passes.
    """
    separator = _sniff_separator(path, label)
    check_unique_names(_header_names(path, separator), label)
    made: list[Path] = []  # the temporary file, once made
    try:
        return _checking_passes(path, label, separator, made)
    except BaseException:
        for spool in made:
            spool.unlink(missing_ok=True)
        raise


def _checking_passes(
    path: Path, label: str, separator: str, made: list[Path]
) -> _Checked:
    overrides: dict[str, type[pl.String]] = {}  # columns read as text
    encoding = "utf8"
    spooling = True  # until writing the temporary file fails (a full disk, say)
    dates_after = True  # until a pass parsing them after reading them fails
    while True:
        schema: pl.Schema | None = None
        try:
            schema = _inferred_schema(path, separator, overrides, encoding)
            for name in _false_dates(path, separator, encoding, schema):
                schema[name] = pl.String
            scan = _typed_scan(
                path, separator, schema, encoding, dates_after=dates_after
            )
            if spooling and not made:
                spool = spool_path(path, _arrow_ratio(path, scan))
                if spool is not None:
                    made.append(spool)
            if made and not _spooled(scan, made):
                spooling = False
            if not made:
                scan.select(pl.all().null_count()).collect(engine="streaming")
        except pl.exceptions.NoDataError as exc:
            raise SourceError(
                f"File '{label}' has no header row. "
                "Add a first line naming the columns, or pass another file."
            ) from exc
        except pl.exceptions.PolarsError as exc:
            if dates_after and schema is not None and _dated_columns(schema):
                # Whatever failed, the reader's own parse of the dates decides.
                dates_after = False
                continue
            if not isinstance(exc, pl.exceptions.ComputeError):
                raise _unreadable(label, exc) from exc
            if encoding == "utf8" and not _is_utf8(path):
                encoding = "utf8-lossy"
                _warn_lossy(label)
                continue
            unparsable = (
                {}
                if schema is None
                else _unparsable_columns(path, separator, schema, encoding)
            )
            if not unparsable:
                raise _unreadable(label, exc) from exc
            for column, reason in unparsable.items():
                logger.info(
                    "Reading column %r of %s as text: %s", column, label, reason
                )
            overrides.update(dict.fromkeys(unparsable, pl.String))
            continue
        return _Checked(
            scan,
            separator,
            schema,
            encoding,
            made[0] if made else None,
            dates_after,
        )


def _spooled(scan: pl.LazyFrame, made: list[Path]) -> bool:
    """Parse every row into the temporary file ``made[0]``; False (and no file)
    when writing fails (a full disk, say): then the caller parses without it, which
    costs only the second parse the file would have saved. A value that does not
    parse raises polars' error (no file is left), as the check without a file does;
    the next pass, with that column fixed, writes the file again."""
    try:
        write_spool(scan, made[0])
    except OSError:
        made.pop().unlink(missing_ok=True)
        return False
    except pl.exceptions.PolarsError:
        made.pop().unlink(missing_ok=True)
        raise
    return True


_RATIO_SAMPLE_BYTES = 1 << 20
_RATIO_UNKNOWN = 16.0
"""Arrow bytes per text byte when the head cannot tell (a 16-byte string view per
one-byte field is the worst case)."""


def _arrow_ratio(path: Path, scan: pl.LazyFrame) -> float:
    """About how many bytes the parsed rows take in Arrow per byte of text,
    from the first lines (a guess for sizing the spool; never an error)."""
    with open_bytes(path) as handle:
        head = handle.read(_RATIO_SAMPLE_BYTES)
    lines = head.count(b"\n") - 1  # after the header
    if lines < 1:
        return _RATIO_UNKNOWN
    try:
        rows = scan.head(lines).collect()
    except pl.exceptions.PolarsError:
        return _RATIO_UNKNOWN
    return rows.estimated_size() / max(len(head) - len(head.split(b"\n", 1)[0]), 1)


def _unparsable_columns(
    path: Path, separator: str, schema: pl.Schema, encoding: str
) -> dict[str, str]:
    """Columns with values that do not parse as their type in ``schema``, with why.

    One streaming pass reads the file twice side by side: with the types, values
    that do not parse becoming null (``ignore_errors``), and all as text. A column
    has more nulls typed than missing (null or empty) text values exactly when some
    of its values do not parse. Empty when the failure is not about values (a ragged
    row, say): the caller then reports polars' error.
    """
    typed = _typed_scan(path, separator, schema, encoding, ignore_errors=True)
    text = _scan(path, separator, {}, encoding, infer_schema=False)
    try:
        nulls, missing = pl.collect_all(
            [
                typed.select(pl.all().null_count()),
                text.select((pl.all().is_null() | (pl.all() == "")).sum()),
            ],
            engine="streaming",
        )
    except pl.exceptions.PolarsError:
        return {}
    unparsable: dict[str, str] = {}
    for (name, dtype), typed_nulls, text_missing in zip(
        schema.items(), nulls.row(0), missing.row(0), strict=True
    ):
        if dtype != pl.String and typed_nulls > text_missing:
            count = typed_nulls - text_missing
            values = "1 value does not" if count == 1 else f"{count:,} values do not"
            unparsable[name] = f"{values} parse as {dtype}"
    return unparsable


def _is_utf8(path: Path) -> bool:
    """Whether the whole file decodes as UTF-8 (read a megabyte at a time)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open_bytes(path) as handle:
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _false_dates(
    path: Path, separator: str, encoding: str, schema: pl.Schema
) -> list[str]:
    """Columns polars inferred as dates that do not look like dates (e.g. '4.1.0')."""
    dated = [n for n, d in schema.items() if d == pl.Date or isinstance(d, pl.Datetime)]
    if not dated:
        return []
    as_text = pl.Schema({n: pl.String if n in dated else d for n, d in schema.items()})
    raw = (
        _typed_scan(path, separator, as_text, encoding)
        .select(dated)
        .head(INFER_SCHEMA_ROWS)
        .collect()
    )
    return [
        name
        for name in dated
        if not raw.get_column(name).drop_nulls().str.contains(_ISO_DATE).all()
    ]


def _inferred_schema(
    path: Path, separator: str, overrides: dict[str, type[pl.String]], encoding: str
) -> pl.Schema:
    """The types polars infers from the first rows with ``try_parse_dates``, found
    without trying dates on every text value (polars takes ~7 us a value for that:
    0.4 s for 10,000 rows of 5 text columns, whatever the file's size).

    polars tries a date only on a value that is not a number or boolean, and values
    of two kinds make their column text. So the columns it infers without dates as
    numbers or booleans are the same with dates, and so is a text column whose first
    value is not a date or time. Dates are tried on the other columns only, in a copy
    of the head holding just them. Cutting the head into fields needs a head without
    quotes, blank or ragged lines (then a newline ends a row and a separator a
    field); otherwise polars infers from the file with dates everywhere.
    """
    plain = pl.Schema(
        _scan(
            path, separator, overrides, encoding, try_parse_dates=False
        ).collect_schema()
    )
    text = [
        index
        for index, (name, dtype) in enumerate(plain.items())
        if dtype == pl.String and name not in overrides
    ]
    if not text:
        return plain
    rows = _head_fields(path, separator, len(plain))
    if rows is None:
        return pl.Schema(_scan(path, separator, overrides, encoding).collect_schema())
    firsts = [next((row[i] for row in rows if row[i]), b"") for i in text]
    maybe = _dated(separator, encoding, [firsts])
    text = [i for i, dtype in zip(text, maybe, strict=True) if dtype.is_temporal()]
    if not text:
        return plain
    names = list(plain)
    found = _dated(separator, encoding, [[row[i] for i in text] for row in rows])
    for index, dtype in zip(text, found, strict=True):
        plain[names[index]] = dtype
    return plain


def _head_fields(path: Path, separator: str, width: int) -> list[list[bytes]] | None:
    """The fields of the first rows, or None when the head has a quote, a blank line
    or a line of other than ``width`` fields."""
    with open_bytes(path) as handle:
        data = b""
        while data.count(b"\n") <= INFER_SCHEMA_ROWS and (
            block := handle.read(1 << 20)
        ):
            data += block
        at_end = not handle.read(1)
    lines = data.split(b"\n")[1 : INFER_SCHEMA_ROWS + 1]
    if lines and not lines[-1] and at_end:
        lines.pop()  # the newline ending the file
    if b'"' in data or any(not line.removesuffix(b"\r") for line in lines):
        return None
    rows = [line.removesuffix(b"\r").split(separator.encode()) for line in lines]
    if any(len(fields) != width for fields in rows):
        return None
    return rows


def _dated(separator: str, encoding: str, rows: list[list[bytes]]) -> list[pl.DataType]:
    """The types polars infers, trying dates, for columns holding these rows."""
    sep = separator.encode()
    header = sep.join(b"c%d" % index for index in range(len(rows[0])))
    text = b"\n".join([header, *(sep.join(row) for row in rows), b""])
    schema = pl.scan_csv(
        text,
        separator=separator,
        infer_schema_length=INFER_SCHEMA_ROWS,
        try_parse_dates=True,
        encoding=_polars_encoding(encoding),
    ).collect_schema()
    return list(schema.values())


def _scan(
    path: Path,
    separator: str,
    overrides: dict[str, type[pl.String]],
    encoding: str,
    *,
    ignore_errors: bool = False,
    infer_schema: bool = True,
    try_parse_dates: bool = True,
) -> pl.LazyFrame:
    return pl.scan_csv(
        path,
        separator=separator,
        infer_schema=infer_schema,
        infer_schema_length=INFER_SCHEMA_ROWS,
        try_parse_dates=try_parse_dates,
        schema_overrides=dict(overrides) or None,
        ignore_errors=ignore_errors,
        encoding=_polars_encoding(encoding),
        glob=False,
    )


def _polars_encoding(encoding: str) -> Literal["utf8", "utf8-lossy"]:
    """The reader's encoding ("utf8", or "utf8-lossy" once bad bytes were found) as
    polars' readers take it."""
    return "utf8-lossy" if encoding == "utf8-lossy" else "utf8"


def _typed_scan(
    path: Path,
    separator: str,
    schema: pl.Schema,
    encoding: str,
    *,
    ignore_errors: bool = False,
    dates_after: bool = False,
) -> pl.LazyFrame:
    """A scan with every column's type given: nothing is inferred again.

    With ``dates_after``, date and timestamp columns are read as text and parsed
    after (``_dates``): the same values, and errors, at twice the speed.
    """
    read, after = _text_dates(schema, dates_after)
    scan = pl.scan_csv(
        path,
        separator=separator,
        schema=read,
        ignore_errors=ignore_errors,
        encoding=_polars_encoding(encoding),
        glob=False,
    )
    return scan.with_columns(after) if after else scan


def _text_dates(
    schema: pl.Schema, dates_after: bool
) -> tuple[pl.Schema, list[pl.Expr]]:
    """The schema to read with, and what parses its dates after (``_dates``):
    with ``dates_after``, date and timestamp columns are read as text."""
    read, dated = _text_schema(schema, dates_after)
    return read, polars_dates(dated)


def _text_schema(
    schema: pl.Schema, dates_after: bool
) -> tuple[pl.Schema, dict[str, pl.DataType]]:
    """The schema to read with, and the columns read as text to parse after (with
    ``dates_after``: the dates and timestamps)."""
    dated = _dated_columns(schema) if dates_after else {}
    if not dated:
        return schema, {}
    return pl.Schema(
        {n: pl.String if n in dated else d for n, d in schema.items()}
    ), dated


def _dated_columns(schema: pl.Schema) -> dict[str, pl.DataType]:
    """The date and timestamp columns of ``schema``, with their types."""
    return {
        name: dtype
        for name, dtype in schema.items()
        if dtype == pl.Date or isinstance(dtype, pl.Datetime)
    }


def _sniff_separator(path: Path, label: str) -> str:
    """Pick the separator from the header line; the extension decides ties."""
    default = "\t" if ".tsv" in [suffix.lower() for suffix in path.suffixes] else ","
    try:
        header = _header_line(path)
    except (OSError, EOFError) as exc:
        raise _unreadable(label, exc) from exc
    if header.count(default.encode()):
        return default
    counts = {sep: header.count(sep.encode()) for sep in _SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else default


def _header_line(path: Path) -> bytes:
    with open_bytes(path) as handle:
        return handle.read(1 << 16).split(b"\n", 1)[0]


def _header_names(path: Path, separator: str) -> list[str]:
    """The column names of the header line, as polars reads them (quotes removed)."""
    text = _header_line(path).decode("utf-8", errors="replace").removeprefix("\ufeff")
    text = text.rstrip("\r")
    try:
        row = next(csv.reader([text], delimiter=separator), [])
    except csv.Error:  # a bare carriage return inside the line, say
        row = text.split(separator)
    return [name for name in row if name]


def _warn_lossy(label: str) -> None:
    warnings.warn(
        f"File '{label}' is not valid UTF-8; bytes that could not be decoded were "
        "replaced with U+FFFD. Re-encode it as UTF-8 (e.g. iconv -f latin1 -t utf-8) "
        "to keep the original characters.",
        PipewardenWarning,
        stacklevel=2,
    )


def _unreadable(label: str, exc: BaseException) -> SourceError:
    return SourceError(
        f"Cannot read CSV file '{label}': {first_line(exc)}. "
        "Fix the malformed rows, or export the file again."
    )
