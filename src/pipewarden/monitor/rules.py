"""Alert rules: which observations of a model or dataset deserve an alert, and how bad.

A :class:`RuleSet` is read from YAML (``pipewarden monitor rules --init`` writes the
defaults). Each :class:`Rule` names a check id or glob (``perf.mae``, ``drift.*``), the
subjects it watches (``model:*``, ``dataset:orders``) and one condition:

- ``above`` / ``below`` a threshold (inclusive: ``above: 1.25`` hits at 1.25), compared
  with the value itself (``relative: absolute``), with value / baseline (``ratio``) or
  with value - baseline (``delta``);
- ``min_severity``: a finding of at least this severity.

A rule hits a window when its condition holds for ``consecutive`` windows in a row
ending there. Honest flags: when an observation carries a confidence interval for its
value, a metric rule hits only when the difference is larger than that noise too: the
interval's better end must still be worse than the baseline (``ratio``, ``delta``), or
still beyond the threshold (``absolute``). So a quiet hour with 12 labels does not page
anyone. When several rules hit the same observation, the most severe one is kept.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Literal

from pipewarden._severity import Severity
from pipewarden._text import number
from pipewarden.monitor.channels import Channel

__all__ = [
    "ALERT_SEVERITIES",
    "DEFAULT_ESCALATION",
    "AlertSeverity",
    "Observation",
    "Rule",
    "RuleHit",
    "RuleSet",
    "RuleState",
    "finding_severity",
]

AlertSeverity = Literal["sev1", "sev2", "sev3", "sev4"]
"""How urgent an alert is: sev1 (page now) to sev4 (for the record)."""

ALERT_SEVERITIES: tuple[AlertSeverity, ...] = ("sev1", "sev2", "sev3", "sev4")
"""Most severe first."""

Relative = Literal["absolute", "ratio", "delta"]

DEFAULT_ESCALATION: Mapping[AlertSeverity, timedelta | None] = {
    "sev1": timedelta(hours=4),
    "sev2": timedelta(hours=24),
    "sev3": timedelta(hours=72),
    "sev4": None,
}
"""How long an open alert may stay unacknowledged before it escalates (None: never)."""

_FINDING_SEVERITY: Mapping[AlertSeverity, Severity] = {
    "sev1": Severity.ERROR,
    "sev2": Severity.ERROR,
    "sev3": Severity.WARNING,
    "sev4": Severity.INFO,
}

_METRIC_NAMES = {
    "mae": "MAE",
    "rmse": "RMSE",
    "mape": "MAPE",
    "f1": "F1",
    "roc_auc": "ROC AUC",
    "log_loss": "log loss",
    "accuracy": "accuracy",
    "precision": "precision",
    "recall": "recall",
    "bias": "bias",
}


def finding_severity(alert_severity: AlertSeverity) -> Severity:
    """The finding severity of an alert severity: sev1/sev2 error, sev3 warning, sev4 info."""
    return _FINDING_SEVERITY[alert_severity]


@dataclass(frozen=True, slots=True)
class Observation:
    """One figure of one window of one subject, for the rules to judge.

    Attributes:
        subject: ``model:NAME:VERSION``, ``dataset:NAME`` (or ``pipeline:NAME``).
        window: The window's start (UTC); for a recorded check run, the run's time.
        check: The check id (``perf.mae``, ``drift.ks``, ``schema.type_mismatch``).
        value: The metric's value, or a finding's value.
        baseline: What the value is compared with (e.g. the validation metric).
        interval: The window's own confidence interval for ``value`` (its noise).
        higher_is_better: True for accuracy-like metrics (informative only: a rule's
            ``above``/``below`` says which direction is bad).
        severity: The finding's severity, when the observation is a finding.
        message: The finding's sentence, when it is one.
        column: The column a finding is about.
    """

    subject: str
    window: datetime
    check: str
    value: float | None = None
    baseline: float | None = None
    interval: tuple[float, float] | None = None
    higher_is_better: bool = False
    severity: Severity | None = None
    message: str = ""
    column: str | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of a rules file: when an observation opens an alert, and how severe.

    Exactly one condition is set: ``above``, ``below`` or ``min_severity``.
    """

    name: str
    check: str
    subject: str = "*"
    above: float | None = None
    below: float | None = None
    relative: Relative = "absolute"
    min_severity: Severity | None = None
    consecutive: int = 1
    severity: AlertSeverity = "sev3"

    def __post_init__(self) -> None:
        conditions = sum(
            x is not None for x in (self.above, self.below, self.min_severity)
        )
        if conditions != 1:
            raise ValueError(
                f"rule '{self.name}' needs exactly one of above, below or "
                f"min_severity (it has {conditions})"
            )
        if self.consecutive < 1:
            raise ValueError(f"rule '{self.name}': consecutive must be at least 1")
        if self.severity not in ALERT_SEVERITIES:
            raise ValueError(
                f"rule '{self.name}': severity {self.severity!r} is not one of "
                + ", ".join(ALERT_SEVERITIES)
            )
        for bound in (self.above, self.below):
            if bound is not None and not math.isfinite(bound):
                raise ValueError(f"rule '{self.name}': the threshold must be finite")

    @property
    def finding_severity(self) -> Severity:
        """The severity of the finding this rule's hits produce."""
        return finding_severity(self.severity)

    @property
    def is_finding_rule(self) -> bool:
        """True for a ``min_severity`` rule (it judges findings, not metric values)."""
        return self.min_severity is not None

    def matches(self, observation: Observation) -> bool:
        """True when the observation's check and subject fall under this rule."""
        return fnmatchcase(observation.check, self.check) and fnmatchcase(
            observation.subject, self.subject
        )

    def judgeable(self, observation: Observation) -> bool:
        """True when this rule can say yes or no about the observation."""
        if self.min_severity is not None:
            return True  # no finding, or a milder one, is a "no"
        if observation.value is None or not math.isfinite(observation.value):
            return False
        if self.relative == "absolute":
            return True
        return observation.baseline is not None and (
            self.relative == "delta" or observation.baseline != 0
        )

    def holds(self, observation: Observation) -> bool:
        """True when the condition holds for this observation (beyond its noise)."""
        if self.min_severity is not None:
            return (
                observation.severity is not None
                and observation.severity >= self.min_severity
            )
        if not self.judgeable(observation):
            return False
        assert observation.value is not None  # judgeable
        if not self._passes(self._compared(observation.value, observation)):
            return False
        if observation.interval is None:
            return True
        return self._beyond_noise(observation)

    def _compared(self, value: float, observation: Observation) -> float:
        if self.relative == "ratio":
            assert observation.baseline is not None
            return value / observation.baseline
        if self.relative == "delta":
            assert observation.baseline is not None
            return value - observation.baseline
        return value

    def _passes(self, compared: float) -> bool:
        if self.above is not None:
            return compared >= self.above
        assert self.below is not None
        return compared <= self.below

    def _beyond_noise(self, observation: Observation) -> bool:
        """The interval's better end is still worse than the baseline (or threshold)."""
        assert observation.interval is not None
        low, high = observation.interval
        better = low if self.above is not None else high
        if self.relative == "absolute":
            return self._passes(better)
        assert observation.baseline is not None
        if self.above is not None:
            return better > observation.baseline
        return better < observation.baseline

    def describe(self) -> str:
        """The condition in a few symbols: ``≥ 1.5×``, ``≤ -0.05``, ``error findings``."""
        if self.min_severity is not None:
            return f"{self.min_severity.value} findings"
        sign = "≥" if self.above is not None else "≤"
        threshold = self.above if self.above is not None else self.below
        assert threshold is not None
        suffix = "×" if self.relative == "ratio" else ""
        prefix = "+" if self.relative == "delta" and threshold > 0 else ""
        return f"{sign} {prefix}{number(threshold, 4)}{suffix}"


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule that hit one observation."""

    rule: Rule
    observation: Observation
    severity: Severity
    alert_severity: AlertSeverity
    message: str
    streak: int = 1
    """Windows in a row (ending at this one) in which the condition held."""


@dataclass(frozen=True, slots=True)
class RuleState:
    """What one rule said about one subject in one judged window.

    ``holds`` is True when the condition held for ``consecutive`` windows ending
    here (before keeping only the most severe rule per observation).
    """

    rule: Rule
    subject: str
    window: datetime
    holds: bool


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The rules, the escalation deadlines and the notification channels.

    Attributes:
        rules: In file order; on equal severity the earlier rule wins.
        escalation: Per alert severity, how long an alert may stay unacknowledged
            (None: never escalates).
        notify: Where alert events are sent (``pipewarden.monitor.channels``).
        source: The file the rules came from, or ``"defaults"``.
    """

    rules: tuple[Rule, ...]
    escalation: Mapping[AlertSeverity, timedelta | None] = field(
        default_factory=lambda: dict(DEFAULT_ESCALATION)
    )
    notify: tuple[Channel, ...] = ()
    source: str = "defaults"

    @classmethod
    def default(cls) -> RuleSet:
        """The built-in rules (see :data:`DEFAULT_RULES`)."""
        return cls(rules=DEFAULT_RULES)

    @classmethod
    def load(cls, path: str | Path) -> RuleSet:
        """Read a rules YAML file.

        Raises:
            ConfigError: The file is missing or malformed; the message names the file,
                line and key and says how to fix it.
        """
        from pipewarden.monitor._rules_yaml import load_rules

        return load_rules(path)

    def to_yaml(self) -> str:
        """The rule set as commented YAML (what ``monitor rules --init`` writes)."""
        from pipewarden.monitor._rules_yaml import dump_rules

        return dump_rules(self)

    def deadline(self, severity: AlertSeverity) -> timedelta | None:
        """How long an alert of this severity may stay unacknowledged."""
        return self.escalation.get(severity, DEFAULT_ESCALATION[severity])

    def evaluate(self, observations: Sequence[Observation]) -> list[RuleHit]:
        """The rule hits among these observations, most severe rule per observation.

        Observations are grouped by (rule, subject, check, column) and ordered by
        window; a window is hit when the condition holds for ``consecutive`` windows
        in a row ending there. For finding rules, the windows of a subject are every
        window with any observation of that subject (a window without a matching
        finding breaks the streak); for metric rules, the windows where the metric
        could be judged (a window without labels neither breaks nor extends it).

        Returns:
            Hits ordered by window, then subject, then rule order.
        """
        hits, _ = _judge(self.rules, observations)
        return hits

    def states(self, observations: Sequence[Observation]) -> list[RuleState]:
        """Per rule, subject and judged window: whether the rule's condition held.

        What :func:`pipewarden.monitor.alerts.sync_alerts` uses to resolve alerts
        whose condition cleared (and to keep open those a more severe rule hides).
        """
        _, states = _judge(self.rules, observations)
        return states


