"""Installs stay installable: pyproject.toml declares what src/ imports, in the right group.

Every third-party module that src/pipewarden imports (``import``, ``require("x")``,
``importlib.import_module("x")``, ``find_spec("x")``) must come from a distribution in
the base dependencies or in a feature extra. Modules the base install loads (from
``import pipewarden`` and the CLI, following every internal import, lazy ones too) must
not import an extra's package at module top level, unless ``pipewarden._optional.require``
or a ``try: ... except ImportError`` guards it. The lock files in requirements/ must pin
every declared requirement, at a version the declaration allows.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "pipewarden"
PYPROJECT = ROOT / "pyproject.toml"
LOCKS = {
    "base": ROOT / "requirements" / "base.txt",
    "dev": ROOT / "requirements" / "dev.txt",
    "airflow": ROOT / "requirements" / "airflow.txt",
    "prefect": ROOT / "requirements" / "prefect.txt",
}
SEPARATE = frozenset({"airflow", "prefect"})
"""Extras that cannot share the dev environment, each locked alone with the base
(requirements/NAME.txt): Airflow 3.3 pins fastapi<0.137, Prefect 3.9 fastapi<0.151."""
UNINSTALLED = {"airflow": ("apache-airflow",)}
"""Top-level modules of SEPARATE extras, absent from the dev environment, by distribution."""
BASE_ROOTS = ("pipewarden", "pipewarden.__main__", "pipewarden.cli")
"""What the base install imports first: the package, `python -m pipewarden`, the CLI."""
INDIRECT = {
    "pandas": "polars converts pandas frames (from_pandas/to_pandas)",
    "psycopg": "SQLAlchemy loads it for postgresql+psycopg:// store URLs",
    "s3fs": "fsspec loads it for s3:// source URLs",
    "python-multipart": "FastAPI parses the server's form and upload bodies with it",
    "httptools": "uvicorn's 'auto' HTTP parser for pipewarden serve (see the test below)",
    "uvloop": "uvicorn's 'auto' event loop for pipewarden serve",
}
"""Declared distributions that src/ uses without importing them by name."""
DEV = "dev"
"""The extra for tests and tools: src/ must not import what only it installs."""
TOOL_EXTRAS = frozenset({DEV, "docs"})
"""Extras for tools, not features (docs: `make docs` builds the site with them)."""


# ---------------------------------------------------------------- pyproject groups
@dataclass(frozen=True)
class Groups:
    """pyproject.toml's requirements, by group; extras expanded (self-references too)."""

    base: tuple[Requirement, ...]
    extras: dict[str, tuple[Requirement, ...]]

    @classmethod
    def load(cls, pyproject: Path) -> Groups:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        name = canonicalize_name(project["name"])
        raw = {
            k: list(map(Requirement, v))
            for k, v in project["optional-dependencies"].items()
        }

        def expand(extra: str) -> tuple[Requirement, ...]:
            out: list[Requirement] = []
            for req in raw[extra]:
                if canonicalize_name(req.name) == name:
                    out += [r for sub in sorted(req.extras) for r in expand(sub)]
                else:
                    out.append(req)
            return tuple(out)

        base = tuple(map(Requirement, project["dependencies"]))
        return cls(base, {extra: expand(extra) for extra in raw})

    def owner(self, distribution: str) -> str | None:
        """The group that declares a distribution: base, else a feature extra."""
        if distribution in _names(self.base):
            return "base"
        features = (e for e in sorted(self.extras) if e not in TOOL_EXTRAS)
        return next(
            (e for e in features if distribution in _names(self.extras[e])), None
        )

    def declared_for_src(self) -> set[str]:
        return _names(self.base).union(
            *(
                _names(reqs)
                for extra, reqs in self.extras.items()
                if extra not in TOOL_EXTRAS
            )
        )


def _names(reqs: tuple[Requirement, ...]) -> set[str]:
    return {canonicalize_name(r.name) for r in reqs}


@cache
def _module_distributions() -> dict[str, tuple[str, ...]]:
    return {
        module: tuple(sorted({canonicalize_name(d) for d in dists}))
        for module, dists in packages_distributions().items()
    }


