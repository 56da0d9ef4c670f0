"""Write a file chunk by chunk (Parquet row groups, Arrow IPC batches, CSV and JSON
Lines appended), renamed into place only when whole.

>>> with FrameSink("out.parquet") as sink:  # doctest: +SKIP
...     for frame in frames:
...         sink.write(frame)
...     sink.commit()
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from pipewarden.errors import ConfigError
from pipewarden.io._reasons import first_line
from pipewarden.io.formats import Format, write_format_of

__all__ = ["FrameSink"]


class FrameSink:
    """One output file written a chunk at a time, in the format its name asks for.

    Every chunk must have the first one's columns; dtypes are cast to the first's.
    Nothing appears at ``path`` until ``commit``; leaving the ``with`` block without
    it (an error, an interrupt) removes what was written.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.format: Format = write_format_of(path)
        target = Path(path)
        self.target = target.resolve() if target.is_symlink() else target
        self.temporary = self.target.with_name(
            f".{self.target.name}.{secrets.token_hex(4)}.tmp"
        )
        self.rows = 0
        self.chunks = 0
        self._schema: pl.Schema | None = None
        self._writer: Any = None
        self._arrow_schema: pa.Schema | None = None
        self._handle: IO[bytes] | None = None

    def __enter__(self) -> FrameSink:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._close()
        self.temporary.unlink(missing_ok=True)

    def write(self, frame: pl.DataFrame) -> None:
        """Append a chunk (the first one fixes the columns and dtypes)."""
        try:
            self._write(frame)
        except OSError as exc:
            raise ConfigError(
                f"Cannot write '{self.target}': {exc.strerror or exc}. Choose a "
                "writable path."
            ) from exc
        except (pl.exceptions.PolarsError, pa.ArrowException) as exc:
            raise ConfigError(
                f"Cannot write '{self.target}' as {self.format}: {first_line(exc)}. "
                "Write Parquet instead."
            ) from exc

    def commit(self, empty: pl.Schema | None = None) -> Path:
        """Rename the file into place; with no chunk written, write ``empty``'s
        columns and no rows first (a sink with neither is an error)."""
        if self._schema is None:
            if empty is None:
                raise ValueError("nothing was written")  # a caller's mistake
            self.write(pl.DataFrame(schema=empty))
        self._close()
        if self.target.is_file():
            shutil.copymode(self.target, self.temporary)
        os.replace(self.temporary, self.target)
        return self.target

    def _write(self, frame: pl.DataFrame) -> None:
        if self._schema is None:
            self._schema = frame.schema
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self._open(frame)
        elif frame.schema != self._schema:
            frame = frame.select(self._schema.names()).cast(self._schema)
        self.rows += frame.height
        self.chunks += 1
        if self.format in ("parquet", "ipc"):
            table = frame.to_arrow()
            if table.schema != self._arrow_schema:
                table = table.cast(self._arrow_schema)
            self._writer.write_table(table)
        elif self.format == "csv":
            assert self._handle is not None
            frame.write_csv(self._handle, include_header=self.chunks == 1)
        else:
            assert self._handle is not None
            frame.write_ndjson(self._handle)

    def _open(self, frame: pl.DataFrame) -> None:
        self._arrow_schema = frame.to_arrow().schema
        if self.format == "parquet":
            self._writer = pq.ParquetWriter(self.temporary, self._arrow_schema)
        elif self.format == "ipc":
            self._writer = pa.ipc.new_file(str(self.temporary), self._arrow_schema)
        else:
            self._handle = self.temporary.open("wb")

    def _close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._handle is not None:
            self._handle.close()
            self._handle = None
