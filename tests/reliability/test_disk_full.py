"""Disk full on the conform output and the quarantine (a 1 MiB tmpfs): a one-line
error, the input untouched, no partial file left."""

from __future__ import annotations

from pathlib import Path

import _faults as faults
import pytest


def test_conform_on_a_full_disk(tmp_path: Path) -> None:
    reason = faults.tmpfs_possible(tmp_path)
    if reason is not None:
        pytest.skip(f"{reason}: mounting a small filesystem needs root")
    cases = faults.disk_full(tmp_path, rows=100_000)
    assert len(cases) == 3
    for case in cases:
        assert case["exit"] == 2, case
        assert case["one_line"] and not case["traceback"], case
        assert (
            "No space left on device" in case["message"] or "full" in case["message"]
        ), case
        assert case["message"].startswith("error:"), case
        assert case["input_untouched"], case
        assert case["files_left_on_small_disk"] == [], case
        assert not case["output_exists"] and not case["quarantine_exists"], case
