"""The version lives in a leaf module, so any part of pipewarden can import it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import pipewarden
from pipewarden import _version

SOURCE = Path(_version.__file__)


def test_the_package_version_is_the_one_in_the_leaf_module() -> None:
    assert pipewarden.__version__ == _version.__version__
    assert "__version__" not in pipewarden.__all__


def test_the_version_module_imports_nothing() -> None:
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    imports = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
    ]

    assert imports == []


def test_pyproject_reads_the_version_from_the_leaf_module() -> None:
    import tomllib

    pyproject = SOURCE.parents[2] / "pyproject.toml"
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))

    assert "version" in config["project"]["dynamic"]
    assert "version" not in config["project"]
    assert config["tool"]["hatch"]["version"]["path"] == "src/pipewarden/_version.py"


@pytest.mark.parametrize(
    "code",
    [
        "from pipewarden.report import render_report",
        "import pipewarden\nfrom pipewarden.report import render_report",
        "from pipewarden.report import render_report\nimport pipewarden",
        "import pipewarden.report\nimport pipewarden\npipewarden.report.render_report",
        "import pipewarden.report.html\nassert pipewarden.report.html.__version__",
    ],
    ids=[
        "report alone",
        "report after the package",
        "report before the package",
        "report module first",
        "report html first",
    ],
)
def test_the_report_imports_in_any_order_in_a_fresh_interpreter(code: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
