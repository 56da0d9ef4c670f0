"""pipewarden store upgrade [--store URL]"""

from __future__ import annotations

import os

import typer
from rich.markup import escape

from pipewarden.cli import _options as opt
from pipewarden.cli._output import out
from pipewarden.config import load_settings

store_app = typer.Typer(
    help="Manage the store (runs, history, models).", no_args_is_help=True
)


@store_app.command("upgrade")
def upgrade_command(
    store: opt.Store = None,
) -> None:
    """Bring the store's schema to this pipewarden's revision (creating it if new)."""
    from pipewarden.store import upgrade_store

    result = upgrade_store(load_settings(environ=os.environ, store_url=store).store_url)
    if result.changed:
        out.print(
            f"Store {escape(result.url)} upgraded from schema revision "
            f"{result.before or 'base (empty)'} to {result.after}.",
            soft_wrap=True,
        )
    else:
        out.print(
            f"Store {escape(result.url)} is already at schema revision {result.after}.",
            soft_wrap=True,
        )
