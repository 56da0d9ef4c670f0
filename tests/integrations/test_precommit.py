"""The pre-commit hook: its entry point, and the real hook through pre-commit try-repo."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipewarden.errors import ConfigError
from pipewarden.integrations.precommit import Rule, load_rules, main, run

ROOT = Path(__file__).resolve().parents[2]


def test_each_file_is_checked_by_its_rule_and_a_bad_one_fails(data_repo: Path) -> None:
    out = io.StringIO()
    files = ["data/orders/good.csv", "data/orders/bad.csv", "data/notes.csv"]

    code = run(files, config=data_repo / "pipewarden-contracts.yaml", out=out)

    lines = out.getvalue().splitlines()
    assert code == 1
    assert lines[0] == "PASS  data/orders/good.csv (contracts/orders.yaml): 300 rows"
    assert lines[1] == "FAIL  data/orders/bad.csv (contracts/orders.yaml): 300 rows"
    assert lines[2].startswith("      error category.unseen plan: Column 'plan'")
    assert (
        "SKIP  data/notes.csv: no rule in pipewarden-contracts.yaml matches it" in lines
    )
    assert lines[-1] == "1 file failed its contract at error or worse."


def test_good_files_pass(data_repo: Path) -> None:
    out = io.StringIO()

    code = run(
        ["data/orders/good.csv"],
        config=data_repo / "pipewarden-contracts.yaml",
        out=out,
    )

    assert code == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("contracts: 3\n", "needs a 'contracts' list"),
        ("contracts:\n  - files: a\n", "Entry 1 of 'contracts'"),
        ("fail_on: info\ncontracts: []\n", "must be 'error' or 'warning', not 'info'"),
        ("contracts: [\n", "is not valid YAML"),
    ],
)
def test_a_bad_config_is_one_line_and_exit_2(
    tmp_path: Path, text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(text, encoding="utf-8")

    with pytest.raises(ConfigError, match=message):
        load_rules(config)
    assert main(["x.csv", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pipewarden: ") and message in err


@pytest.mark.parametrize(
    ("glob", "path", "matches"),
    [
        ("data/*.csv", "data/a.csv", True),
        ("data/*.csv", "data/x/a.csv", False),
        ("data/**/*.csv", "data/x/y/a.csv", True),
        ("data/**/*.csv", "data/a.csv", True),
        ("data/?.csv", "data/ab.csv", False),
        ("data/a+b.csv", "data/a+b.csv", True),
    ],
)
def test_globs(glob: str, path: str, matches: bool) -> None:
    assert Rule(glob, "c.yaml").matches(path) is matches


# ------------------------------------------------------------ the real hook
def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _hook_env(tmp_path: Path) -> dict[str, str]:
    """pipewarden on PATH (this venv's python) and this checkout's code."""
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT / "src"),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_pre_commit_try_repo_runs_the_hook_on_staged_files(
    data_repo: Path, tmp_path: Path
) -> None:
    env = _hook_env(tmp_path)
    _git(data_repo, "init", "-q")
    _git(
        data_repo,
        "add",
        "pipewarden-contracts.yaml",
        "contracts",
        "data/orders/good.csv",
    )

    def hook() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "pre_commit",
                "try-repo",
                str(ROOT),
                "pipewarden-check",
            ],
            cwd=data_repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    good = hook()
    _git(data_repo, "add", "data/orders/bad.csv", "data/notes.csv")
    bad = hook()

    assert good.returncode == 0, good.stdout + good.stderr
    assert "pipewarden check (data files against their contracts)" in good.stdout
    assert "Passed" in good.stdout
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "FAIL  data/orders/bad.csv (contracts/orders.yaml): 300 rows" in bad.stdout
    assert "SKIP  data/notes.csv" in bad.stdout
