"""pipewarden env capture | env diff A B: fingerprints in, exit 1 on an error change."""

from __future__ import annotations

import json
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipewarden.env.fingerprint import Fingerprint

Cli = Callable[..., Any]


def fingerprint(packages: dict[str, str], python: str = "3.11.7") -> Fingerprint:
    return Fingerprint(
        python_version=python,
        python_implementation="CPython",
        python_build=("main", "Jan  1 2024"),
        python_compiler="GCC 12.2.0",
        executable="/venv/bin/python",
        os="Linux",
        os_release="6.1",
        platform="Linux",
        machine="x86_64",
        cpu_count=2,
        hostname="host",
        captured_at="2026-11-01",
        packages=tuple(sorted(packages.items())),
        env=(),
    )


@pytest.fixture
def saved(tmp_path: Path) -> Callable[[str, Fingerprint], Path]:
    def save(name: str, fp: Fingerprint) -> Path:
        path = tmp_path / name
        fp.save(path)
        return path

    return save


def test_capture_writes_a_fingerprint_file(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "env.json"

    run = cli("env", "capture", "-o", target)

    assert run.code == 0
    fp = Fingerprint.load(target)
    assert fp.python_version == platform.python_version()
    assert run.out.strip() == (
        f"Fingerprint of {len(fp.packages)} packages (Python {fp.python_version}) "
        f"written to {target}"
    )


def test_capture_prints_json_without_a_file(cli: Cli) -> None:
    run = cli("env", "capture")

    assert run.code == 0
    data = json.loads(run.out)
    assert data["format"] == "pipewarden/fingerprint"
    assert Fingerprint.from_dict(data).package_version("pipewarden") is not None


def test_capture_records_only_allow_listed_variables(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.setenv("MY_SECRET_TOKEN", "hunter2")

    run = cli("env", "capture")

    assert json.loads(run.out)["env"]["OMP_NUM_THREADS"] == "3"
    assert "hunter2" not in run.out


def test_identical_environments_have_no_differences(cli: Cli, saved: Any) -> None:
    a = saved("a.json", fingerprint({"numpy": "2.1.0"}))
    b = saved("b.json", fingerprint({"numpy": "2.1.0"}))

    run = cli("env", "diff", a, b)

    assert (run.code, run.out.strip()) == (0, f"No differences between {a} and {b}.")


def test_a_python_minor_change_is_an_error_and_exits_1(cli: Cli, saved: Any) -> None:
    a = saved("a.json", fingerprint({"numpy": "2.1.0"}))
    b = saved("b.json", fingerprint({"numpy": "2.1.0"}, python="3.12.1"))

    run = cli("env", "diff", a, b)

    assert run.code == 1
    assert run.out.splitlines()[0] == (
        f"1 difference(s) from {a} to {b}: 1 error(s), 0 warning(s), 0 info"
    )
    assert "python" in run.out


def test_package_changes_matter_when_important(cli: Cli, saved: Any) -> None:
    a = saved("a.json", fingerprint({"numpy": "1.26.4", "rich": "13.0.0"}))
    b = saved("b.json", fingerprint({"numpy": "1.26.5", "rich": "13.0.1"}))

    quiet = cli("env", "diff", a, b)
    loud = cli("env", "diff", a, b, "--important", "numpy", "--json", "-")

    assert quiet.code == 0 and "numpy" in quiet.out and "rich" in quiet.out
    data = json.loads(loud.out)
    assert loud.code == 0
    assert data["max_severity"] == "warning"
    assert [(c["name"], c["severity"]) for c in data["changes"]] == [
        ("numpy", "warning"),
        ("rich", "info"),
    ]


def test_json_to_a_file_still_prints_the_table(
    cli: Cli, saved: Any, tmp_path: Path
) -> None:
    a = saved("a.json", fingerprint({"numpy": "1.26.4"}))
    b = saved("b.json", fingerprint({"numpy": "2.1.0"}))

    run = cli(
        "env", "diff", a, b, "--important", "numpy", "--json", tmp_path / "d.json"
    )

    assert run.code == 1
    assert json.loads((tmp_path / "d.json").read_text())["max_severity"] == "error"
    assert "numpy" in run.out


def test_a_missing_fingerprint_is_one_line(
    cli: Cli, saved: Any, tmp_path: Path
) -> None:
    a = saved("a.json", fingerprint({}))

    run = cli("env", "diff", a, tmp_path / "none.json")

    assert run.code == 2
    assert run.err_lines == [
        f"error: Cannot read fingerprint '{tmp_path / 'none.json'}': No such file or "
        "directory."
    ]
