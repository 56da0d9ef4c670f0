"""Schedules declared in YAML: the file ``pipewarden pipelines apply`` reads.

    kind: pipewarden/pipelines      # optional
    version: 1                      # optional
    pipelines:
      churn-daily:
        schedule: "0 6 * * *"       # cron, read in the time zone
        timezone: Europe/Amsterdam  # IANA name (default UTC)
        grace: 30m                  # how late a start still counts (default 30m)

A mistake is reported with the file, line and key, and what to do.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipewarden.contracts.yaml_io import line_of
from pipewarden.errors import ConfigError
from pipewarden.pipelines.schedule import parse_duration, validate_schedule
from pipewarden.store.pipeline_records import PipelineRecord

__all__ = ["KIND", "load_schedules", "parse_schedules"]

KIND: Final = "pipewarden/pipelines"


class _PipelineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schedule: str = Field(min_length=1, description="Cron expression.")
    timezone: str = Field("UTC", description="IANA time zone.")
    grace: str | int = Field("30m", description="30m, 1h, 90s...")


class _FileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = KIND
    version: int = 1
    pipelines: dict[str, _PipelineIn]


def load_schedules(
    path: str | Path, *, now: datetime | None = None
) -> list[PipelineRecord]:
    """The pipelines and schedules of a YAML file, in file order.

    Raises:
        ConfigError: The file is missing, unreadable or wrong; the message names
            the file, line and key.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(
            f"No pipelines file at '{p}'. Write one with a 'pipelines:' mapping of "
            'NAME: {schedule: "0 6 * * *", timezone: UTC, grace: 30m}.'
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read pipelines file '{p}' ({exc}). Fix it.") from exc
    return parse_schedules(text, source=str(p), now=now)


def parse_schedules(
    text: str, *, source: str = "<string>", now: datetime | None = None
) -> list[PipelineRecord]:
    """The pipelines of YAML text (see :func:`load_schedules`)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(
            f"{source}{where}: invalid YAML ({problem}). Fix the syntax there."
        ) from exc
    if not isinstance(data, dict) or "pipelines" not in data:
        raise ConfigError(
            f"{source}, line 1: a pipelines file is a mapping with 'pipelines:' "
            'holding NAME: {schedule: "0 6 * * *", timezone: UTC, grace: 30m}.'
        )
    try:
        parsed = _FileIn.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(
            _where(text, source, tuple(err["loc"])) + _explain(err)
        ) from exc
    if parsed.kind != KIND:
        raise ConfigError(
            _where(text, source, ("kind",))
            + f"'{parsed.kind}' is not a pipelines file. Use kind: {KIND}."
        )
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return [
        _record(name, entry, text, source, moment)
        for name, entry in parsed.pipelines.items()
    ]


def _record(
    name: str, entry: _PipelineIn, text: str, source: str, now: datetime
) -> PipelineRecord:
    try:
        grace = _grace(entry.grace)
        validate_schedule(entry.schedule, entry.timezone, grace)
    except ConfigError as exc:
        key = _culprit(str(exc))
        raise ConfigError(
            _where(text, source, ("pipelines", name, key)) + str(exc)
        ) from exc
    return PipelineRecord(name, entry.schedule, entry.timezone, grace, now)


def _grace(value: str | int) -> timedelta:
    if isinstance(value, int):
        return timedelta(seconds=value)
    return parse_duration(value)


def _culprit(message: str) -> str:
    if "time zone" in message:
        return "timezone"
    if "cron" in message:
        return "schedule"
    return "grace"


def _where(text: str, source: str, loc: tuple[Any, ...]) -> str:
    line = line_of(text, loc)
    parts = [source] + ([f"line {line}"] if line is not None else [])
    key = ".".join(str(part) for part in loc)
    if key:
        parts.append(f"key '{key}'")
    return ", ".join(parts) + ": "


def _explain(err: Any) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key. Use schedule, timezone and grace."
    if kind == "missing":
        return 'required key is missing. Add it, e.g. schedule: "0 6 * * *".'
    return f"{err.get('msg', 'invalid value')} (got {err.get('input')!r}). Correct it."