def distributions_of(module: str) -> tuple[str, ...]:
    """Distributions installing a top-level module; its own name if none is installed."""
    found = _module_distributions().get(module)
    return found or UNINSTALLED.get(module) or (canonicalize_name(module),)


# ---------------------------------------------------------------- imports in src
@dataclass(frozen=True)
class Import:
    module: str  # the full dotted name imported
    line: int
    top_level: bool  # runs when the module is imported
    guarded: bool  # require(), find_spec(), try/except ImportError, or TYPE_CHECKING

    @property
    def root(self) -> str:
        return self.module.split(".")[0]


_LOADERS = {"require", "import_module", "find_spec"}
"""Calls whose first argument names a module (find_spec only probes: still a need)."""
_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception"}


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _catches_import_error(node: ast.Try) -> bool:
    for handler in node.handlers:
        kinds = (
            handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        )
        if handler.type is None or {_name(k) for k in kinds} & _IMPORT_ERRORS:
            return True
    return False


def _name(node: ast.expr | None) -> str | None:
    return getattr(node, "id", getattr(node, "attr", None))


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join([*parts, node.module] if node.module else parts)


def imports_in(tree: ast.Module, package: str) -> Iterator[Import]:
    """Every import in a module, marked top-level or not, guarded or not.

    ``package`` is the module's package (for relative imports). A top-level
    ``require("x", ...)`` guards the imports of ``x`` that follow it. A string such
    as ``"pipewarden.engines.local:LocalEngine"`` counts as a lazy internal import.
    """
    required: set[str] = set()

    def found(name: str, node: ast.stmt, top: bool, guarded: bool) -> Import:
        return Import(name, node.lineno, top, guarded or name.split(".")[0] in required)

    def visit(node: ast.AST, top: bool, guarded: bool) -> Iterator[Import]:
        if isinstance(node, ast.Import):
            yield from (found(a.name, node, top, guarded) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            # `from pipewarden.cli import check` may import the submodule cli.check.
            subs = [
                f"{base}.{a.name}" for a in node.names if base.startswith("pipewarden")
            ]
            yield from (found(name, node, top, guarded) for name in [base, *subs])
        elif isinstance(node, ast.Call) and _call_name(node) in _LOADERS:
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                yield Import(arg.value, node.lineno, top, guarded=True)
                if _call_name(node) == "require" and top:
                    required.add(arg.value.split(".")[0])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            target = node.value.partition(":")[0]
            if (
                target.startswith("pipewarden.")
                and target.replace(".", "").isidentifier()
            ):
                yield Import(target, node.lineno, False, guarded=True)
        yield from children(node, top, guarded)

    def children(node: ast.AST, top: bool, guarded: bool) -> Iterator[Import]:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            top = False
        if isinstance(node, ast.Try) and _catches_import_error(node):
            parts = [(node.body, top, True)]
            parts += [
                (part, top, guarded)
                for part in (node.handlers, node.orelse, node.finalbody)
            ]
        elif isinstance(node, ast.If) and _name(node.test) == "TYPE_CHECKING":
            parts = [(node.body, False, True), (node.orelse, top, guarded)]
        else:
            parts = [(list(ast.iter_child_nodes(node)), top, guarded)]
        for nodes, part_top, part_guarded in parts:
            for child in nodes:
                yield from visit(child, part_top, part_guarded)

    for statement in tree.body:
        yield from visit(statement, True, False)


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    imports: tuple[Import, ...]


def scan(src: Path) -> dict[str, Module]:
    """The modules of a package folder (src/pipewarden or a copy), by dotted name."""
    modules = {}
    for path in sorted(src.rglob("*.py")):
        parts = [src.name, *path.relative_to(src).with_suffix("").parts]
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        package = name if is_package else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        modules[name] = Module(name, path, tuple(imports_in(tree, package)))
    return modules


def base_chains(modules: dict[str, Module]) -> dict[str, list[str]]:
    """Modules the base install may load, each with the import chain that reaches it."""
    chains: dict[str, list[str]] = {}
    queue = [[root] for root in BASE_ROOTS if root in modules]
    while queue:
        chain = queue.pop(0)
        if chain[-1] in chains:
            continue
        chains[chain[-1]] = chain
        for imp in modules[chain[-1]].imports:
            parts = imp.module.split(".")
            for i in range(1, len(parts) + 1):  # a.b.c loads a and a.b first
                target = ".".join(parts[:i])
                if target in modules and target not in chains:
                    queue.append([*chain, target])
    return chains


def problems(src: Path, groups: Groups) -> list[str]:
    """What is wrong with the imports of a package folder, as sentences."""
    modules = scan(src)
    chains = base_chains(modules)
    stdlib = sys.stdlib_module_names
    declared = groups.declared_for_src()
    found = []
    for module in modules.values():
        where = module.path.relative_to(src.parent).as_posix()
        for imp in module.imports:
            if imp.root in stdlib or imp.root == src.name:
                continue
            dists = distributions_of(imp.root)
            homes = [d for d in dists if d in declared]
            if not homes:
                found.append(
                    f"{where}:{imp.line}: imports '{imp.root}', which no dependency in "
                    "pyproject.toml provides (base or a feature extra). Add its "
                    "distribution to [project] dependencies, or to the extra that "
                    "guards it."
                )
                continue
            owner = groups.owner(homes[0])
            if owner == "base" or not imp.top_level or imp.guarded:
                continue
            if module.name in chains:
                found.append(
                    f"{where}:{imp.line}: imports '{imp.root}' (extra '{owner}') at module "
                    f"top level, and the base install loads this module "
                    f"({' -> '.join(chains[module.name])}). Import it inside the function "
                    f"that needs it, or through pipewarden._optional.require("
                    f"'{imp.root}', extra='{owner}')."
                )
    return found


def unused(src: Path, groups: Groups) -> list[str]:
    """Declared feature distributions that nothing in src imports (nor INDIRECT names)."""
    imported = {
        dist
        for module in scan(src).values()
        for imp in module.imports
        for dist in distributions_of(imp.root)
    }
    return sorted(groups.declared_for_src() - imported - set(INDIRECT))


# ---------------------------------------------------------------- the tests
@pytest.fixture(scope="module")
def groups() -> Groups:
    return Groups.load(PYPROJECT)


def test_src_imports_only_declared_distributions_in_the_right_group(
    groups: Groups,
) -> None:
    assert problems(SRC, groups) == []


def test_every_declared_distribution_is_used(groups: Groups) -> None:
    assert unused(SRC, groups) == []


def test_uvicorn_serves_with_the_declared_http_parser() -> None:
    """httptools and uvloop are declared for uvicorn's 'auto' choices (the defaults
    `pipewarden serve` runs with): they must be what it picks."""
    import uvicorn

    config = uvicorn.Config(app=lambda *a: None, http="auto", loop="auto")
    config.load()
    assert config.http_protocol_class.__name__ == "HttpToolsProtocol"
    if sys.platform != "win32":
        import uvloop

        loop = uvloop.new_event_loop()
        assert type(loop).__module__.startswith("uvloop")
        loop.close()


def test_the_checker_reports_a_new_undeclared_or_extra_import(
    tmp_path: Path, groups: Groups
) -> None:
    copy = tmp_path / "pipewarden"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
    run = copy / "checks" / "run.py"
    lines = run.read_text(encoding="utf-8").count("\n")
    with run.open("a", encoding="utf-8") as f:
        f.write("import somethingundeclared\nimport psycopg\n")
        f.write("\ndef later():\n    import psycopg\n")  # lazy: fine
    chain = base_chains(scan(copy))["pipewarden.checks.run"]

    assert chain[0] == "pipewarden"
    assert problems(copy, groups) == [
        f"pipewarden/checks/run.py:{lines + 1}: imports 'somethingundeclared', which no "
        "dependency in pyproject.toml provides (base or a feature extra). Add its "
        "distribution to [project] dependencies, or to the extra that guards it.",
        f"pipewarden/checks/run.py:{lines + 2}: imports 'psycopg' (extra 'postgres') at "
        f"module top level, and the base install loads this module ({' -> '.join(chain)})."
        " Import it inside the function that needs it, or through "
        "pipewarden._optional.require('psycopg', extra='postgres').",
    ]


def test_the_checker_accepts_guarded_imports(tmp_path: Path, groups: Groups) -> None:
    copy = tmp_path / "pipewarden"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with (copy / "checks" / "run.py").open("a", encoding="utf-8") as f:
        f.write(
            "from pipewarden._optional import require\n"
            "require('sklearn', extra='sklearn')\n"
            "from sklearn.base import BaseEstimator\n"
            "try:\n    import pandas\nexcept ImportError:\n    pandas = None\n"
            "if TYPE_CHECKING:\n    import psycopg\n"
        )

    assert problems(copy, groups) == []


def test_src_may_not_import_what_only_dev_installs(
    tmp_path: Path, groups: Groups
) -> None:
    copy = tmp_path / "pipewarden"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with (copy / "errors.py").open("a", encoding="utf-8") as f:
        f.write("def later():\n    import hypothesis\n")

    assert [p.split(": ")[1] for p in problems(copy, groups)] == [
        "imports 'hypothesis', which no dependency in pyproject.toml provides (base or "
        "a feature extra). Add its distribution to [project] dependencies, or to the "
        "extra that guards it."
    ]


# ---------------------------------------------------------------- lock files
def pins(lock: Path) -> dict[str, set[str]]:
    """Distribution -> pinned versions (one per environment marker) of a lock file."""
    out: dict[str, set[str]] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith((" ", "#", "-")):
            req = Requirement(line.split(" \\")[0])
            (version,) = (s.version for s in req.specifier if s.operator == "==")
            out.setdefault(canonicalize_name(req.name), set()).add(version)
    return out


@pytest.mark.parametrize("group", ["base", "dev", *sorted(SEPARATE)])
def test_the_lock_pins_every_declared_requirement(groups: Groups, group: str) -> None:
    extras = (
        [reqs for extra, reqs in groups.extras.items() if extra not in SEPARATE]
        if group == "dev"
        else [groups.extras[group]]
        if group in SEPARATE
        else []
    )
    declared = groups.base + tuple(r for reqs in extras for r in reqs)
    pinned = pins(LOCKS[group])
    stale = sorted(
        f"{req} (locked: {', '.join(sorted(pinned.get(canonicalize_name(req.name), [])))})"
        for req in declared
        if not pinned.get(canonicalize_name(req.name))
        or not all(
            req.specifier.contains(v, prereleases=True)
            for v in pinned[canonicalize_name(req.name)]
        )
    )
    assert stale == [], f"{LOCKS[group].name} is stale: run `make lock`"


def test_base_and_dev_locks_agree() -> None:
    base, dev = pins(LOCKS["base"]), pins(LOCKS["dev"])
    assert {name: base[name] for name in base} == {name: dev.get(name) for name in base}


# ---------------------------------------------------------------- the base install
_WITHOUT_EXTRAS = """
import sys
for name in {blocked!r}:
    sys.modules[name] = None  # import raises ModuleNotFoundError, as if not installed
import typer
import pipewarden
import pipewarden.cli as cli
print(cli.main(["--frobnicate"]))
for exc in (typer.Abort(), typer.Exit(3)):
    def raising(*args, exc=exc, **kwargs):
        raise exc
    cli.app = raising
    print(cli.main(["demo"]))
"""


def test_the_cli_starts_and_handles_errors_without_click_or_the_extras(
    groups: Groups,
) -> None:
    extra_only = {
        name for reqs in groups.extras.values() for name in _names(reqs)
    } - _names(groups.base)
    modules = {
        m for m, dists in _module_distributions().items() if set(dists) & extra_only
    }
    blocked = sorted(modules | {"click"})
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_EXTRAS.format(blocked=blocked)],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert (done.returncode, done.stdout.split()) == (0, ["2", "2", "3"]), done.stderr
    assert done.stderr.splitlines() == [
        "error: No such option: --frobnicate. Run 'pipewarden --help' for usage.",
        "Aborted.",
    ]
