"""The batches fixture of the scheduler integration tests (see integration_data)."""

from __future__ import annotations

from pathlib import Path

import pytest
from integration_data import Batches, make_batches


@pytest.fixture
def batches(tmp_path: Path) -> Batches:
    return make_batches(tmp_path)
