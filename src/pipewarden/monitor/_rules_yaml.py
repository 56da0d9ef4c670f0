"""Read and write rules files (YAML), reporting file, line and key for mistakes."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipewarden._severity import Severity
from pipewarden.config import parse_yaml
from pipewarden.contracts.yaml_io import line_of
from pipewarden.errors import ConfigError
from pipewarden.monitor.channels import (
    DEFAULT_BACKOFF_SECONDS,
    Channel,
    EmailChannel,
    WebhookChannel,
)
from pipewarden.monitor.rules import (
    ALERT_SEVERITIES,
    DEFAULT_ESCALATION,
    AlertSeverity,
    Rule,
    RuleSet,
)

KIND: Final = "pipewarden/rules"
VERSION: Final = 1

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class _RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="Unique name of the rule.")
    check: str = Field(min_length=1, description="Check id or glob (drift.*).")
    subject: str = Field(
        "*", description="Glob over model:NAME:VERSION / dataset:NAME."
    )
    above: float | None = Field(None, allow_inf_nan=False)
    below: float | None = Field(None, allow_inf_nan=False)
    relative: Literal["absolute", "ratio", "delta"] = "absolute"
    min_severity: Literal["info", "warning", "error"] | None = None
    consecutive: int = Field(1, ge=1)
    severity: AlertSeverity = "sev3"

    @model_validator(mode="after")
    def _one_condition(self) -> _RuleIn:
        given = [
            key
            for key in ("above", "below", "min_severity")
            if getattr(self, key) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "a rule needs exactly one of 'above', 'below' or 'min_severity' "
                f"(it has {', '.join(given) or 'none'}). Keep one."
            )
        if self.min_severity is not None and self.relative != "absolute":
            raise ValueError(
                "'relative' applies to 'above'/'below' only. Remove it from this rule."
            )
        return self

    def to_rule(self) -> Rule:
        return Rule(
            name=self.name,
            check=self.check,
            subject=self.subject,
            above=self.above,
            below=self.below,
            relative=self.relative,
            min_severity=None
            if self.min_severity is None
            else Severity(self.min_severity),
            consecutive=self.consecutive,
            severity=self.severity,
        )


class _EmailIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    host: str = Field(min_length=1)
    port: int = Field(25, ge=1, le=65535)
    sender: str = Field(alias="from", min_length=3)
    to: list[str] = Field(min_length=1)
    username: str | None = None
    password_env: str | None = None
    starttls: bool = False
    ssl: bool = False


class _NotifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    webhook: str | None = None
    webhook_env: str | None = None
    format: Literal["json", "slack"] = "json"
    email: _EmailIn | None = None
    timeout: float | None = Field(None, gt=0, le=300)
    backoff: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> _NotifyIn:
        given = [
            key
            for key in ("webhook", "webhook_env", "email")
            if getattr(self, key) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "a notify entry needs exactly one of 'webhook' (a URL), "
                "'webhook_env' (a variable holding the URL) or 'email'."
            )
        if self.webhook is not None and not self.webhook.startswith(
            ("http://", "https://")
        ):
            raise ValueError(f"webhook {self.webhook!r} is not an http(s) URL.")
        self._backoff_seconds()  # a bad backoff is refused here, with the file's line
        return self

    def to_channel(self, position: int) -> Channel:
        if self.email is not None:
            mail = self.email
            return EmailChannel(
                name=self.name or f"email-{position}",
                host=mail.host,
                port=mail.port,
                sender=mail.sender,
                to=tuple(mail.to),
                username=mail.username,
                password_env=mail.password_env,
                starttls=mail.starttls,
                ssl=mail.ssl,
                timeout=self.timeout or 10.0,
                backoff=self._backoff_seconds(),
            )
        return WebhookChannel(
            name=self.name or f"webhook-{position}",
            url=self.webhook,
            url_env=self.webhook_env,
            format=self.format,
            timeout=self.timeout or 5.0,
            backoff=self._backoff_seconds(),
        )

    def _backoff_seconds(self) -> float:
        if self.backoff is None:
            return DEFAULT_BACKOFF_SECONDS
        try:
            wait = parse_duration(self.backoff)
        except ValueError:
            wait = None
        if wait is None:
            raise ValueError(
                f"backoff {self.backoff!r} is not a duration; write e.g. 30s or 5m "
                "(the wait after a failed delivery, doubling after each further one)."
            )
        return wait.total_seconds()


class _RulesFileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["pipewarden/rules"] = KIND
    version: Literal[1] = VERSION
    rules: list[_RuleIn] = Field(default_factory=list)
    escalation: dict[AlertSeverity, str | float | None] = Field(default_factory=dict)
    notify: list[_NotifyIn] = Field(default_factory=list)


def parse_duration(value: str | float | None) -> timedelta | None:
    """``4h``, ``30m``, ``2d``, ``1w``, ``90s``, a number of hours, or never/None.

    Raises:
        ValueError: Anything else.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        if value <= 0:
            raise ValueError("a deadline must be positive")
        return timedelta(hours=float(value))
    if value.strip().lower() in {"never", "none", "off"}:
        return None
    match = _DURATION.match(value.lower())
    if match is None or float(match.group(1)) <= 0:
        raise ValueError(
            f"{value!r} is not a duration; write e.g. 4h, 30m, 2d, 1w or never"
        )
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def format_duration(value: timedelta | None) -> str:
    """The inverse of :func:`parse_duration` in the largest whole unit."""
    if value is None:
        return "never"
    seconds = value.total_seconds()
    for unit in ("w", "d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{int(seconds // _UNITS[unit])}{unit}"
    return f"{seconds:g}s"


def load_rules(path: str | Path) -> RuleSet:
    """Read a rules file (see :meth:`RuleSet.load`)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(
            f"No rules file at '{p}'. Write the defaults with: "
            f"pipewarden monitor rules --init {p}"
        )
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read rules file '{p}' ({exc}). Fix it.") from exc
    return parse_rules(text, source=str(p))


def parse_rules(text: str, *, source: str = "<string>") -> RuleSet:
    """Validate rules YAML given as text."""
    data = parse_yaml(text, source=source)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source}, line 1: a rules file is a mapping with 'rules:', "
            "'escalation:' and 'notify:'. Write one with: pipewarden monitor rules --init"
        )
    try:
        parsed = _RulesFileIn.model_validate(data)
        escalation = _escalation(parsed)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(part for part in err["loc"] if part != "__root__")
        raise ConfigError(_where(text, source, loc) + _explain(err)) from exc
    except _EscalationError as exc:
        raise ConfigError(
            _where(text, source, ("escalation", exc.severity)) + str(exc)
        ) from exc
    rules = tuple(entry.to_rule() for entry in parsed.rules)
    _check_unique(text, source, [rule.name for rule in rules], "rules")
    channels = tuple(
        entry.to_channel(position) for position, entry in enumerate(parsed.notify, 1)
    )
    _check_unique(text, source, [channel.name for channel in channels], "notify")
    return RuleSet(rules=rules, escalation=escalation, notify=channels, source=source)


class _EscalationError(ValueError):
    def __init__(self, severity: str, message: str) -> None:
        super().__init__(message)
        self.severity = severity


def _escalation(parsed: _RulesFileIn) -> dict[AlertSeverity, timedelta | None]:
    out = dict(DEFAULT_ESCALATION)
    for severity, value in parsed.escalation.items():
        try:
            out[severity] = parse_duration(value)
        except ValueError as exc:
            raise _EscalationError(severity, f"{exc}. Fix the deadline.") from exc
    return out


def _check_unique(text: str, source: str, names: list[str], section: str) -> None:
    seen: set[str] = set()
    for position, name in enumerate(names):
        if name in seen:
            raise ConfigError(
                _where(text, source, (section, position))
                + f"the name '{name}' is used twice. Give each entry its own name."
            )
        seen.add(name)


def _where(text: str, source: str, loc: tuple[Any, ...]) -> str:
    line = line_of(text, loc)
    key = ".".join(str(part) for part in loc)
    parts = [source]
    if line is not None:
        parts.append(f"line {line}")
    if key:
        parts.append(f"key '{key}'")
    return ", ".join(parts) + ": "


def _explain(err: Any) -> str:
    kind = err.get("type", "")
    value = err.get("input")
    if kind == "extra_forbidden":
        return "unknown key. Check its spelling (pipewarden monitor rules --init shows every key)."
    if kind == "missing":
        return "required key is missing. Add it."
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err.get("msg")))
    if kind.startswith("literal_error"):
        allowed = err.get("ctx", {}).get("expected", "")
        return f"{value!r} is not allowed here; use one of {allowed}."
    return f"{err.get('msg', 'invalid value')} (got {value!r}). Correct the value."


_HEADER = """\
# pipewarden alert rules: edit freely.
#
# Each rule watches a check id or glob (perf.mae, drift.*, schema.*) of the subjects
# matching 'subject' (model:NAME:VERSION, dataset:NAME; globs allowed) and has one
# condition:
#   above / below: THRESHOLD   inclusive; compared with the value itself
#                              (relative: absolute), value / baseline (ratio) or
#                              value - baseline (delta)
#   min_severity: error        a finding at least this severe (info, warning, error)
# consecutive: N   the condition must hold for N windows in a row
# severity: sev1..sev4   sev1/sev2 read as errors, sev3 as a warning, sev4 as info
# A metric with a confidence interval hits only when the interval's better end is still
# worse than the baseline: noise alone never opens an alert. When several rules hit the
# same figure, the most severe wins.
#
# escalation: how long an alert may stay open and unacknowledged before it escalates
# (s, m, h, d, w, or never). An alert keeps the deadline and channels of the rules that
# opened it.
#
# notify: where alert events go (opened, escalated, resolved), through the store's
# outbox: nothing is lost while a receiver is down.
#   - name: ops-slack
#     webhook: https://hooks.example.com/...   # or webhook_env: SLACK_WEBHOOK_URL
#     format: slack                            # or json (the event as an object)
#     timeout: 5                               # seconds an attempt may take
#     backoff: 30s                             # wait after a failure, doubling each time
#   - name: oncall-mail
#     email:
#       host: smtp.example.com
#       port: 587
#       from: pipewarden@example.com
#       to: [oncall@example.com]
#       username: pipewarden
#       password_env: SMTP_PASSWORD   # the variable's name; the password is never stored
#       starttls: true
"""


def dump_rules(rules: RuleSet) -> str:
    """The rule set as YAML, with the commented header above."""
    entries = [_rule_out(rule) for rule in rules.rules]
    escalation = {
        severity: format_duration(rules.deadline(severity))
        for severity in ALERT_SEVERITIES
    }
    data: dict[str, Any] = {
        "kind": KIND,
        "version": VERSION,
        "rules": entries,
        "escalation": escalation,
    }
    notify = [_notify_out(channel) for channel in rules.notify]
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    if notify:
        body += yaml.safe_dump({"notify": notify}, sort_keys=False, allow_unicode=True)
    else:
        body += "notify: []\n"
    return _HEADER + body


def _rule_out(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": rule.name,
        "check": rule.check,
        "subject": rule.subject,
    }
    if rule.above is not None:
        out["above"] = rule.above
    if rule.below is not None:
        out["below"] = rule.below
    if rule.min_severity is not None:
        out["min_severity"] = rule.min_severity.value
    else:
        out["relative"] = rule.relative
    if rule.consecutive != 1:
        out["consecutive"] = rule.consecutive
    out["severity"] = rule.severity
    return out


def _notify_out(channel: Channel) -> dict[str, Any]:
    if isinstance(channel, WebhookChannel):
        out: dict[str, Any] = {"name": channel.name}
        if channel.url is not None:
            out["webhook"] = channel.url
        else:
            out["webhook_env"] = channel.url_env
        out["format"] = channel.format
        out["timeout"] = channel.timeout
        if channel.backoff != DEFAULT_BACKOFF_SECONDS:
            out["backoff"] = f"{channel.backoff:g}s"
        return out
    email: dict[str, Any] = {
        "host": channel.host,
        "port": channel.port,
        "from": channel.sender,
        "to": list(channel.to),
    }
    if channel.username is not None:
        email["username"] = channel.username
    if channel.password_env is not None:
        email["password_env"] = channel.password_env
    email["starttls"] = channel.starttls
    email["ssl"] = channel.ssl
    out = {"name": channel.name, "email": email, "timeout": channel.timeout}
    if channel.backoff != DEFAULT_BACKOFF_SECONDS:
        out["backoff"] = f"{channel.backoff:g}s"
    return out
