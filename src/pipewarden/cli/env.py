"""pipewarden env capture [-o env.json]  |  pipewarden env diff A B [--important PKG]
pipewarden env export [FINGERPRINT] --format mlflow [--out DIR]

A side of ``env diff`` may be a fingerprint JSON, an MLflow model folder (python_env.yaml
+ requirements.txt) or models:/NAME@ALIAS (the environment it was logged with)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from pipewarden.cli._output import claim_outputs, out, write_json, write_text
from pipewarden.env.diff import EnvDiffResult, diff
from pipewarden.env.fingerprint import capture
from pipewarden.env.mlflow_env import PYTHON_ENV
from pipewarden.workflows.environments import export_environment, load_environment

EXIT_FAILED = 1
_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}

env_app = typer.Typer(
    help="Fingerprint environments and compare them.", no_args_is_help=True
)


@env_app.command("capture")
def capture_command(
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            help="Write the fingerprint JSON here (default: print it).",
        ),
    ] = None,
) -> None:
    """Fingerprint this environment: Python, OS, CPU, installed packages."""
    fingerprint = capture(os.environ)
    text = json.dumps(fingerprint.to_dict(), indent=2, sort_keys=True) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    write_text(output, text)
    out.print(
        f"Fingerprint of {len(fingerprint.packages)} packages (Python "
        f"{fingerprint.python_version}) written to {escape(output)}",
        soft_wrap=True,
    )


@env_app.command("diff")
def diff_command(
    trained: Annotated[
        str,
        typer.Argument(
            metavar="A",
            help="Where the model was trained: a fingerprint JSON, an MLflow model "
            "folder, or models:/NAME@ALIAS (its logged environment).",
        ),
    ],
    here: Annotated[
        str,
        typer.Argument(
            metavar="B", help="Where it runs now: a fingerprint JSON (or as A)."
        ),
    ],
    important: Annotated[
        list[str] | None,
        typer.Option(
            help="Distribution the model depends on (repeatable), e.g. scikit-learn."
        ),
    ] = None,
    json_out: Annotated[
        str | None,
        typer.Option(
            "--json", help="Write the changes as JSON here ('-' for standard output)."
        ),
    ] = None,
) -> None:
    """Compare two fingerprints; exit 1 when a change is an error for the model."""
    claim_outputs(
        inputs={"A": _file(trained), "B": _file(here)}, outputs={"--json": json_out}
    )
    result = diff(
        load_environment(trained), load_environment(here), important=important or ()
    )
    if json_out:
        write_json(result.to_dict(), json_out)
    if json_out != "-":
        _print(result, trained, here)
    if result.max_severity == "error":
        raise typer.Exit(EXIT_FAILED)


@env_app.command("export")
def export_command(
    format: Annotated[
        str,
        typer.Option(
            "--format",
            help="mlflow: python_env.yaml + requirements.txt, as MLflow logs a "
            "model's environment.",
        ),
    ],
    fingerprint: Annotated[
        str | None,
        typer.Argument(
            metavar="[FINGERPRINT]",
            help="Fingerprint JSON to export (default: this environment).",
        ),
    ] = None,
    folder: Annotated[
        str, typer.Option("--out", help="Folder to write the files into.")
    ] = ".",
) -> None:
    """Write an environment in another tool's format, to rebuild it there."""
    claim_outputs(
        inputs={"FINGERPRINT": fingerprint},
        outputs={"--out": str(Path(folder) / PYTHON_ENV)},
    )
    written = export_environment(
        folder, fingerprint=fingerprint, format=format, environ=os.environ
    )
    out.print(f"Wrote {', '.join(escape(str(p)) for p in written)}", soft_wrap=True)


def _file(side: str) -> str | None:
    """The side as a file read (None for a models:/ URI or a folder)."""
    return None if side.startswith("models:/") or Path(side).is_dir() else side


def _print(result: EnvDiffResult, trained: str, here: str) -> None:
    if result.is_empty:
        out.print(
            f"No differences between {escape(trained)} and {escape(here)}.",
            soft_wrap=True,
        )
        return
    counts = {
        s: sum(1 for c in result.changes if c.severity == s)
        for s in ("error", "warning", "info")
    }
    out.print(
        f"{len(result.changes)} difference(s) from {escape(trained)} to "
        f"{escape(here)}: {counts['error']} error(s), {counts['warning']} "
        f"warning(s), {counts['info']} info",
        soft_wrap=True,
    )
    table = Table(header_style="bold")
    for name in ("severity", "what", "name", "before", "after", "message"):
        table.add_column(name, overflow="fold")
    for change in result.changes:
        style = _SEVERITY_STYLE[change.severity]
        table.add_row(
            f"[{style}]{change.severity}[/]",
            change.kind,
            escape(change.name),
            escape(change.before or "-"),
            escape(change.after or "-"),
            escape(change.message),
        )
    out.print(table)
