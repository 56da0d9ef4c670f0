"""Settings, resolved once: defaults < pipewarden.yaml < PIPEWARDEN_* env < explicit arguments.

The CLI (or a server) calls :func:`load_settings` once and passes the result down;
library functions take plain parameters and never read the environment themselves.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ByteSize,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
)

from pipewarden.errors import ConfigError

__all__ = [
    "CONFIG_FILE",
    "DEFAULT_MEMORY_BUDGET",
    "DEFAULT_STORE_URL",
    "ENV_PREFIX",
    "Settings",
    "load_settings",
    "parse_memory",
]

DEFAULT_STORE_URL = "sqlite:///.pipewarden/pipewarden.db"
"""The embedded store: a SQLite file under the working directory."""
DEFAULT_MEMORY_BUDGET = 1 << 30
"""Bytes a profile may use whatever the input size (1 GiB): chunks shrink to fit."""
MIN_MEMORY_BUDGET = 384 << 20
"""The least budget accepted: the interpreter and libraries take about 150 MiB, and
a chunk needs room beside them."""
CONFIG_FILE = "pipewarden.yaml"
ENV_PREFIX = "PIPEWARDEN_"


class Settings(BaseModel):
    """Everything pipewarden can be configured with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    store_url: str = Field(
        DEFAULT_STORE_URL,
        description="SQLAlchemy URL of the store: a SQLite file or a PostgreSQL server.",
    )
    history_window: int = Field(
        20, ge=2, description="Runs in the rolling window history anomalies compare to."
    )
    memory_budget: ByteSize = Field(
        ByteSize(DEFAULT_MEMORY_BUDGET),
        ge=MIN_MEMORY_BUDGET,
        description="Peak memory of reading and profiling one input, whatever its "
        "size: '1GiB', '512MB' or bytes. Chunks shrink to fit.",
    )


_BYTES = TypeAdapter(ByteSize)


def parse_yaml(text: str, *, source: str) -> Any:
    """YAML text as data; a syntax mistake is a ConfigError naming ``source`` and the
    line (for the YAML files users write: rules, schedules)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(
            f"{source}{where}: invalid YAML ({problem}). Fix the syntax there."
        ) from exc


def parse_memory(value: str | int, *, option: str = "memory budget") -> int:
    """Bytes from '1GiB', '512MB', '2G' or a number of bytes.

    Raises:
        ConfigError: Not a size, or below the least budget (384 MiB).
    """
    try:
        size = int(_BYTES.validate_python(value))
    except ValidationError as exc:
        raise ConfigError(
            f"The {option} '{value}' is not a size. Write it as e.g. 1GiB, 512MB "
            "or a number of bytes."
        ) from exc
    if size < MIN_MEMORY_BUDGET:
        raise ConfigError(
            f"The {option} {value} is below the least pipewarden can work in "
            f"({MIN_MEMORY_BUDGET >> 20} MiB: the libraries take about 150 MiB). "
            "Give at least 384MiB."
        )
    return size


def load_settings(
    *,
    environ: Mapping[str, str],
    directory: str | Path = ".",
    **overrides: Any,
) -> Settings:
    """Resolve settings from defaults, the config file, the environment and arguments.

    The config file is ``pipewarden.yaml`` in ``directory``, else the
    ``[tool.pipewarden]`` table of ``pyproject.toml`` there. An environment variable
    ``PIPEWARDEN_<SETTING>`` (e.g. ``PIPEWARDEN_STORE_URL``) overrides the file, and
    an argument that is not None overrides both.

    Args:
        environ: The environment to read ``PIPEWARDEN_*`` variables from.
        directory: Where to look for the config file.
        **overrides: Explicit values; None means "not given".

    Returns:
        The settings.

    Raises:
        ConfigError: The file cannot be read, or a value or key is invalid.

    Example:
        >>> settings = load_settings(environ=os.environ, store_url=cli_store)
    """
    values: dict[str, Any] = {}
    source = "defaults"
    found = _read_config_file(Path(directory))
    if found is not None:
        source, from_file = found
        values.update(from_file)
    values.update(_from_environ(environ))
    values.update({key: value for key, value in overrides.items() if value is not None})
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"])
        raise ConfigError(
            f"Setting '{key}' from {source}, {ENV_PREFIX}{key.upper()} or the command "
            f"line is invalid: {error['msg']}. Fix or remove it."
        ) from exc


def _from_environ(environ: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in Settings.model_fields:
        value = environ.get(ENV_PREFIX + name.upper())
        if value:
            out[name] = value
    return out


def _read_config_file(directory: Path) -> tuple[str, dict[str, Any]] | None:
    yaml_path = directory / CONFIG_FILE
    if yaml_path.is_file():
        return str(yaml_path), _read_yaml(yaml_path)
    pyproject = directory / "pyproject.toml"
    if pyproject.is_file():
        table = _read_pyproject(pyproject)
        if table is not None:
            return f"{pyproject} [tool.pipewarden]", table
    return None


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"Cannot read '{path}': {exc.strerror}.") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"'{path}' is not valid YAML ({_first_line(exc)}). Fix the file."
        ) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"'{path}' must hold a mapping of settings, such as store_url: ..."
        )
    return _known_keys(data, str(path))


def _read_pyproject(path: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"Cannot read '{path}': {exc.strerror}.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"'{path}' is not valid TOML ({exc}). Fix the file.") from exc
    table = data.get("tool", {}).get("pipewarden")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"[tool.pipewarden] in '{path}' must be a table of settings.")
    return _known_keys(table, f"{path} [tool.pipewarden]")


def _known_keys(data: dict[str, Any], source: str) -> dict[str, Any]:
    unknown = sorted(str(key) for key in data if key not in Settings.model_fields)
    if unknown:
        known = ", ".join(Settings.model_fields)
        raise ConfigError(
            f"Unknown setting '{unknown[0]}' in {source}. Known settings: {known}."
        )
    return {str(key): value for key, value in data.items()}


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
