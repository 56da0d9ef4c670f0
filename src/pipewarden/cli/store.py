"""pipewarden store upgrade [--store URL]"""

from __future__ import annotations

import os
from typing import Annotated

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
    adopt: Annotated[
        bool,
        typer.Option(
            "--adopt",
            help="Create the store also in a database that holds other tables (another "
            "application's), leaving them alone.",
        ),
    ] = False,
) -> None:
    """Bring the store's schema to this pipewarden's revision (creating it if new)."""
    from pipewarden.store import upgrade_store

    url = load_settings(environ=os.environ, store_url=store).store_url
    result = upgrade_store(url, adopt=adopt)
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
