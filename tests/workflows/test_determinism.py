"""The same data profiled twice gives the same profile, in any process (issue #11).

Each side is profiled, compared and checked in a fresh interpreter with its own hash
seed: the profile JSON, the drift findings and the check findings must be the same
bytes, so a re-run of yesterday's check gives yesterday's findings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import pipewarden as pw

ROWS = 60_000
CHUNK_ROWS = 15_000
"""Four chunks per file, so the sketches are merged as well as built."""

_SCRIPT = """
import hashlib, json, sys
from pathlib import Path
import pipewarden as pw

d = Path(sys.argv[1])
chunk = int(sys.argv[2])
ref = pw.profile(str(d / "ref.parquet"), chunk_rows=chunk)
cur = pw.profile(str(d / "cur.parquet"), chunk_rows=chunk)
report = pw.compare(ref, cur)
result = pw.check(cur, str(d / "contract.yaml"), reference=ref, record=False,
                  now=__import__("datetime").datetime(2024, 6, 1))
out = {
    "reference": ref.to_json(),
    "current": cur.to_json(),
    "drift": [f.to_dict() for f in report.findings],
    "check": [f.to_dict() for f in result.findings],
}
print(json.dumps(out, sort_keys=True))
"""


def _table(seed: int, shift: float) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    start = datetime(2024, 1, 1)
    seconds = np.cumsum(rng.exponential(30.0, ROWS))
    return pl.DataFrame(
        {
            "amount": rng.lognormal(3.0 + shift, 2.0, ROWS),
            "score": rng.normal(shift, 1.0, ROWS),
            "rating": rng.integers(0, 40, ROWS) / 7.0,
            "quantity": rng.poisson(3, ROWS),
            "colour": rng.choice(["red", "green", "blue"], ROWS),
            "seen": [start + timedelta(seconds=float(s)) for s in seconds],
        }
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("determinism")
    _table(1, 0.0).write_parquet(d / "ref.parquet", row_group_size=CHUNK_ROWS)
    _table(2, 0.05).write_parquet(d / "cur.parquet", row_group_size=CHUNK_ROWS)
    contract = pw.infer_contract(pw.profile(str(d / "ref.parquet")), time="seen")
    pw.dump_contract(contract, d / "contract.yaml")
    return d


def _run(data_dir: Path, hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(data_dir), str(CHUNK_ROWS)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return done.stdout


def test_two_processes_give_the_same_profiles_and_findings(data_dir: Path) -> None:
    first, second = _run(data_dir, "1"), _run(data_dir, "2")

    assert first == second
    # The runs did sketch: a column held as a KLL sketch, not exactly.
    ref = pw.DatasetProfile.from_json(json.loads(first)["reference"])
    assert not ref.columns["amount"].quantiles.is_exact
    assert not ref.columns["seen"].intervals.is_exact


def test_profiling_twice_in_one_process_gives_the_same_bytes(data_dir: Path) -> None:
    path = str(data_dir / "ref.parquet")

    assert (
        pw.profile(path, chunk_rows=CHUNK_ROWS).to_json()
        == pw.profile(path, chunk_rows=CHUNK_ROWS).to_json()
    )
