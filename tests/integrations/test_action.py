"""The GitHub Action, run locally: action.yml parsed, each step's script run by bash
with its inputs as the runner would set them, in a data repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import xmlschema
import yaml
from junitparser import JUnitXml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = xmlschema.XMLSchema(ROOT / "tests" / "data" / "junit.xsd")
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}")

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _run_action(repo: Path, inputs: dict[str, str], tmp_path: Path) -> dict[str, Any]:
    """Run the composite action's steps in order, as a runner does: defaults filled
    in, ${{ inputs.* }} replaced in each step's env, bash in the workspace; stops at
    the first failing step."""
    given = {k: v.get("default", "") for k, v in ACTION["inputs"].items()} | inputs
    for name, spec in ACTION["inputs"].items():
        assert not spec.get("required") or name in inputs, name
    tmp_path.mkdir(exist_ok=True)
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    summary.touch()
    output.touch()
    base = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT / "src"),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(output),
        "COLUMNS": "200",
    }
    codes = []
    assert ACTION["runs"]["using"] == "composite"
    for step in ACTION["runs"]["steps"]:
        assert step["shell"] == "bash"
        env = {
            k: EXPRESSION.sub(lambda m: given[m.group(1)], str(v))
            for k, v in step.get("env", {}).items()
        }
        done = subprocess.run(
            [
                "bash",
                "--noprofile",
                "--norc",
                "-e",
                "-o",
                "pipefail",
                "-c",
                step["run"],
            ],
            cwd=repo,
            env={**base, **env},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        codes.append(done.returncode)
        if done.returncode:
            break
    outputs = dict(
        line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
    )
    return {"codes": codes, "summary": summary.read_text(), "outputs": outputs}


def test_a_bad_file_fails_the_step_with_junit_and_a_summary(
    data_repo: Path, tmp_path: Path
) -> None:
    ran = _run_action(
        data_repo,
        {
            "contract": "contracts/orders.yaml",
            "data": "data/orders/*.csv",
            "install": "",
        },
        tmp_path,
    )

    assert ran["codes"] == [0, 1]
    assert ran["outputs"] == {"junit-dir": "pipewarden-junit", "status": "fail"}
    headings = [s for s in ran["summary"].splitlines() if s.startswith("### ")]
    assert headings == [
        "### \u274c pipewarden check: bad.csv: FAIL",
        "### \u2705 pipewarden check: good.csv: PASS",
    ]
    reports = sorted((data_repo / "pipewarden-junit").glob("*.xml"))
    assert len(reports) == 2
    failures = []
    for path in reports:
        SCHEMA.validate(str(path))
        suite = next(iter(JUnitXml.fromfile(str(path))))
        failures.append((suite.name, suite.failures))
    assert failures == [
        ("pipewarden check: bad.csv", 1),
        ("pipewarden check: good.csv", 0),
    ]


def test_fail_on_reaches_the_check(data_repo: Path, tmp_path: Path) -> None:
    inputs = {
        "contract": "contracts/orders.yaml",
        "data": "data/**/good.csv",
        "install": "",
    }

    passed = _run_action(data_repo, inputs, tmp_path / "a")
    refused = _run_action(data_repo, {**inputs, "fail-on": "info"}, tmp_path / "b")

    assert passed["codes"] == [0, 0]
    assert passed["outputs"]["status"] == "pass"
    assert refused["codes"] == [0, 2]  # --fail-on must be error or warning
    assert refused["outputs"]["status"] == "fail"


def test_no_matching_file_is_an_error_not_a_silent_pass(
    data_repo: Path, tmp_path: Path
) -> None:
    ran = _run_action(
        data_repo,
        {"contract": "contracts/orders.yaml", "data": "nothing/*.csv", "install": ""},
        tmp_path,
    )

    assert ran["codes"] == [0, 2]
    assert ran["outputs"]["status"] == "fail"