# --- evaluation -------------------------------------------------------------------

_Group = tuple[int, str, str, str | None]
"""(rule index, subject, check, column)."""


def _judge(
    rules: Sequence[Rule], observations: Sequence[Observation]
) -> tuple[list[RuleHit], list[RuleState]]:
    subject_windows = _windows_by_subject(observations)
    raw: list[tuple[int, RuleHit]] = []
    held: dict[tuple[int, str, datetime], bool] = {}
    for index, rule in enumerate(rules):
        groups = _groups(index, rule, observations)
        for (_, subject, _, _), members in groups.items():
            timeline = (
                subject_windows[subject]
                if rule.is_finding_rule
                else sorted({o.window for o in members})
            )
            for observation, streak in _streaks(rule, members, timeline):
                key = (index, subject, observation.window)
                hit = streak >= rule.consecutive
                held[key] = held.get(key, False) or hit
                if hit:
                    raw.append((index, _hit(rule, observation, streak)))
        if rule.is_finding_rule:
            for subject, windows in subject_windows.items():
                if fnmatchcase(subject, rule.subject):
                    for window in windows:
                        held.setdefault((index, subject, window), False)
    ordered = sorted(
        held.items(), key=lambda item: (item[0][2], item[0][1], item[0][0])
    )
    states = [
        RuleState(rules[index], subject, window, holds)
        for (index, subject, window), holds in ordered
    ]
    return _most_severe(raw), states


