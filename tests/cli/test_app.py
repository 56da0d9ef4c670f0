"""The command table: every command module is registered, and only once."""

from __future__ import annotations

import pkgutil

import typer

import pipewarden.cli
from pipewarden.cli._app import COMMANDS, GROUPS, build_app


def _command_modules() -> set[str]:
    return {
        f"pipewarden.cli.{info.name}"
        for info in pkgutil.iter_modules(pipewarden.cli.__path__)
        if not info.name.startswith("_")
    }


def _registered_modules() -> set[str]:
    modules = {command.__module__ for _, command in COMMANDS}
    for _, group in GROUPS:
        for info in group.registered_commands:
            assert info.callback is not None
            modules.add(info.callback.__module__)
    return modules


def test_every_command_module_is_in_the_table() -> None:
    assert _command_modules() == _registered_modules()


def test_command_names_are_unique() -> None:
    names = [name for name, _ in COMMANDS] + [name for name, _ in GROUPS]

    assert len(names) == len(set(names))


def test_help_lists_every_command() -> None:
    command = typer.main.get_command(build_app())

    assert isinstance(command, typer.core.TyperGroup)
    listed = set(command.list_commands(None))  # type: ignore[arg-type]  # ctx unused
    assert listed == {name for name, _ in (*COMMANDS, *GROUPS)}
