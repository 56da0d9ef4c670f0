from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy
import pytest
from packaging.utils import canonicalize_name

from pipewarden.env import CodeVersion, Fingerprint, capture, code_version
from pipewarden.env.fingerprint import ENV_ALLOW_LIST
from pipewarden.errors import PipewardenError

SECRETS = {
    "GITHUB_TOKEN": "ghp_secret1",
    "DB_PASSWORD": "hunter2",
    "AWS_SECRET_ACCESS_KEY": "aws-secret",
    "AWS_ACCESS_KEY_ID": "AKIASECRET",
    "PIPEWARDEN_STORE_URL": "postgresql://user:pw@db/prod",
    "OPENAI_API_KEY": "sk-secret",
    "omp_num_threads": "lower-case is not the allowed name",
}


def make_fingerprint(**overrides: Any) -> Fingerprint:
    fields: dict[str, Any] = {
        "python_version": "3.11.7",
        "python_implementation": "CPython",
        "python_build": ("main", "Jan  1 2024 00:00:00"),
        "python_compiler": "GCC 12.2.0",
        "executable": "/opt/venv/bin/python",
        "os": "Linux",
        "os_release": "6.1.0",
        "platform": "Linux-6.1.0-x86_64-with-glibc2.36",
        "machine": "x86_64",
        "cpu_count": 8,
        "hostname": "trainer-1",
        "captured_at": "2024-01-01T00:00:00+00:00",
        "packages": (("numpy", "1.26.4"), ("scikit-learn", "1.4.0")),
        "env": (("OMP_NUM_THREADS", "4"), ("PYTHONHASHSEED", "0")),
    }
    fields.update(overrides)
    return Fingerprint(**fields)


# ---------------------------------------------------------------- capture


def test_capture_reports_the_running_python() -> None:
    fp = capture({})

    assert fp.python_version == platform.python_version()
    assert fp.python_version.startswith(f"{sys.version_info[0]}.{sys.version_info[1]}.")
    assert fp.python_implementation == platform.python_implementation()
    assert fp.python_build == platform.python_build()
    assert fp.executable == sys.executable
    assert fp.os == platform.system()
    assert fp.machine == platform.machine()


def test_capture_lists_numpy_with_its_version() -> None:
    fp = capture({})

    assert fp.package_version("numpy") == numpy.__version__
    assert ("numpy", numpy.__version__) in fp.packages


def test_capture_lists_packages_sorted_unique_and_normalised() -> None:
    names = [name for name, _ in capture({}).packages]

    assert names == sorted(set(names))
    assert all(name == canonicalize_name(name) for name in names)


def test_capture_stamps_utc_time() -> None:
    stamp = datetime.fromisoformat(capture({}).captured_at)

    assert stamp.utcoffset() == timedelta(0)


def test_capture_keeps_only_allow_listed_environment_variables() -> None:
    environ = {**SECRETS, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "4", "TZ": "UTC"}

    fp = capture(environ)

    assert dict(fp.env) == {"OMP_NUM_THREADS": "4", "PYTHONHASHSEED": "0", "TZ": "UTC"}
    text = json.dumps(fp.to_dict())
    for name, value in SECRETS.items():
        assert value not in text
        assert name not in text


def test_capture_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLARS_MAX_THREADS", "3")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret1")

    env = dict(capture().env)

    assert env["POLARS_MAX_THREADS"] == "3"
    assert "GITHUB_TOKEN" not in env
    assert set(env) <= ENV_ALLOW_LIST


def test_capture_reads_only_the_given_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONHASHSEED", "123")

    assert capture({}).env == ()


def test_allow_list_names_no_secret_looking_variable() -> None:
    for name in ENV_ALLOW_LIST:
        assert not any(w in name for w in ("TOKEN", "PASSWORD", "SECRET", "KEY"))


# ---------------------------------------------------------------- round trip


def test_fingerprint_round_trips_through_dict_and_json() -> None:
    fp = capture({"PYTHONHASHSEED": "0"})

    again = Fingerprint.from_dict(json.loads(json.dumps(fp.to_dict())))

    assert again == fp
    assert again.digest == fp.digest


def test_fingerprint_saves_and_loads(tmp_path: Path) -> None:
    fp = make_fingerprint()
    path = tmp_path / "fingerprint.json"

    fp.save(path)

    assert Fingerprint.load(path) == fp
    assert json.loads(path.read_text())["format"] == "pipewarden/fingerprint"


def test_to_dict_shape() -> None:
    data = make_fingerprint().to_dict()

    assert data["packages"] == {"numpy": "1.26.4", "scikit-learn": "1.4.0"}
    assert data["env"] == {"OMP_NUM_THREADS": "4", "PYTHONHASHSEED": "0"}
    assert data["python_build"] == ["main", "Jan  1 2024 00:00:00"]
    assert data["version"] == 1


def test_package_version_accepts_any_spelling() -> None:
    fp = make_fingerprint()

    assert fp.package_version("Scikit_Learn") == "1.4.0"
    assert fp.package_version("pandas") is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"format": "pipewarden/profile"},
            "This is not a pipewarden fingerprint "
            "(no 'format: pipewarden/fingerprint'). "
            "Create one with pipewarden.env.capture().",
        ),
        (
            {"format": "pipewarden/fingerprint", "version": 2},
            "Fingerprint format version 2 is not one this pipewarden reads (up to 1). "
            "Upgrade pipewarden.",
        ),
        (
            {"format": "pipewarden/fingerprint", "version": 1, "python_version": "3"},
            "The fingerprint has no 'python_implementation', 'python_build', "
            "'python_compiler', 'executable', 'os', 'os_release', 'platform', "
            "'machine', 'cpu_count', 'hostname', 'captured_at', 'packages', 'env'. "
            "Make it again with pipewarden.env.capture().",
        ),
    ],
)
def test_from_dict_rejects_what_is_not_a_fingerprint(
    data: dict[str, Any], message: str
) -> None:
    with pytest.raises(PipewardenError) as info:
        Fingerprint.from_dict(data)

    assert str(info.value) == message