def _windows_by_subject(
    observations: Iterable[Observation],
) -> dict[str, list[datetime]]:
    found: dict[str, set[datetime]] = defaultdict(set)
    for observation in observations:
        found[observation.subject].add(observation.window)
    return {subject: sorted(windows) for subject, windows in found.items()}


def _groups(
    index: int, rule: Rule, observations: Iterable[Observation]
) -> dict[_Group, list[Observation]]:
    groups: dict[_Group, list[Observation]] = defaultdict(list)
    for observation in observations:
        if rule.matches(observation) and rule.judgeable(observation):
            key = (index, observation.subject, observation.check, observation.column)
            groups[key].append(observation)
    return groups


def _streaks(
    rule: Rule, members: Sequence[Observation], timeline: Sequence[datetime]
) -> Iterable[tuple[Observation, int]]:
    """Each observation with the run of windows (ending at its own) where rule held."""
    by_window: dict[datetime, list[Observation]] = defaultdict(list)
    for observation in members:
        by_window[observation.window].append(observation)
    streak = 0
    for window in timeline:
        here = by_window.get(window, [])
        holding = [o for o in here if rule.holds(o)]
        streak = streak + 1 if holding else 0
        for observation in holding:
            yield observation, streak
        for observation in here:
            if observation not in holding:
                yield observation, 0


