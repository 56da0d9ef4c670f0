"""MkDocs hooks: the reference pages generated from the code at each build.

``reference/checks.md`` from ``pipewarden.checks.codes`` (each check id and its
docstring), ``reference/drift.md`` from the registered drift statistics (each module's
docstring says what it measures and how to read it), ``reference/cli.md`` from the
Typer command table (``cli/_app.py``: the ``--help`` of every command), and
``contract.schema.json`` from the contract model. Nothing generated is committed, so
the pages cannot fall behind the code.
"""

from __future__ import annotations

import ast
import inspect
import json
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

import pipewarden
from pipewarden.checks import codes

WIDTH = 88


def on_files(files: Files, config: MkDocsConfig) -> Files:
    pages = {
        "reference/checks.md": checks_page(),
        "reference/drift.md": drift_page(),
        "reference/cli.md": cli_page(),
        "contract.schema.json": json.dumps(pipewarden.contract_json_schema(), indent=2),
    }
    for uri, content in pages.items():
        files.append(File.generated(config, uri, content=content))
    return files


# ---------------------------------------------------------------------- checks


def check_ids() -> list[tuple[str, str]]:
    """(check id, its docstring) of each constant of ``checks/codes.py``, in order."""
    tree = ast.parse(Path(inspect.getfile(codes)).read_text(encoding="utf-8"))
    found: list[tuple[str, str]] = []
    body = tree.body
    for node, after in zip(body, [*body[1:], None], strict=True):
        if not (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            and "." in node.value.value
        ):
            continue
        doc = ""
        if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
            doc = " ".join(str(after.value.value).split())
        found.append((node.value.value, doc))
    return found


def checks_page() -> str:
    from pipewarden.drift.stats import BUILTIN_STATISTICS

    lines = [
        "# Checks and their finding ids",
        "",
        "Every finding names its check with a stable id, family first. Ids are stored "
        "and never renamed: alert rules, dashboards and CI steps can rely on them. "
        "This page is generated from `pipewarden/checks/codes.py`.",
        "",
        "| Check id | What it reports |",
        "|---|---|",
    ]
    lines += [f"| `{check}` | {doc} |" for check, doc in check_ids()]
    lines += [
        "",
        "## Open families",
        "",
        "| Family | What it reports |",
        "|---|---|",
        f"| `{codes.drift_check('<statistic>')}` | One finding per compared column "
        "and statistic (severity `info` below the threshold), so tools can read the "
        "statistic for every column. The statistics: "
        + ", ".join(f"[`{s.check}`](drift.md#{s.name})" for s in BUILTIN_STATISTICS)
        + ". |",
        f"| `{codes.history_check('<metric>')}` | A run's metric (row count, null "
        "rate, mean...) judged against the past runs of the same dataset. |",
        "",
        "Severities: `error` fails the run (exit code 1), `warning` is worth a look, "
        "`info` is for the record. See [the JSON shapes](../json.md).",
    ]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------- drift


def drift_page() -> str:
    from pipewarden.drift.stats import BUILTIN_STATISTICS

    lines = [
        "# Drift statistics",
        "",
        "`pipewarden drift REFERENCE CURRENT` compares each column with the statistics "
        "below and emits one `drift.<statistic>` finding per column and statistic. "
        "This page is generated from the modules of `pipewarden/drift/stats/`.",
        "",
        "| Statistic | Check id | Columns | Role | Default threshold |",
        "|---|---|---|---|---|",
    ]
    for stat in BUILTIN_STATISTICS:
        inputs = ", ".join(sorted(str(i) for i in stat.inputs))
        lines.append(
            f"| [{stat.name}](#{stat.name}) | `{stat.check}` | {inputs} | {stat.role} "
            f"| {stat.threshold:g} |"
        )
    lines += [
        "",
        "An *effect* size is compared with its threshold; a *test* gives a p-value and "
        "its threshold is the significance level; *both* gives an effect size and its "
        "own p-value.",
    ]
    for stat in BUILTIN_STATISTICS:
        module = inspect.getmodule(stat.compute)
        doc = inspect.cleandoc(module.__doc__ or "") if module else ""
        lines += ["", f"## {stat.name}", "", f"`{stat.check}`: {stat.summary}", ""]
        lines.append(doc)
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------- cli


def cli_page() -> str:
    from pipewarden.cli._app import COMMANDS, GROUPS

    lines = [
        "# Command line reference",
        "",
        "Every command's `--help`, generated from the command table "
        "(`pipewarden/cli/_app.py`). Exit codes: 0 pass (warnings allowed), 1 the "
        "data failed its contract, 2 bad usage or unreadable input.",
    ]
    for name, _command in COMMANDS:
        lines += _command_section([name])
    for name, group in GROUPS:
        lines += _command_section([name])
        for sub in group.registered_commands:
            sub_name = sub.name or (sub.callback.__name__ if sub.callback else "")
            lines += _command_section([name, sub_name], level=3)
    return "\n".join(lines) + "\n"


def _command_section(path: list[str], level: int = 2) -> list[str]:
    title = "pipewarden " + " ".join(path)
    return ["", f"{'#' * level} {title}", "", "```text", _help(path).rstrip(), "```"]


def _help(path: list[str]) -> str:
    from typer.testing import CliRunner

    from pipewarden.cli._app import app

    runner = CliRunner()
    extra: dict[str, Any] = {"terminal_width": WIDTH, "prog_name": "pipewarden"}
    result = runner.invoke(app, [*path, "--help"], **extra)
    if result.exit_code != 0:
        raise RuntimeError(
            f"pipewarden {' '.join(path)} --help failed: {result.output}"
        )
    return result.output
