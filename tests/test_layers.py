"""Imports point one way: no module imports a later layer or another package's
private module.

The layer table of the style guide, as data: each part of pipewarden (its top-level
module or package) and the parts it may import. Imports under ``if TYPE_CHECKING:``
are exempt (annotations, not dependencies); imports inside functions count (they run).
Modules loaded by name at run time (``importlib.import_module``) are not seen.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import pipewarden

SOURCE = Path(pipewarden.__file__).parent
ROOT = "pipewarden"

LEAVES = frozenset(
    {
        "errors",
        "_types",
        "config",
        "_version",
        "_text",
        "_severity",
        "_optional",
        "_polars",
        "_concurrent",
    }
)
"""Layer 0: each imports nothing from pipewarden but ``errors``."""
CORE = ("io", "profiles", "engines", "diagnose", "contracts", "checks", "conform")
"""The core, in order: each may import those before it (engines produce profiles)."""
FACES = frozenset({"cli", "server", "demo", "sklearn", "__main__"})
"""May import anything; nothing but another face imports them."""


def _core_before(part: str) -> frozenset[str]:
    return LEAVES | frozenset(CORE[: CORE.index(part)])


_WHOLE_CORE = LEAVES | frozenset(CORE) | {"drift"}
_PERSISTENCE = _WHOLE_CORE | {"env", "store"}
_USE_CASES = _PERSISTENCE | {"monitor", "pipelines", "report"}

MAY_IMPORT: dict[str, frozenset[str]] = {
    **{leaf: frozenset({"errors"}) for leaf in LEAVES},
    "errors": frozenset(),
    **{part: _core_before(part) for part in CORE},
    # drift compares profiles against contracts and reports checks' findings
    "drift": _core_before("conform"),
    # env stands alone
    "env": LEAVES,
    # report reads result objects, never the store
    "report": _WHOLE_CORE | {"env"},
    # store persists the domain objects of the core and env
    "store": _WHOLE_CORE | {"env"},
    "monitor": _PERSISTENCE,
    "pipelines": _PERSISTENCE,
    # workflows: the use cases, over everything below the faces
    "workflows": _USE_CASES,
    # integrations (pre-commit hook, CI, Airflow, Dagster, Prefect): faces over the
    # workflows and the report writers
    "integrations": _USE_CASES | {"workflows"},
    # the curated public API: the package re-exports the workflows and result types
    ROOT: _USE_CASES | {"workflows"},
    # pw.references: the reference-set workflows under short names
    "references": _USE_CASES | {"workflows"},
}
"""Part -> the other parts it may import (a part may always import itself)."""

DISPLAY_HOOKS = frozenset({"pipewarden.report.notebook", "pipewarden.report.terminal"})
"""What the display hooks of the result types (``_repr_html_``, ``__rich__``) call,
inside the method: any part may import these two modules, so a result shows itself in
a notebook or a terminal while its rendering stays in report/."""

KNOWN_VIOLATIONS: frozenset[tuple[str, str]] = frozenset()
"""(importer, imported module) pairs that break the table and are being fixed; a new
break fails the test below, and a fixed one must leave this set."""


@dataclass(frozen=True, slots=True)
class Import:
    module: str
    """The module imported, resolved (``from a import b``: ``a.b`` when b is a module)."""
    line: int


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str) -> list[Import]:
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    return _imports_in(path.read_text(encoding="utf-8"), package)


def _imports_in(source: str, package: str) -> list[Import]:
    """Imports of pipewarden modules anywhere in ``source`` but TYPE_CHECKING blocks."""
    found: list[Import] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit_statement(other)
            else:
                visit_statement(child)

    def visit_statement(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            found.extend(Import(a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                target = submodule if submodule in MODULES else base
                found.append(Import(target, node.lineno))
        else:
            visit(node)

    visit(ast.parse(source))
    ours = (i for i in found if i.module == ROOT or i.module.startswith(ROOT + "."))
    return list(dict.fromkeys(ours))


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    base = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ROOT


def _private_owner(module: str) -> str | None:
    """The part a private module belongs to (``pipewarden.store`` for
    ``pipewarden.store._errors`` and ``pipewarden.drift.stats._inputs`` to
    ``pipewarden.drift``); None for public modules and for the private modules of
    the top-level package (``pipewarden._api``), which the layers govern."""
    parts = module.split(".")
    private = any(p.startswith("_") and not p.startswith("__") for p in parts[2:])
    return ".".join(parts[:2]) if private else None


def _problems(importer: str, imported: Import) -> list[str]:
    problems = []
    source, target = _part(importer), _part(imported.module)
    allowed = MAY_IMPORT.get(source)
    if imported.module in DISPLAY_HOOKS:
        pass
    elif source != target and source not in FACES:
        if allowed is None:
            problems.append(f"'{source}' has no row in MAY_IMPORT: add one")
        elif target in FACES:
            problems.append(f"'{target}' is a face: nothing below the faces imports it")
        elif target not in allowed:
            may = ", ".join(sorted(allowed)) or "nothing"
            problems.append(f"'{source}' may import only {may}; not '{target}'")
    owner = _private_owner(imported.module)
    if owner is not None and not (
        importer == owner or importer.startswith(owner + ".")
    ):
        problems.append(f"it is private to {owner}: import it there, or make it public")
    return problems


def violations(module: str) -> dict[tuple[str, str], list[str]]:
    """(module, imported module) -> what the import breaks, with its line."""
    found: dict[tuple[str, str], list[str]] = {}
    for imported in _imports(module):
        for problem in _problems(module, imported):
            key = (module, imported.module)
            found.setdefault(key, []).append(f"line {imported.line}: {problem}")
    return found


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_imports_only_lower_layers_and_public_modules(module: str) -> None:
    broken = {k: v for k, v in violations(module).items() if k not in KNOWN_VIOLATIONS}

    assert not broken, "\n".join(
        f"{importer} imports {imported} ({problem})"
        for (importer, imported), problems in broken.items()
        for problem in problems
    )


def test_every_part_has_a_row_in_the_table() -> None:
    parts = {_part(module) for module in MODULES}

    assert parts - MAY_IMPORT.keys() - FACES == set()


def test_known_violations_are_still_there() -> None:
    found = {key for module in MODULES for key in violations(module)}

    assert KNOWN_VIOLATIONS - found == set(), "fixed: remove from KNOWN_VIOLATIONS"


@pytest.mark.parametrize(
    ("importer", "imported", "expected"),
    [
        ("pipewarden.profiles.column", "pipewarden.errors", []),
        ("pipewarden.store.tables", "pipewarden.store._profile_codec", []),
        ("pipewarden.cli.check", "pipewarden.store.database", []),
        (
            "pipewarden.profiles.column",
            "pipewarden.checks.findings",
            [
                "'profiles' may import only _concurrent, _optional, _polars, _severity, _text, _types, "
                "_version, config, errors, io; not 'checks'"
            ],
        ),
        (
            "pipewarden.cli.store",
            "pipewarden.store._errors",
            ["it is private to pipewarden.store: import it there, or make it public"],
        ),
        (
            "pipewarden.report.html",
            "pipewarden.store.database",
            [
                "'report' may import only _concurrent, _optional, _polars, _severity, _text, _types, "
                "_version, checks, config, conform, contracts, diagnose, drift, "
                "engines, env, errors, io, profiles; not 'store'"
            ],
        ),
        (
            "pipewarden.monitor.history",
            "pipewarden.cli",
            ["'cli' is a face: nothing below the faces imports it"],
        ),
        ("pipewarden.drift.compare", "pipewarden._optional", []),
    ],
)
def test_the_rules(importer: str, imported: str, expected: list[str]) -> None:
    assert _problems(importer, Import(imported, 1)) == expected


def test_imports_are_found_in_functions_and_resolved_but_not_for_type_checking() -> (
    None
):
    source = """
from typing import TYPE_CHECKING
import numpy
from pipewarden.errors import StoreError, ConfigError
from pipewarden.report import _format, render_report
from . import _charts
from ..checks import findings
if TYPE_CHECKING:
    from pipewarden.store.database import Database
else:
    import pipewarden.io.sources
def later():
    from pipewarden._api import profile
"""

    found = _imports_in(source, "pipewarden.report")

    assert found == [
        Import("pipewarden.errors", 4),
        Import("pipewarden.report._format", 5),
        Import("pipewarden.report", 5),
        Import("pipewarden.report._charts", 6),
        Import("pipewarden.checks.findings", 7),
        Import("pipewarden.io.sources", 11),
        Import("pipewarden._api", 13),
    ]