def _most_severe(raw: Sequence[tuple[int, RuleHit]]) -> list[RuleHit]:
    """Keep, per observation, the hit of the most severe rule (earlier on a tie)."""
    best: dict[int, tuple[int, int, RuleHit]] = {}
    order: list[int] = []
    for index, hit in raw:
        key = id(hit.observation)
        rank = ALERT_SEVERITIES.index(hit.alert_severity)
        if key not in best:
            order.append(key)
            best[key] = (rank, index, hit)
        elif (rank, index) < best[key][:2]:
            best[key] = (rank, index, hit)
    hits = [best[key][2] for key in order]
    hits.sort(
        key=lambda h: (
            h.observation.window,
            h.observation.subject,
            best[id(h.observation)][1],
        )
    )
    return hits


def _hit(rule: Rule, observation: Observation, streak: int) -> RuleHit:
    return RuleHit(
        rule=rule,
        observation=observation,
        severity=rule.finding_severity,
        alert_severity=rule.severity,
        message=_message(rule, observation, streak),
        streak=streak,
    )


def _message(rule: Rule, observation: Observation, streak: int) -> str:
    """One line: what the figure is, against what, which rule, for how long."""
    tail = f" for {streak} windows" if streak > 1 else ""
    if rule.min_severity is not None:
        text = observation.message or f"{observation.check} finding"
        where = f" (column '{observation.column}')" if observation.column else ""
        return (
            f"{text.rstrip('.')}{where} (rule '{rule.name}': {rule.describe()}){tail}"
        )
    assert observation.value is not None
    name = _metric_name(observation.check)
    value = number(observation.value, 4)
    rule_text = f"(rule '{rule.name}': {rule.describe()})"
    if rule.relative == "absolute":
        return f"{name} {value} {rule_text}{tail}"
    assert observation.baseline is not None
    baseline = number(observation.baseline, 4)
    if rule.relative == "ratio":
        ratio = number(observation.value / observation.baseline, 3)
        return f"{name} {value} is {ratio}× the baseline {baseline} {rule_text}{tail}"
    delta = observation.value - observation.baseline
    sign = "+" if delta > 0 else ""
    return (
        f"{name} {value} is {sign}{number(delta, 3)} from the baseline {baseline} "
        f"{rule_text}{tail}"
    )


def _metric_name(check: str) -> str:
    family, _, metric = check.partition(".")
    if family == "perf" and metric:
        return _METRIC_NAMES.get(metric, metric)
    return check


# --- the defaults -----------------------------------------------------------------


def _ratio(name: str, check: str, above: float, severity: AlertSeverity) -> Rule:
    return Rule(
        name, check, "model:*", above=above, relative="ratio", severity=severity
    )


def _drop(name: str, check: str, below: float, severity: AlertSeverity) -> Rule:
    return Rule(
        name, check, "model:*", below=below, relative="delta", severity=severity
    )


DEFAULT_RULES: tuple[Rule, ...] = (
    _ratio("mae_warning", "perf.mae", 1.25, "sev3"),
    _ratio("mae_error", "perf.mae", 1.5, "sev2"),
    _ratio("rmse_warning", "perf.rmse", 1.25, "sev3"),
    _ratio("rmse_error", "perf.rmse", 1.5, "sev2"),
    _drop("accuracy_warning", "perf.accuracy", -0.05, "sev3"),
    _drop("accuracy_error", "perf.accuracy", -0.10, "sev2"),
    _drop("f1_warning", "perf.f1", -0.05, "sev3"),
    _drop("f1_error", "perf.f1", -0.10, "sev2"),
    _drop("roc_auc_warning", "perf.roc_auc", -0.05, "sev3"),
    _drop("roc_auc_error", "perf.roc_auc", -0.10, "sev2"),
    Rule(
        "input_drift",
        "drift.*",
        "model:*",
        min_severity=Severity.ERROR,
        severity="sev3",
    ),
    Rule(
        "no_predictions",
        "volume.no_predictions",
        "model:*",
        min_severity=Severity.WARNING,
        severity="sev3",
    ),
    Rule(
        "dataset_errors", "*", "dataset:*", min_severity=Severity.ERROR, severity="sev3"
    ),
    Rule(
        "pipeline_runs",
        "run.*",
        "pipeline:*",
        min_severity=Severity.ERROR,
        severity="sev2",
    ),
)
"""The issue's defaults: regression MAE/RMSE ≥ 1.25× baseline sev3, ≥ 1.5× sev2;
classification accuracy/F1/ROC AUC 0.05 below baseline sev3, 0.10 below sev2; a drift
error in a model's input sev3; no predictions in a window after the model has been
active (a ``volume.no_predictions`` finding) sev3; an error finding of a recorded
check run on a dataset sev3; and a scheduled pipeline run that was missed or failed
(``run.missed``, ``run.failed``, from the checklist) sev2."""
