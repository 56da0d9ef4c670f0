"""The generated reference pages (scripts/mkdocs_hooks.py) cover the code: every check
id, every drift statistic, every command."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import typer.main

from pipewarden.checks import codes
from pipewarden.cli._app import app
from pipewarden.drift.stats import BUILTIN_STATISTICS

HOOKS = Path(__file__).parents[2] / "scripts" / "mkdocs_hooks.py"


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mkdocs_hooks", HOOKS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("mkdocs_hooks", module)
    spec.loader.exec_module(module)
    return module


def test_every_check_id_is_on_the_checks_page_with_a_description() -> None:
    hooks = _hooks()
    ids = {
        value
        for name, value in vars(codes).items()
        if name.isupper() and isinstance(value, str) and "." in value
    }
    documented = dict(hooks.check_ids())
    assert set(documented) == ids
    assert [c for c, doc in documented.items() if not doc] == []
    page = hooks.checks_page()
    assert all(f"| `{check}` |" in page for check in ids)


def test_every_drift_statistic_has_its_section() -> None:
    page = _hooks().drift_page()
    for stat in BUILTIN_STATISTICS:
        assert f"\n## {stat.name}\n" in page
        assert f"`{stat.check}`" in page


def test_every_command_has_its_help_on_the_cli_page() -> None:
    page = _hooks().cli_page()
    root = typer.main.get_command(app)
    paths = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        paths.append(name)
        paths += [f"{name} {sub}" for sub in getattr(command, "commands", {})]
    for path in paths:
        assert f"# pipewarden {path}\n" in page, path
        assert f"Usage: pipewarden {path} " in page, path
