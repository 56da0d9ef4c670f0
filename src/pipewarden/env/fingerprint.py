"""Fingerprints of the environment a model runs in: Python, OS, CPU, packages, code.

A fingerprint taken where a model was trained, compared (with ``pipewarden.env.diff``)
to one taken in production, says which differences may change its predictions.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import socket
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from pipewarden.errors import EnvError

__all__ = [
    "ENV_ALLOW_LIST",
    "CodeVersion",
    "Fingerprint",
    "capture",
    "code_version",
]

logger = logging.getLogger(__name__)

FORMAT = "pipewarden/fingerprint"
FORMAT_VERSION = 1

ENV_ALLOW_LIST: frozenset[str] = frozenset(
    {
        "PYTHONHASHSEED",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "NUMEXPR_NUM_THREADS",
        "VECLIB_MAXIMUM_THREADS",
        "POLARS_MAX_THREADS",
        "TZ",
        "LANG",
        "LC_ALL",
        "CUDA_VISIBLE_DEVICES",
        "CUBLAS_WORKSPACE_CONFIG",
        "PYSPARK_PYTHON",
        "PYSPARK_DRIVER_PYTHON",
        "JAVA_HOME",
        "VIRTUAL_ENV",
        "CONDA_DEFAULT_ENV",
    }
)
"""The only environment variables a fingerprint records, matched exactly.

