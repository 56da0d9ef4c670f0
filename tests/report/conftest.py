"""Profiles and results for the HTML report tests: small, seeded, with hostile names."""

from __future__ import annotations

import pytest
from report_data import EVIL_COLUMN, EVIL_VALUE, ROWS, make_frame

import pipewarden as pw
from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.profiles.dataset import DatasetProfile


@pytest.fixture(scope="session")
def reference() -> DatasetProfile:
    return pw.profile(make_frame(1))


@pytest.fixture(scope="session")
def current() -> DatasetProfile:
    return pw.profile(make_frame(2, shift=5.0, null_share=0.2))


@pytest.fixture(scope="session")
def result() -> CheckResult:
    findings = (
        Finding(
            "nulls.rate",
            "amount",
            Severity.ERROR,
            "Column 'amount' is 20% null; the contract tolerates 5.0%.",
            value=0.2,
            threshold=0.05,
        ),
        Finding(
            "category.unseen",
            "city",
            Severity.WARNING,
            f"Column 'city' has 1 value(s) not in the contract ({EVIL_VALUE!r}).",
            value={"values": [EVIL_VALUE], "share": 0.1},
            threshold=0.01,
        ),
        Finding(
            "range.out_of_bounds",
            EVIL_COLUMN,
            Severity.WARNING,
            f"Column '{EVIL_COLUMN}' has values <b>outside</b> [0, 50] & more.",
            value={"min": 0.1, "max": 80.0},
            threshold={"min": 0, "max": 50},
        ),
        Finding(
            "volume.row_count",
            None,
            Severity.INFO,
            "The batch has 3,000 rows, as expected.",
            value=3000,
            threshold={"min": 1000, "max": None},
        ),
    )
    return CheckResult(
        rows=ROWS,
        findings=findings,
        dataset="batch <2024>.parquet",
        contract="orders & co.yaml",
    )
