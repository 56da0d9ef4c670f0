"""pipewarden store upgrade [--store URL]"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.markup import escape

from pipewarden.cli._app import app
from pipewarden.cli._output import out
from pipewarden.config import load_settings

store_app = typer.Typer(
    help="Manage the store (runs, history, models).", no_args_is_help=True
)
app.add_typer(store_app, name="store")


@store_app.command("upgrade")
def upgrade_command(
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="Store URL (default: PIPEWARDEN_STORE_URL, else "
            ".pipewarden/pipewarden.db).",
        ),
    ] = None,
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