def test_load_reports_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"

    with pytest.raises(PipewardenError) as info:
        Fingerprint.load(path)

    assert (
        str(info.value)
        == f"Cannot read fingerprint '{path}': No such file or directory."
    )


def test_load_reports_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json")

    with pytest.raises(PipewardenError) as info:
        Fingerprint.load(path)

    assert str(info.value) == (
        f"Fingerprint '{path}' is not valid JSON: Expecting property name enclosed in "
        "double quotes at line 1. Write it again with Fingerprint.save()."
    )


def test_load_reports_json_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[]")

    with pytest.raises(PipewardenError) as info:
        Fingerprint.load(path)

    assert str(info.value) == (
        f"Fingerprint '{path}' must hold a JSON object. "
        "Write it again with Fingerprint.save()."
    )


# ---------------------------------------------------------------- digest


def test_digest_is_sha256_of_canonical_json_and_pinned() -> None:
    # The digest is stored next to models; changing how it is computed breaks them.
    canonical = (
        '{"machine":"x86_64","os":"Linux",'
        '"packages":[["numpy","1.26.4"],["scikit-learn","1.4.0"]],'
        '"python_implementation":"CPython","python_version":"3.11.7"}'
    )

    digest = make_fingerprint().digest

    assert digest == hashlib.sha256(canonical.encode()).hexdigest()
    assert digest == "64356e96e7a6bb4bd594ba33c510dac158dd7c7545b19d1ded08ed34f5499528"


@pytest.mark.parametrize(
    "change",
    [
        {"hostname": "server-9"},
        {"captured_at": "2030-01-01T00:00:00+00:00"},
        {"executable": "/usr/bin/python3"},
        {"env": ()},
        {"cpu_count": None},
        {"os_release": "6.8.0"},
        {"platform": "Linux-6.8.0-x86_64-with-glibc2.39"},
        {"python_build": ("tags/v3.11.7", "Dec  4 2023")},
    ],
)
def test_digest_ignores_where_and_when(change: dict[str, Any]) -> None:
    assert make_fingerprint(**change).digest == make_fingerprint().digest


@pytest.mark.parametrize(
    "change",
    [
        {"python_version": "3.11.8"},
        {"python_implementation": "PyPy"},
        {"os": "Darwin"},
        {"machine": "arm64"},
        {"packages": (("numpy", "1.26.4"), ("scikit-learn", "1.4.1"))},
        {"packages": (("numpy", "1.26.4"),)},
    ],
)
def test_digest_follows_what_matters(change: dict[str, Any]) -> None:
    assert make_fingerprint(**change).digest != make_fingerprint().digest


def test_digest_is_stable_across_captures() -> None:
    assert capture({"TZ": "UTC"}).digest == capture({}).digest


# ---------------------------------------------------------------- code_version

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com"]
    command += ["-c", "commit.gpgsign=false", "-C", str(repo), *args]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "train.py").write_text("print('train')\n")
    git(path, "add", "train.py")
    git(path, "commit", "-q", "-m", "first")
    return path


@needs_git
def test_code_version_of_a_clean_repo(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()

    assert code_version(repo) == CodeVersion(commit=head, branch="main", dirty=False)


@needs_git
def test_code_version_is_dirty_after_an_edit(repo: Path) -> None:
    (repo / "train.py").write_text("print('changed')\n")

    version = code_version(repo)

    assert version is not None
    assert version.dirty is True


@needs_git
def test_code_version_is_dirty_with_an_untracked_file(repo: Path) -> None:
    (repo / "new_feature.py").write_text("x = 1\n")

    version = code_version(str(repo / "train.py"))

    assert version is not None
    assert version.dirty is True


@needs_git
def test_code_version_ignores_gitignored_files(repo: Path) -> None:
    (repo / ".gitignore").write_text("model.pkl\n")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-q", "-m", "ignore")
    (repo / "model.pkl").write_bytes(b"\x00")

    version = code_version(repo)

    assert version is not None
    assert version.dirty is False


@needs_git
def test_code_version_with_a_detached_head_has_no_branch(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "-q", "--detach")

    assert code_version(repo) == CodeVersion(commit=head, branch=None, dirty=False)


@needs_git
def test_code_version_is_none_before_the_first_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    git(tmp_path, "init", "-q")

    assert code_version(tmp_path) is None


@needs_git
def test_code_version_is_none_outside_a_repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    outside = tmp_path / "plain"
    outside.mkdir()

    assert code_version(outside) is None


@needs_git
def test_code_version_is_none_when_git_is_missing(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "")

    assert code_version(repo) is None


def test_code_version_is_none_when_git_times_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def slow(*args: Any, **kwargs: Any) -> None:
        raise subprocess.TimeoutExpired(cmd="git", timeout=kwargs["timeout"])

    monkeypatch.setattr(subprocess, "run", slow)

    assert code_version(tmp_path, timeout=0.1) is None


def test_code_version_round_trips_through_dict() -> None:
    version = CodeVersion(commit="a" * 40, branch=None, dirty=True)

    assert CodeVersion.from_dict(version.to_dict()) == version
    assert version.to_dict() == {"commit": "a" * 40, "branch": None, "dirty": True}


def test_fingerprint_is_a_frozen_value() -> None:
    fp = make_fingerprint()

    with pytest.raises(dataclasses.FrozenInstanceError):
        fp.hostname = "other"  # type: ignore[misc]  # proving it is frozen
    assert hash(fp) == hash(make_fingerprint())
