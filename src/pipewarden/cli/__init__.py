"""The pipewarden command line. Errors become one line and an exit code, never a traceback.

Exit codes: 0 pass (warnings allowed), 1 the data failed its contract, 2 bad usage or
unreadable input.
"""

from __future__ import annotations

import signal
import sys
import threading
import warnings
from collections.abc import Sequence
from types import FrameType
from typing import Any

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
# Typer 0.28+ vendors Click and does not depend on it: every usage error (its Click
# copy's ClickException, UsageError, BadParameter, ...) derives from typer.TyperException,
# and Exit and Abort are typer's own. So this module never imports click.
# It imports nothing heavy at module level either: polars, typer and the commands load
# inside main(), where Ctrl-C waits for the imports to finish (a module left half
# imported fails in odd ways), then exits with one line, as it does later.

__all__ = ["app", "main", "run"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns (and, as a script, exits with) the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["serve"]:
        _cap_server_arenas()
    interrupts = _Interrupts()
    try:
        with interrupts:
            _import_commands()
            interrupts.go_live()
            return _main(args)
    except KeyboardInterrupt:
        return _interrupted()
    except Exception:
        # Ctrl-C while a library was half imported can surface as another error
        # (numpy once raised "module 'numpy' has no attribute 'matrix'").
        if interrupts.seen:
            return _interrupted()
        raise


def _cap_server_arenas() -> None:
    """``pipewarden serve``: cap glibc's malloc arenas now, before importing Polars
    starts threads that take arenas of their own (pipewarden/server/memory.py)."""
    from pipewarden.server.memory import limit_malloc_arenas

    limit_malloc_arenas()


def _import_commands() -> None:
    """Load typer, polars and every command (most of a second)."""
    import pipewarden.cli._app  # noqa: F401


def _main(args: list[str]) -> int:
    import typer

    from pipewarden.cli._output import err
    from pipewarden.errors import PipewardenError, PipewardenWarning

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default", PipewardenWarning)
            warnings.showwarning = _show_warning
            app = getattr(sys.modules[__name__], "app")  # noqa: B009 (set, or built)
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
    return code if isinstance(code, int) else 0


class _Interrupts:
    """Notes Ctrl-C (SIGINT) while the CLI runs; raises KeyboardInterrupt once live."""

    def __init__(self) -> None:
        self.seen = False
        self._live = False
        self._previous: Any = None
        self._installed = False

    def go_live(self) -> None:
        """From now on Ctrl-C raises KeyboardInterrupt; raise it now if one came."""
        self._live = True
        if self.seen:
            raise KeyboardInterrupt

    def __enter__(self) -> _Interrupts:
        main_thread = threading.current_thread() is threading.main_thread()
        if main_thread and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True  # (ignored, as in `nohup cmd &`, it stays so)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)

    def _handle(self, _signum: int, _frame: FrameType | None) -> None:
        self.seen = True
        if self._live:
            raise KeyboardInterrupt


def _interrupted() -> int:
    sys.stderr.write("Interrupted.\n")  # no Rich: it may be what was being imported
    return EXIT_INTERRUPTED


def _show_usage_error(exc: Any) -> None:  # a typer.TyperException (usage error)
    from pipewarden.cli._output import err

    if type(exc).__name__ == "NoArgsIsHelpError":  # bare `pipewarden`: the help
        exc.show()
        return
    ctx = getattr(exc, "ctx", None)
    hint = f" Run '{ctx.command_path} --help' for usage." if ctx is not None else ""
    message = exc.format_message().rstrip()
    message += "" if message.endswith((".", "!", "?")) else "."
    err.print(f"[bold red]error:[/] {_escape(message)}{_escape(hint)}")


def __getattr__(name: str) -> Any:
    if name == "app":  # the Typer application, built on first use
        from pipewarden.cli._app import app

        return app
    raise AttributeError(f"module 'pipewarden.cli' has no attribute '{name}'")


def _show_warning(message: Warning | str, *_args: Any, **_kwargs: Any) -> None:
    """Warnings as one line each, without the file and source line Python adds."""
    from pipewarden.cli._output import err

    err.print(f"[yellow]warning:[/] {_escape(str(message))}")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text.splitlines()[0] if text else text)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
