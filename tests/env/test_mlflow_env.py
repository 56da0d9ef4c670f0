"""An environment fingerprint as MLflow's python_env.yaml + requirements.txt, both
ways: read back by MLflow's own parsers, and read from what MLflow writes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pipewarden.env.diff import diff
from pipewarden.env.fingerprint import capture
from pipewarden.env.mlflow_env import (
    from_mlflow_files,
    load_mlflow_env,
    requirement_names,
    to_mlflow_files,
)
from pipewarden.errors import EnvError
from pipewarden.workflows.environments import export_environment
from store_helpers import make_fingerprint

PACKAGES = {
    "numpy": "2.1.0",
    "scikit-learn": "1.5.2",
    "pip": "24.0",
    "setuptools": "70.0.0",
    "wheel": "0.43.0",
}


def test_the_files_round_trip_to_the_same_python_and_packages() -> None:
    fingerprint = make_fingerprint(PACKAGES)
    files = to_mlflow_files(fingerprint)
    back = from_mlflow_files(files["python_env.yaml"], files["requirements.txt"])
    assert back.python_version == "3.11.7"
    assert back.packages == fingerprint.packages
    assert files["requirements.txt"] == "numpy==2.1.0\nscikit-learn==1.5.2\n"


def test_mlflow_reads_the_exported_files_as_it_reads_its_own(tmp_path: Path) -> None:
    environment = pytest.importorskip("mlflow.utils.environment")
    requirements_utils = pytest.importorskip("mlflow.utils.requirements_utils")
    written = export_environment(tmp_path, fingerprint=make_fingerprint(PACKAGES))
    assert [p.name for p in written] == ["python_env.yaml", "requirements.txt"]
    env = environment._PythonEnv.from_yaml(str(tmp_path / "python_env.yaml"))
    assert env.python == "3.11.7"
    assert env.build_dependencies == [
        "pip==24.0",
        "setuptools==70.0.0",
        "wheel==0.43.0",
    ]
    assert env.dependencies == ["-r requirements.txt"]
    parsed = requirements_utils._parse_requirements(
        str(tmp_path / "requirements.txt"), is_constraint=False
    )
    assert [r.req_str for r in parsed] == ["numpy==2.1.0", "scikit-learn==1.5.2"]


def test_only_exact_pins_are_versions_and_every_name_is_a_requirement() -> None:
    requirements = (
        "# logged by mlflow\nmlflow==3.18.0\nScikit_Learn==1.5.2\npandas<3\n"
        "numpy==2.*\n-r extra.txt\ncloudpickle===3.1.0 ; python_version >= '3.8'\n"
    )
    back = from_mlflow_files("python: 3.12.1\n", requirements)
    assert dict(back.packages) == {
        "cloudpickle": "3.1.0",
        "mlflow": "3.18.0",
        "scikit-learn": "1.5.2",
    }
    assert requirement_names(requirements) == (
        "cloudpickle",
        "mlflow",
        "numpy",
        "pandas",
        "scikit-learn",
    )


def test_a_logged_environment_compares_python_and_packages_but_not_the_unknown_os(
    tmp_path: Path,
) -> None:
    here = capture()
    (tmp_path / "python_env.yaml").write_text("python: 2.7.18\n")
    (tmp_path / "requirements.txt").write_text("polars==0.0.1\n")
    logged = load_mlflow_env(tmp_path)
    result = diff(logged, here, important=["polars"])
    by_name = {c.name: c for c in result.changes}
    assert by_name["python"].severity.value == "error"
    assert (by_name["polars"].before, by_name["polars"].after) == (
        "0.0.1",
        here.package_version("polars"),
    )
    assert {"os", "architecture", "implementation"}.isdisjoint(by_name)
    known = dataclasses.replace(logged, os="Plan9", machine=here.machine)
    assert "os" in {c.name for c in diff(known, here).changes}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("build_dependencies: []\n", "python_env.yaml names no Python version"),
        ("python: [unclosed\n", "python_env.yaml is not YAML"),
    ],
)
def test_a_bad_python_env_is_a_one_line_error(text: str, message: str) -> None:
    with pytest.raises(EnvError, match=message):
        from_mlflow_files(text, "")


def test_a_folder_without_the_files_says_what_to_point_at(tmp_path: Path) -> None:
    with pytest.raises(EnvError, match="Point at a folder holding python_env.yaml"):
        load_mlflow_env(tmp_path)
