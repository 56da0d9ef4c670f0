"""The pipewarden command line. Errors become one line and an exit code, never a traceback.

Exit codes: 0 pass (warnings allowed), 1 the data failed its contract, 2 bad usage or
unreadable input.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click
import typer

from pipewarden.cli import check, contract, demo, profile  # noqa: F401  # registers commands
from pipewarden.cli._app import app
from pipewarden.cli._output import err
from pipewarden.errors import PipewardenError

EXIT_USAGE = 2

__all__ = ["app", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns (and, as a script, exits with) the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        code = app(args=args, prog_name="pipewarden", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except click.exceptions.Abort:
        err.print("Aborted.")
        return EXIT_USAGE
    except PipewardenError as exc:
        err.print(f"[bold red]error:[/] {_escape(str(exc))}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.print("Interrupted.")
        return 130
    return code if isinstance(code, int) else 0


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text.splitlines()[0] if text else text)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
