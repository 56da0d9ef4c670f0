"""`import pipewarden` stays cheap: heavy or optional stacks load only when used."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ["fastapi", "sqlalchemy", "alembic", "typer", "pyspark", "psycopg", "jinja2"]


def modules_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint('\\n'.join(sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return {name.split(".")[0] for name in done.stdout.split()}


@pytest.fixture(scope="module")
def after_import() -> set[str]:
    return modules_after("import pipewarden")


@pytest.mark.parametrize("package", HEAVY)
def test_import_pipewarden_does_not_load(after_import: set[str], package: str) -> None:
    assert package not in after_import


def test_the_public_store_api_loads_sqlalchemy_only_when_called() -> None:
    loaded = modules_after(
        "import pipewarden as pw\n"
        "from pipewarden.store import MetricSeries, Run, open_store\n"
        "from pipewarden.monitor.environment import packages_referenced\n"
        "pw.register_model, pw.check_environment, pw.open_store"
    )

    assert "sqlalchemy" not in loaded and "alembic" not in loaded


def test_opening_a_store_loads_sqlalchemy() -> None:
    loaded = modules_after(
        "import pipewarden as pw\npw.open_store('sqlite://').close()"
    )

    assert "sqlalchemy" in loaded