They change results (thread counts, hash seeds, locale, devices) or say which
interpreter ran. Nothing else is read, so tokens, passwords and keys never reach a
fingerprint, whatever they are called.
"""

GIT_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class CodeVersion:
    """Where the code stands in git.

    Attributes:
        commit: Full sha of ``HEAD``.
        branch: Branch checked out, or None when ``HEAD`` is detached.
        dirty: True when tracked files have changes or untracked files (not ignored)
            exist, so the commit alone does not describe the code.
    """

    commit: str
    branch: str | None
    dirty: bool

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"commit": self.commit, "branch": self.branch, "dirty": self.dirty}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CodeVersion:
        """Build a CodeVersion from the output of :meth:`to_dict`.

        Raises:
            PipewardenError: A key is missing.
        """
        _require(
            data,
            ("commit", "branch", "dirty"),
            "code version",
            "pipewarden.env.code_version()",
        )
        branch = data["branch"]
        return cls(
            commit=str(data["commit"]),
            branch=None if branch is None else str(branch),
            dirty=bool(data["dirty"]),
        )


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """The environment a model was trained or runs in, as a plain value.

    Build one with :func:`capture`. ``packages`` and ``env`` are sorted tuples of
    ``(name, value)`` pairs so the fingerprint stays immutable and hashable.

    Attributes:
        python_version: ``platform.python_version()``, e.g. ``"3.11.7"``.
        python_implementation: e.g. ``"CPython"``.
        python_build: ``platform.python_build()``: build number and date.
        python_compiler: Compiler the interpreter was built with.
        executable: Path of the interpreter.
        os: ``platform.system()``, e.g. ``"Linux"``.
        os_release: ``platform.release()``.
        platform: ``platform.platform()``, the long form.
        machine: CPU architecture, ``platform.machine()``, e.g. ``"x86_64"``.
        cpu_count: Logical CPUs, or None when unknown.
        hostname: Name of the host.
        captured_at: When the fingerprint was taken, UTC ISO 8601.
        packages: Installed distributions as ``(PEP 503 name, version)``, sorted.
        env: Allow-listed environment variables (see ``ENV_ALLOW_LIST``), sorted.
    """

    python_version: str
    python_implementation: str
    python_build: tuple[str, str]
    python_compiler: str
    executable: str
    os: str
    os_release: str
    platform: str
    machine: str
    cpu_count: int | None
    hostname: str
    captured_at: str
    packages: tuple[tuple[str, str], ...]
    env: tuple[tuple[str, str], ...]

    @property
    def digest(self) -> str:
        """Sha256 (hex) of what decides behaviour: Python, OS, CPU arch and packages.

        Host name, paths, timestamps, OS release and environment variables are left
        out, so two machines built from the same lock file share a digest.
        """
        canonical = json.dumps(
            {
                "machine": self.machine,
                "os": self.os,
                "packages": [list(pair) for pair in self.packages],
                "python_implementation": self.python_implementation,
                "python_version": self.python_version,
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=True,
        )
        return hashlib.sha256(canonical.encode("ascii")).hexdigest()

    def package_version(self, name: str) -> str | None:
        """Return the installed version of a distribution, or None if it is absent.

        Args:
            name: Distribution name in any spelling (``scikit_learn`` works).
        """
        wanted = canonicalize_name(name)
        return next((v for n, v in self.packages if n == wanted), None)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict, tagged with its format and version."""
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "python_version": self.python_version,
            "python_implementation": self.python_implementation,
            "python_build": list(self.python_build),
            "python_compiler": self.python_compiler,
            "executable": self.executable,
            "os": self.os,
            "os_release": self.os_release,
            "platform": self.platform,
            "machine": self.machine,
            "cpu_count": self.cpu_count,
            "hostname": self.hostname,
            "captured_at": self.captured_at,
            "packages": dict(self.packages),
            "env": dict(self.env),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fingerprint:
        """Build a Fingerprint from the output of :meth:`to_dict`.

        Raises:
            PipewardenError: The dict is not a fingerprint, is from a newer
                pipewarden, or misses a key.
        """
        _check_format(data)
        _require(data, _FIELDS, "fingerprint", "pipewarden.env.capture()")
        build_number, build_date = (str(part) for part in data["python_build"])
        cpu_count = data["cpu_count"]
        return cls(
            python_version=str(data["python_version"]),
            python_implementation=str(data["python_implementation"]),
            python_build=(build_number, build_date),
            python_compiler=str(data["python_compiler"]),
            executable=str(data["executable"]),
            os=str(data["os"]),
            os_release=str(data["os_release"]),
            platform=str(data["platform"]),
            machine=str(data["machine"]),
            cpu_count=None if cpu_count is None else int(cpu_count),
            hostname=str(data["hostname"]),
            captured_at=str(data["captured_at"]),
            packages=_sorted_pairs(data["packages"].items()),
            env=_sorted_pairs(data["env"].items()),
        )

    def save(self, path: str | Path) -> None:
        """Write the fingerprint to a JSON file.

        Args:
            path: File to write; it is replaced if it exists.
        """
        text = json.dumps(self.to_dict(), indent=2, sort_keys=True)
        Path(path).write_text(text + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Fingerprint:
        """Read a fingerprint written by :meth:`save`.

        Raises:
            PipewardenError: The file cannot be read, is not JSON, or is not a
                fingerprint.
        """
        p = Path(path)
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except OSError as exc:
            raise EnvError(f"Cannot read fingerprint '{p}': {exc.strerror}.") from exc
        except json.JSONDecodeError as exc:
            raise EnvError(
                f"Fingerprint '{p}' is not valid JSON: {exc.msg} at line {exc.lineno}. "
                "Write it again with Fingerprint.save()."
            ) from exc
        if not isinstance(data, dict):
            raise EnvError(
                f"Fingerprint '{p}' must hold a JSON object. "
                "Write it again with Fingerprint.save()."
            )
        return cls.from_dict(data)


_FIELDS = tuple(Fingerprint.__dataclass_fields__)


def capture(environ: Mapping[str, str] | None = None) -> Fingerprint:
    """Fingerprint the running interpreter, this machine and its installed packages.

    Args:
        environ: Environment to read allow-listed variables from (see
            ``ENV_ALLOW_LIST``); defaults to ``os.environ``. No other variable is
            ever recorded.

    Returns:
        The fingerprint, stamped with the current UTC time.

    Example:
        >>> fp = capture()
        >>> fp.save("model/fingerprint.json")
    """
    env = os.environ if environ is None else environ
    return Fingerprint(
        python_version=platform.python_version(),
        python_implementation=platform.python_implementation(),
        python_build=platform.python_build(),
        python_compiler=platform.python_compiler(),
        executable=sys.executable,
        os=platform.system(),
        os_release=platform.release(),
        platform=platform.platform(),
        machine=platform.machine(),
        cpu_count=os.cpu_count(),
        hostname=socket.gethostname(),
        captured_at=datetime.now(UTC).isoformat(timespec="seconds"),
        packages=_installed_packages(),
        env=_sorted_pairs((k, v) for k, v in env.items() if k in ENV_ALLOW_LIST),
    )


def code_version(
    path: str | Path = ".", *, timeout: float = GIT_TIMEOUT_SECONDS
) -> CodeVersion | None:
    """Return the git commit, branch and dirty flag of the repository holding ``path``.

    Args:
        path: A directory (or file) inside the working tree.
        timeout: Seconds to wait for git before giving up.

    Returns:
        The code version, or None when ``path`` is not in a git repository, the
        repository has no commit yet, git is not installed, or git times out.
    """
    directory = Path(path)
    if directory.is_file():
        directory = directory.parent
    try:
        completed = subprocess.run(
            [
                "git",
                "--no-optional-locks",  # never take index.lock from a running commit
                "-C",
                str(directory),
                "status",
                "--porcelain=v2",
                "--branch",
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        logger.debug("No git code version for %s: %s", directory, exc)
        return None
    return _parse_status(completed.stdout)


def _parse_status(output: str) -> CodeVersion | None:
    """Read ``git status --porcelain=v2 --branch``: headers start with ``#``."""
    headers: dict[str, str] = {}
    dirty = False
    for line in output.splitlines():
        if line.startswith("# "):
            key, _, value = line[2:].partition(" ")
            headers[key] = value
        elif line:
            dirty = True
    commit = headers.get("branch.oid")
    if commit is None or commit == "(initial)":
        return None
    branch = headers.get("branch.head")
    return CodeVersion(
        commit=commit,
        branch=None if branch in (None, "(detached)") else branch,
        dirty=dirty,
    )


def _installed_packages() -> tuple[tuple[str, str], ...]:
    """Installed distributions; the first found on ``sys.path`` wins, as imports do."""
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        meta = dist.metadata
        if "Name" not in meta or "Version" not in meta:  # e.g. a half-removed install
            continue
        found.setdefault(canonicalize_name(meta["Name"]), meta["Version"])
    return _sorted_pairs(found.items())


def _sorted_pairs(items: Iterable[tuple[Any, Any]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in items))


def _check_format(data: Mapping[str, Any]) -> None:
    if data.get("format") != FORMAT:
        raise EnvError(
            f"This is not a pipewarden fingerprint (no 'format: {FORMAT}'). "
            "Create one with pipewarden.env.capture()."
        )
    version = data.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise EnvError(
            f"Fingerprint format version {version!r} is not one this pipewarden reads "
            f"(up to {FORMAT_VERSION}). Upgrade pipewarden."
        )


def _require(
    data: Mapping[str, Any], keys: tuple[str, ...], what: str, maker: str
) -> None:
    missing = [key for key in keys if key not in data]
    if missing:
        raise EnvError(
            f"The {what} has no {', '.join(repr(k) for k in missing)}. "
            f"Make it again with {maker}."
        )
