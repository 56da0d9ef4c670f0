"""The Typer application every command module attaches to."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="pipewarden",
    help="Guard the data flowing into and out of ML models: profile, contract, check.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
contract_app = typer.Typer(help="Infer and manage contracts.", no_args_is_help=True)
app.add_typer(contract_app, name="contract")
