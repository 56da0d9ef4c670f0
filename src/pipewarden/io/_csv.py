"""Read delimited text files in chunks, with one schema for the whole file.

polars infers column types from the first rows only, so a value further down can
fail to parse (a word in a column of numbers). Before yielding anything we stream
the whole file once, cheaply, to find such columns and read them as strings.
"""

from __future__ import annotations

import gzip
import logging
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from pipewarden.errors import PipewardenWarning, SourceError
from pipewarden.io._reasons import first_line

logger = logging.getLogger(__name__)

INFER_SCHEMA_ROWS = 10_000
_SEPARATORS = (",", "\t", ";", "|")
_ISO_DATE = r"^\s*\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?\s*$"
"""What a date or timestamp in a CSV looks like; anything else stays text."""
_UNPARSABLE = re.compile(r"at column '.*' \(column number (?P<number>\d+)\)")


def csv_frames(path: Path, label: str, chunk_rows: int) -> Iterator[pl.DataFrame]:
    """Yield an empty frame carrying the schema, then the rows in chunks.

    Raises:
        SourceError: The file has no header or is malformed (e.g. ragged rows).
    """
    scan = _checked_scan(path, label)
    yield pl.DataFrame(schema=scan.collect_schema())
    try:
        yield from scan.collect_batches(chunk_size=chunk_rows)
    except pl.exceptions.PolarsError as exc:
        raise _unreadable(label, exc) from exc


def _checked_scan(path: Path, label: str) -> pl.LazyFrame:
    """Return a scan that parses every row: bad columns become String, bad UTF-8 lossy.

    Each failed pass fixes one column (or the encoding), so this ends after at most
    one pass per column plus one.
    """
    separator = _sniff_separator(path, label)
    overrides: dict[str, type[pl.String]] = {}  # columns read as text
    encoding = "utf8"
    while True:
        scan = _scan(path, separator, overrides, encoding)
        names: list[str] = []
        try:
            names = scan.collect_schema().names()
            scan.select(pl.all().null_count()).collect(engine="streaming")
        except pl.exceptions.NoDataError as exc:
            raise SourceError(
                f"File '{label}' has no header row. "
                "Add a first line naming the columns, or pass another file."
            ) from exc
        except pl.exceptions.ComputeError as exc:
            if encoding == "utf8" and "invalid utf-8" in str(exc):
                encoding = "utf8-lossy"
                _warn_lossy(label)
                continue
            column = _unparsable_column(exc, names)
            if column is None or column in overrides:
                raise _unreadable(label, exc) from exc
            logger.info("Reading column %r of %s as text: %s", column, label, exc)
            overrides[column] = pl.String
            continue
        except pl.exceptions.PolarsError as exc:
            raise _unreadable(label, exc) from exc
        not_dates = _false_dates(path, separator, encoding, scan)
        if not not_dates:
            return scan
        overrides.update(dict.fromkeys(not_dates, pl.String))


def _false_dates(
    path: Path, separator: str, encoding: str, scan: pl.LazyFrame
) -> list[str]:
    """Columns polars parsed as dates that do not look like dates (e.g. '4.1.0')."""
    schema = scan.collect_schema()
    dated = [n for n, d in schema.items() if d == pl.Date or isinstance(d, pl.Datetime)]
    if not dated:
        return []
    raw = (
        _scan(path, separator, dict.fromkeys(dated, pl.String), encoding)
        .select(dated)
        .head(INFER_SCHEMA_ROWS)
        .collect()
    )
    return [
        name
        for name in dated
        if not raw.get_column(name).drop_nulls().str.contains(_ISO_DATE).all()
    ]


def _scan(
    path: Path,
    separator: str,
    overrides: dict[str, type[pl.String]],
    encoding: str,
) -> pl.LazyFrame:
    return pl.scan_csv(
        path,
        separator=separator,
        infer_schema_length=INFER_SCHEMA_ROWS,
        try_parse_dates=True,
        schema_overrides=dict(overrides) or None,
        encoding="utf8-lossy" if encoding == "utf8-lossy" else "utf8",
        glob=False,
    )


def _unparsable_column(exc: Exception, names: list[str]) -> str | None:
    """Name the column polars could not parse, from its message, if it says."""
    match = _UNPARSABLE.search(str(exc))
    if match is None:
        return None
    index = int(match["number"]) - 1
    return names[index] if 0 <= index < len(names) else None


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
    if path.suffix.lower() == ".gz":
        with gzip.open(path, "rb") as compressed:
            return compressed.readline(1 << 16)
    with path.open("rb") as handle:
        return handle.readline(1 << 16)


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
