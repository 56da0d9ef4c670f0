"""The Typer application, built from an explicit table of commands and groups.

A command module is registered here or nowhere: ``tests/cli/test_app.py`` fails when a
module of ``pipewarden.cli`` is missing from the table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from pipewarden.cli import (
    alerts,
    check,
    checklist,
    conform,
    contract,
    demo,
    drift,
    env,
    localize,
    models,
    monitor,
    pipelines,
    profile,
    references,
    runs,
    serve,
    store,
    traffic,
)

COMMANDS: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("profile", profile.profile_command),
    ("check", check.check_command),
    ("conform", conform.conform_command),
    ("drift", drift.drift_command),
    ("localize", localize.localize_command),
    ("checklist", checklist.checklist_command),
    ("demo", demo.demo_command),
    ("serve", serve.serve_command),
)
"""Top-level commands: name and function."""

GROUPS: tuple[tuple[str, typer.Typer], ...] = (
    ("alerts", alerts.alerts_app),
    ("contract", contract.contract_app),
    ("env", env.env_app),
    ("pipelines", pipelines.pipelines_app),
    ("references", references.references_app),
    ("runs", runs.runs_app),
    ("store", store.store_app),
    ("models", models.models_app),
    ("predictions", traffic.predictions_app),
    ("labels", traffic.labels_app),
    ("monitor", monitor.monitor_app),
)
"""Command groups: name and sub-application."""


def build_app() -> typer.Typer:
    """The ``pipewarden`` application with every command of the tables above."""
    app = typer.Typer(
        name="pipewarden",
        help="Guard the data flowing into and out of ML models: profile, contract, "
        "check.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    for name, command in COMMANDS:
        app.command(name)(command)
    for name, group in GROUPS:
        app.add_typer(group, name=name)
    return app


app = build_app()
