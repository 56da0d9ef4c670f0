"""A store at a newer schema than this pipewarden: a clear refusal from the Python
API, the CLI (including ``store upgrade``) and the server; never a silent downgrade."""

from __future__ import annotations

from pathlib import Path

import _faults as faults
import pytest
import sqlalchemy as sa

from pipewarden.errors import StoreError
from pipewarden.store import open_store
from pipewarden.store.database import schema_revision, upgrade_store

NEWER = "20991231_9999"


def make_newer(url: str) -> None:
    open_store(url).close()
    database = sa.create_engine(url)
    with database.begin() as conn:
        conn.execute(
            sa.text("UPDATE pipewarden_version SET version_num = :v"), {"v": NEWER}
        )
    database.dispose()


def test_newer_store_is_refused_everywhere(store_url: str, tmp_path: Path) -> None:
    make_newer(store_url)
    for action in (lambda: open_store(store_url), lambda: upgrade_store(store_url)):
        with pytest.raises(StoreError, match=f"revision {NEWER}.*newer pipewarden"):
            action()
    for args in (["runs", "list"], ["store", "upgrade"], ["alerts", "list"]):
        done = faults.cli([*args, "--store", store_url], tmp_path)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        assert NEWER in done.stderr and "Upgrade pipewarden" in done.stderr
        assert lines[0].startswith("error:")
    served = faults.cli(
        ["serve", "--store", store_url], tmp_path, PIPEWARDEN_TOKEN=faults.TOKEN
    )
    assert served.returncode == 2 and NEWER in served.stderr
    assert "Traceback" not in served.stderr
    assert schema_revision(store_url) == NEWER  # nothing downgraded it
