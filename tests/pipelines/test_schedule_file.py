"""Schedules declared in YAML: read in file order and kept by ``pipelines apply``;
each mistake is one line naming the file, line and key."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipewarden.errors import ConfigError
from pipewarden.pipelines.schedule_file import load_schedules
from pipewarden.store import Store
from pipewarden.workflows.checklist import apply_schedules, checklist

GOOD = """\
kind: pipewarden/pipelines
pipelines:
  churn-daily:
    schedule: "0 6 * * *"
    timezone: Europe/Amsterdam
    grace: 1h30m
  billing:
    schedule: "0 2 * * *"
"""


def test_a_file_declares_schedules_that_the_checklist_judges(
    tmp_path: Path, store: Store
) -> None:
    path = tmp_path / "pipelines.yaml"
    path.write_text(GOOD, encoding="utf-8")
    kept = apply_schedules(path, store=store, now=datetime(2026, 3, 1, tzinfo=UTC))
    assert [(r.name, r.schedule, r.timezone, r.grace) for r in kept] == [
        ("churn-daily", "0 6 * * *", "Europe/Amsterdam", timedelta(minutes=90)),
        ("billing", "0 2 * * *", "UTC", timedelta(minutes=30)),
    ]
    assert [p.to_dict() for p in store.list_pipelines()] == sorted(
        (r.to_dict() for r in kept), key=lambda d: d["name"]
    )
    found = checklist(
        date(2026, 3, 30),
        store=store,
        now=datetime(2026, 3, 30, 12, tzinfo=UTC),
        alerts=False,
    )
    expected = {r.slot.pipeline: r.slot.expected_at for r in found.rows}
    assert expected == {
        "churn-daily": datetime(2026, 3, 30, 4, tzinfo=UTC),  # 06:00 CEST
        "billing": datetime(2026, 3, 30, 2, tzinfo=UTC),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "pipelines:\n  a:\n    schedule: '0 6 * *'\n",
            "p.yaml, line 3, key 'pipelines.a.schedule': '0 6 * *' is not a cron "
            "expression.",
        ),
        (
            "pipelines:\n  a:\n    schedule: '0 6 * * *'\n    timezone: Mars/Base\n",
            "p.yaml, line 4, key 'pipelines.a.timezone': 'Mars/Base' is not a time "
            "zone.",
        ),
        (
            "pipelines:\n  a:\n    schedule: '0 6 * * *'\n    grace: soon\n",
            "p.yaml, line 4, key 'pipelines.a.grace': 'soon' is not a duration.",
        ),
        (
            "pipelines:\n  a:\n    schedule: '0 6 * * *'\n    graze: 1h\n",
            "p.yaml, line 4, key 'pipelines.a.graze': unknown key.",
        ),
        (
            "pipelines:\n  a:\n    timezone: UTC\n",
            "p.yaml, line 2, key 'pipelines.a.schedule': required key is missing.",
        ),
        ("pipelines:\n  a: [\n", "p.yaml, line 3: invalid YAML"),
        ("- a\n- b\n", "p.yaml, line 1: a pipelines file is a mapping"),
        (
            "kind: pipewarden/contract\npipelines: {}\n",
            "p.yaml, line 1, key 'kind': 'pipewarden/contract' is not a pipelines file.",
        ),
    ],
)
def test_mistakes_name_the_file_line_and_key(
    tmp_path: Path, text: str, message: str, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("p.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_schedules("p.yaml")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_a_missing_file_says_how_to_write_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="No pipelines file at .* Write one"):
        load_schedules(tmp_path / "none.yaml")
