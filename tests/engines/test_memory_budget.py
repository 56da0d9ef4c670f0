"""A profile of data four times larger than its memory budget peaks under the budget.

The peak is the child process's own (VmHWM in /proc): the profile runs in a fresh
interpreter, so what the test process holds does not count.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

BUDGET = 512 << 20
COLUMNS = 128
"""Float columns: rows of 1 KB in memory, so the default chunk (262,144 rows,
256 MB, held several times over at the peak) would not fit the budget."""
ROW_GROUP = 1 << 15


def write_large(path: Path, in_memory: int) -> tuple[int, int]:
    """A Parquet file holding ``in_memory`` bytes once read (a fifth of that on
    disk: each column holds about 80 distinct values), written a row group at a
    time; (rows, bytes in memory)."""
    rng = np.random.default_rng(5)
    names = [f"x{i}" for i in range(COLUMNS)]
    schema = pa.schema([(name, pa.float64()) for name in names])
    rows = held = 0
    with pq.ParquetWriter(path, schema) as writer:
        while held < in_memory:
            block = np.round(rng.normal(0.0, 1.0, (COLUMNS, ROW_GROUP)), 1)
            batch = pa.table(dict(zip(names, block, strict=True)), schema=schema)
            writer.write_table(batch, row_group_size=ROW_GROUP)
            rows += batch.num_rows
            held += batch.nbytes
    return rows, held


CHILD = """
import json, sys
from pathlib import Path
import pipewarden as pw
prof = pw.profile(sys.argv[1], memory_budget=int(sys.argv[2]))
peak = next(int(line.split()[1]) * 1024 for line in
            Path("/proc/self/status").read_text().splitlines()
            if line.startswith("VmHWM:"))
print(json.dumps({"rows": prof.rows, "peak": peak,
                  "distinct": prof["x0"].distinct_count}))
"""


@pytest.mark.slow
def test_peak_memory_stays_under_the_budget_on_four_times_as_much_data(
    tmp_path: Path,
) -> None:
    path = tmp_path / "large.parquet"
    rows, held = write_large(path, 4 * BUDGET)
    assert held >= 4 * BUDGET
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(BUDGET)],
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(done.stdout)
    assert got["rows"] == rows
    assert got["distinct"] == len(np.unique(pq.read_table(path, columns=["x0"])[0]))
    assert got["peak"] < BUDGET, f"peak {got['peak'] >> 20} MiB of {BUDGET >> 20}"
