"""The pipewarden command line. Errors become one line and an exit code, never a traceback.

Exit codes: 0 pass (warnings allowed), 1 the data failed its contract, 2 bad usage or
unreadable input.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from typing import Any

import typer

from pipewarden.cli._app import app
from pipewarden.cli._output import err
from pipewarden.errors import PipewardenError, PipewardenWarning

EXIT_USAGE = 2
# Typer 0.28+ vendors Click and does not depend on it: every usage error (its Click
# copy's ClickException, UsageError, BadParameter, ...) derives from typer.TyperException,
# and Exit and Abort are typer's own. So this module never imports click.

__all__ = ["app", "main", "run"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns (and, as a script, exits with) the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default", PipewardenWarning)
            warnings.showwarning = _show_warning
            code = app(args=args, prog_name="pipewarden", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.TyperException as exc:
        _show_usage_error(exc)
        return EXIT_USAGE
    except typer.Abort:
        err.print("Aborted.")
        return EXIT_USAGE
    except PipewardenError as exc:
        err.print(f"[bold red]error:[/] {_escape(str(exc))}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.print("Interrupted.")
        return 130
    return code if isinstance(code, int) else 0


def _show_usage_error(exc: Any) -> None:  # a typer.TyperException (usage error)
    if type(exc).__name__ == "NoArgsIsHelpError":  # bare `pipewarden`: the help
        exc.show()
        return
    ctx = getattr(exc, "ctx", None)
    hint = f" Run '{ctx.command_path} --help' for usage." if ctx is not None else ""
    message = exc.format_message().rstrip()
    message += "" if message.endswith((".", "!", "?")) else "."
    err.print(f"[bold red]error:[/] {_escape(message)}{_escape(hint)}")


def _show_warning(message: Warning | str, *_args: Any, **_kwargs: Any) -> None:
    """Warnings as one line each, without the file and source line Python adds."""
    err.print(f"[yellow]warning:[/] {_escape(str(message))}")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text.splitlines()[0] if text else text)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
