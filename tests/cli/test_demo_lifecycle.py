"""The demo's champion-vs-challenger chapter, as a new user sees it: the challenger
wins overall, the demo says so with its verdict line, and the command it prints,
run as printed on the demo's store, shows the one site where the challenger loses.
Figures are checked against scikit-learn on the rows both versions scored."""

from __future__ import annotations

import io
import json
import shlex
from collections.abc import Callable
from contextlib import redirect_stdout
from typing import Any

import pytest
from sklearn.metrics import mean_absolute_error

from pipewarden.cli._demo_lifecycle import ROLLED_BACK, ShadowWeek, lifecycle_chapter
from pipewarden.cli._demo_model import LABEL, SITE, model_chapter
from pipewarden.store import open_store

Cli = Callable[..., Any]


@pytest.fixture(scope="module")
def chapter(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[ShadowWeek, list[str]]:
    """The shadow week both versions scored, and the chapter's printed lines."""
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.db'}"
    printed = io.StringIO()
    with open_store(url) as store, redirect_stdout(printed):
        story = model_chapter(store, folder)
        start = len(printed.getvalue())
        week = lifecycle_chapter(story, store, url)
    lines = [" ".join(line.split()) for line in printed.getvalue()[start:].splitlines()]
    return week, [line for line in lines if line]


def mae(week: ShadowWeek, column: str, site: str | None = None) -> float:
    rows = week.frame if site is None else week.frame.filter(week.frame[SITE] == site)
    return float(mean_absolute_error(rows[LABEL], rows[column]))


def printed_command(lines: list[str]) -> list[str]:
    line = next(line for line in lines if "pipewarden models compare" in line)
    words = shlex.split(line[line.index("pipewarden models compare") :])
    assert words[0] == "pipewarden"
    return words[1:]


def test_the_chapter_prints_the_overall_verdict_and_figures(
    chapter: tuple[ShadowWeek, list[str]],
) -> None:
    week, lines = chapter
    champion, challenger = mae(week, "champion_temp"), mae(week, "challenger_temp")
    assert challenger < champion
    assert (
        f"On the {week.frame.height:,} paired readings, MAE {champion:.2f} °C for "
        f"version 1 (champion) against {challenger:.2f} °C for version 2 "
        "(challenger)."
    ) in lines
    assert "Verdict: challenger better (paired t on per-row losses)." in lines
    # the chapter shows the verdict; the per-site table is the printed command's
    assert not any(line.startswith("Flagged:") for line in lines)


def test_the_printed_command_reveals_the_site_where_the_challenger_loses(
    cli: Cli, chapter: tuple[ShadowWeek, list[str]]
) -> None:
    week, lines = chapter
    command = printed_command(lines)
    assert command[:4] == ["models", "compare", week.champion, week.challenger]
    assert command[-2:] == ["--segment", SITE]

    shown = cli(*command)
    assert shown.code == 0, shown.err
    flagged = [
        " ".join(line.split())
        for line in shown.out.splitlines()
        if line.startswith("Flagged:")
    ]
    east = (
        mae(week, "champion_temp", ROLLED_BACK),
        mae(week, "challenger_temp", ROLLED_BACK),
    )
    assert flagged == [
        f"Flagged: the challenger is worse where site={ROLLED_BACK} (mae "
        f"{east[0]:.4g} -> {east[1]:.4g}) although better overall."
    ]

    data = json.loads(cli(*command, "--json", "-").out)
    assert (data["design"], data["verdict"]) == ("paired", "challenger_better")
    assert data["rows"] == week.frame.height
    assert data["challenger_value"] == pytest.approx(mae(week, "challenger_temp"))
    by_site = {s["value"]: s for s in data["segments"]}
    assert [v for v, s in by_site.items() if s["flagged"]] == [ROLLED_BACK]
    for site, s in by_site.items():
        assert s["champion_value"] == pytest.approx(mae(week, "champion_temp", site))
        assert s["challenger_value"] == pytest.approx(
            mae(week, "challenger_temp", site)
        )
        better = s["verdict"] == "challenger_better"
        assert better == (site != ROLLED_BACK)
