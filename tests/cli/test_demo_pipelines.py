"""The demo's pipeline chapter, as a new user sees it: its first lines name the
stage, the column and the segment of the broken pipeline; the day's checklist shows
one missed and one late job; and the commands it prints work on the store."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from contextlib import redirect_stdout
from typing import Any

import polars as pl
import pytest

from pipewarden.cli.demo import _pipeline_chapter
from pipewarden.demo import pipeline as demo
from pipewarden.store import open_store

Cli = Callable[..., Any]


@pytest.fixture(scope="module")
def chapter(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, list[str]]:
    """The store URL, the broken run and the chapter's printed lines."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    printed = io.StringIO()
    with open_store(url) as store, redirect_stdout(printed):
        recorded = _pipeline_chapter(store)
    lines = [" ".join(line.split()) for line in printed.getvalue().splitlines()]
    return url, recorded.bad_run, [line for line in lines if line]


def expected_null_share() -> float:
    """The broken features stage's null share of tenure_months, from the data."""
    broken = demo.features(demo.clean(demo.customers(0)), broken=True, seed=0)
    lost = broken.filter(pl.col("tenure_months").is_null())
    assert set(lost.get_column("region").unique()) == {"north", "east"}
    return broken.get_column("tenure_months").null_count() / broken.height


def test_the_chapters_first_line_names_stage_column_and_segment(
    chapter: tuple[str, str, list[str]],
) -> None:
    _, _, lines = chapter
    first = next(i for i, line in enumerate(lines) if line.startswith("Stage "))
    assert first < 8  # right after the story's panel
    share = round(expected_null_share() * 100)
    assert lines[first] == (
        f"Stage 'features' introduced the change: 'tenure_months' became {share}% "
        "null (was 0%), concentrated in region ∈ {east, north} (100% of the new "
        "nulls); code changed between the runs (3f2a9c1 → 9d41be7)."
    )


def test_the_checklist_shows_one_missed_and_one_late_job(
    chapter: tuple[str, str, list[str]],
) -> None:
    _, _, lines = chapter
    assert "Checklist for 2026-11-23: 1 ran, 1 late, 1 missed" in lines
    assert (
        "- Pipeline 'billing-nightly' was expected at 2026-11-23 02:00 CET and did "
        "not start within its grace period (30 minutes). Check its scheduler."
    ) in lines
    assert (
        "- Pipeline 'exports-daily' started 100 minutes after its expected time "
        "2026-11-23 04:30 CET (grace 30 minutes)."
    ) in lines
    assert any(
        line.startswith("Alert ")
        and "opened (sev2): Pipeline 'billing-nightly'" in line
        for line in lines
    )


def test_the_printed_commands_work_on_the_demo_store(
    cli: Cli, chapter: tuple[str, str, list[str]]
) -> None:
    url, bad, _ = chapter
    found = cli("localize", bad, "--store", url)
    assert found.code == 0
    assert found.out.splitlines()[0].startswith(
        "Stage 'features' introduced the change: 'tenure_months' became"
    )
    day = json.loads(
        cli("checklist", "--date", "2026-11-23", "--store", url, "--json").out
    )
    assert sorted(r["status"] for r in day["rows"]) == ["late", "missed", "ran"]
    alerts = json.loads(cli("alerts", "list", "--store", url, "--json").out)
    assert [(a["subject"], a["check"]) for a in alerts] == [
        ("pipeline:billing-nightly", "run.missed")
    ]
