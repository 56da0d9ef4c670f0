"""Keep the rows of one parse of a text file in a temporary Arrow IPC file.

A CSV's types are only known to hold once every row has parsed with them, and no
row may reach the caller before that. Parsing the file twice (once to check, once
to read) costs as much again as the check; writing the checked rows to an
uncompressed Arrow file as they parse, then reading them back a record batch at
a time, costs about a tenth of a parse. Memory stays flat: polars writes as it
streams, and the file is read one batch at a time, not mapped.

The spool goes to the temporary directory (``TMPDIR``), never to one held in
memory (tmpfs), and only when it has room for several times the estimated size;
otherwise the caller parses twice.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pyarrow as pa

from pipewarden.io._sniff import compression_of

_IN_MEMORY_FILESYSTEMS = frozenset({"tmpfs", "ramfs"})
_HEADROOM = 3
"""Room wanted in the temporary directory, as a multiple of the estimated spool."""
_SPARE_BYTES = 1 << 30
_COMPRESSED_RATIO = 10
"""How much larger than a compressed file its text is taken to be."""


def spool_path(path: Path, arrow_per_text_byte: float) -> Path | None:
    """A fresh temporary file name for the rows of ``path``, or None when there is
    no room on disk (``arrow_per_text_byte``: Arrow bytes per byte of text)."""
    folder = Path(tempfile.gettempdir())
    if _filesystem_type(folder) in _IN_MEMORY_FILESYSTEMS:
        return None
    text_bytes = path.stat().st_size
    if compression_of(path) is not None:
        text_bytes *= _COMPRESSED_RATIO
    wanted = _HEADROOM * text_bytes * max(arrow_per_text_byte, 1.0) + _SPARE_BYTES
    try:
        if shutil.disk_usage(folder).free < wanted:
            return None
        handle, name = tempfile.mkstemp(prefix="pipewarden-", suffix=".arrow")
    except OSError:
        return None
    os.close(handle)
    return Path(name)


def write_spool(scan: pl.LazyFrame, spool: Path) -> None:
    """Parse every row of ``scan`` into ``spool`` (raises polars' parse errors).

    In polars' own record batches (~80,000 rows here): batches of the caller's
    chunk size were measured slower and larger (4x CSV: 4.1-4.4 vs 3.9-4.1 s CPU,
    579-602 vs 498-515 MiB peak), polars holding a whole batch while it writes.
    """
    scan.sink_ipc(spool, compression="uncompressed")


def spooled_frames(spool: Path) -> Iterator[pl.DataFrame]:
    """The spooled rows, one record batch at a time."""
    with pa.OSFile(str(spool), "rb") as source:
        reader = pa.ipc.open_file(source)
        for index in range(reader.num_record_batches):
            frame = pl.from_arrow(reader.get_batch(index))
            assert isinstance(frame, pl.DataFrame)  # a batch gives a frame
            yield frame


def _filesystem_type(folder: Path) -> str:
    """The type of the filesystem holding ``folder`` ('' when unknown)."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return ""
    target = os.path.realpath(folder)
    best, kind = "", ""
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind
