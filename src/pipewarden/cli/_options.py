"""Options shared by several commands, declared once, and the parsers behind them."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Annotated

import typer

from pipewarden.checks.findings import Severity
from pipewarden.config import ENV_PREFIX, Settings, load_settings, parse_memory
from pipewarden.errors import ConfigError

Query = Annotated[
    str | None, typer.Option("--query", help="SQL query for a database URL.")
]
Engine = Annotated[
    str,
    typer.Option(
        "--engine",
        help="Compute engine: local, or spark (Parquet read by Spark, each "
        "partition profiled on the executors; pip install 'pipewarden[spark]').",
    ),
]
Store = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Store URL (default: PIPEWARDEN_STORE_URL, else "
        ".pipewarden/pipewarden.db).",
    ),
]
JsonOut = Annotated[
    str | None,
    typer.Option("--json", help="Write the JSON here ('-' for standard output)."),
]
HtmlOut = Annotated[
    str | None,
    typer.Option("--html", help="Write a self-contained HTML report here."),
]
JunitOut = Annotated[
    str | None,
    typer.Option(
        "--junit",
        help="Write JUnit XML here: one test case per check and column, for CI.",
    ),
]
MarkdownOut = Annotated[
    str | None,
    typer.Option(
        "--markdown",
        help="Write a Markdown summary here (e.g. $GITHUB_STEP_SUMMARY).",
    ),
]
FailOn = Annotated[
    str,
    typer.Option(
        "--fail-on", help="Lowest severity that fails the run: error or warning."
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
MemoryBudget = Annotated[
    str | None,
    typer.Option(
        "--memory-budget",
        help="Peak memory for reading and profiling, whatever the input size: e.g. "
        "1GiB, 512MB (default: PIPEWARDEN_MEMORY_BUDGET, else 1GiB).",
    ),
]

FAIL_LEVELS = ("error", "warning")


def fail_level(text: str) -> Severity:
    """The ``--fail-on`` severity.

    Raises:
        ConfigError: Not ``error`` or ``warning``.
    """
    if text not in FAIL_LEVELS:
        raise ConfigError(f"--fail-on must be 'error' or 'warning', not '{text}'.")
    return Severity(text)


def parse_time(text: str) -> datetime:
    """An ISO timestamp (naive means UTC).

    Raises:
        ConfigError: The text is not an ISO time.
    """
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(
            f"'{text}' is not an ISO time. Use e.g. 2024-03-01T00:00:00Z."
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def memory_budget(text: str | None) -> int:
    """Bytes from ``--memory-budget``, else the setting (file, environment, 1 GiB).

    Raises:
        ConfigError: Not a size, or below 384 MiB.
    """
    given = parse_memory(text, option="--memory-budget") if text else None
    return int(load_settings(environ=os.environ, memory_budget=given).memory_budget)


def settings(store: str | None) -> Settings:
    """The settings, with ``--store`` over ``PIPEWARDEN_STORE_URL`` and the file."""
    return load_settings(environ=os.environ, store_url=store)


def store_named(store: str | None) -> bool:
    """Whether the user named a store: ``--store`` or ``PIPEWARDEN_STORE_URL``."""
    return bool(store or os.environ.get(f"{ENV_PREFIX}STORE_URL"))
