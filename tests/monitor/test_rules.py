from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipewarden._severity import Severity
from pipewarden.errors import ConfigError
from pipewarden.monitor.channels import EmailChannel, WebhookChannel
from pipewarden.monitor.rules import (
    DEFAULT_ESCALATION,
    Observation,
    Rule,
    RuleSet,
    finding_severity,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)
MODEL = "model:churn:3"


def _w(i: int) -> datetime:
    return T0 + timedelta(hours=i)


def _mae(
    i: int, value: float | None, baseline: float = 2.10, **kw: object
) -> Observation:
    return Observation(MODEL, _w(i), "perf.mae", value=value, baseline=baseline, **kw)  # type: ignore[arg-type]


def test_default_rules_keep_the_most_severe_hit_with_its_message() -> None:
    hits = RuleSet.default().evaluate([_mae(0, 3.41)])
    assert len(hits) == 1
    hit = hits[0]
    assert hit.rule.name == "mae_error"
    assert hit.alert_severity == "sev2"
    assert hit.severity is Severity.ERROR
    ratio = 3.41 / 2.10
    assert f"{ratio:.3g}" == "1.62"
    assert hit.message == (
        "MAE 3.41 is 1.62× the baseline 2.1 (rule 'mae_error': ≥ 1.5×)"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2.6, None), (2.625, "mae_warning"), (3.0, "mae_warning"), (3.15, "mae_error")],
)
def test_ratio_thresholds_are_inclusive(value: float, expected: str | None) -> None:
    hits = RuleSet.default().evaluate([_mae(0, value)])
    assert [h.rule.name for h in hits] == ([] if expected is None else [expected])


def test_noise_interval_that_holds_the_baseline_does_not_hit() -> None:
    rules = RuleSet.default()
    # MAE 3.41 but 12 labels: the interval reaches down past the baseline 2.10
    assert rules.evaluate([_mae(0, 3.41, interval=(1.90, 5.20))]) == []
    # the same value measured on many rows: the better end 2.5 is still above 2.10
    hits = rules.evaluate([_mae(0, 3.41, interval=(2.50, 4.30))])
    assert [h.rule.name for h in hits] == ["mae_error"]


def test_noise_for_a_falling_metric_uses_the_upper_end() -> None:
    rules = RuleSet.default()
    obs = Observation(
        MODEL, _w(0), "perf.accuracy", value=0.78, baseline=0.90, higher_is_better=True
    )
    assert [h.rule.name for h in rules.evaluate([obs])] == ["accuracy_error"]
    noisy = Observation(
        MODEL, _w(0), "perf.accuracy", value=0.78, baseline=0.90, interval=(0.6, 0.93)
    )
    assert rules.evaluate([noisy]) == []


def test_noise_for_an_absolute_rule_needs_the_better_end_beyond_the_threshold() -> None:
    rules = RuleSet((Rule("mape", "perf.mape", above=0.2, severity="sev2"),))
    assert rules.evaluate([_mae(0, 0.3)]) == []  # another check
    obs = Observation(MODEL, _w(0), "perf.mape", value=0.3, interval=(0.19, 0.4))
    assert rules.evaluate([obs]) == []
    obs = Observation(MODEL, _w(0), "perf.mape", value=0.3, interval=(0.21, 0.4))
    assert len(rules.evaluate([obs])) == 1


def test_delta_rules_for_classification() -> None:
    rules = RuleSet.default()
    drop_6 = Observation(MODEL, _w(0), "perf.f1", value=0.84, baseline=0.90)
    drop_11 = Observation(MODEL, _w(1), "perf.f1", value=0.79, baseline=0.90)
    drop_4 = Observation(MODEL, _w(2), "perf.f1", value=0.86, baseline=0.90)
    hits = rules.evaluate([drop_4, drop_11, drop_6])
    assert [(h.observation.window, h.rule.name) for h in hits] == [
        (_w(0), "f1_warning"),
        (_w(1), "f1_error"),
    ]
    assert hits[0].message == (
        "F1 0.84 is -0.06 from the baseline 0.9 (rule 'f1_warning': ≤ -0.05)"
    )


def test_consecutive_windows_are_counted_per_subject_in_window_order() -> None:
    rule = Rule("slow", "perf.mae", above=1.25, relative="ratio", consecutive=2)
    rules = RuleSet((rule,))
    other = "model:other:1"
    observations = [
        _mae(3, 2.8),  # holds
        _mae(0, 2.8),  # holds
        _mae(1, 2.0),  # clears
        _mae(2, 2.8),  # holds: streak 1
        _mae(4, 2.9),  # holds: streak 3
        Observation(other, _w(4), "perf.mae", value=9.0, baseline=2.1),  # streak 1
    ]
    hits = rules.evaluate(observations)
    assert [(h.observation.window, h.streak) for h in hits] == [(_w(3), 2), (_w(4), 3)]
    assert hits[1].message.endswith("for 3 windows")


def test_a_window_without_a_metric_value_neither_breaks_nor_extends_a_streak() -> None:
    rule = Rule("slow", "perf.mae", above=1.25, relative="ratio", consecutive=2)
    hits = RuleSet((rule,)).evaluate([_mae(0, 2.8), _mae(1, None), _mae(2, 2.8)])
    assert [h.observation.window for h in hits] == [_w(2)]


def test_finding_rules_judge_severity_and_absence_breaks_the_streak() -> None:
    rule = Rule(
        "drift2", "drift.*", "model:*", min_severity=Severity.ERROR, consecutive=2
    )
    rules = RuleSet((rule,))

    def drift(i: int, severity: Severity) -> Observation:
        return Observation(MODEL, _w(i), "drift.ks", severity=severity, column="income")

    marker = Observation(MODEL, _w(1), "perf.mae", value=2.0, baseline=2.0)
    observations = [
        drift(0, Severity.ERROR),
        marker,  # window 1 has no drift finding: breaks the streak
        drift(2, Severity.ERROR),
        drift(3, Severity.ERROR),
        drift(4, Severity.WARNING),
    ]
    hits = rules.evaluate(observations)
    assert [h.observation.window for h in hits] == [_w(3)]
    states = {(s.window, s.holds) for s in rules.states(observations)}
    assert states == {
        (_w(0), False),
        (_w(1), False),
        (_w(2), False),
        (_w(3), True),
        (_w(4), False),
    }


def test_dataset_findings_hit_the_default_dataset_rule() -> None:
    rules = RuleSet.default()
    obs = Observation(
        "dataset:orders",
        _w(0),
        "schema.type_mismatch",
        severity=Severity.ERROR,
        message="Column 'amount' is declared float64 but the batch has str.",
        column="amount",
    )
    warning = Observation(
        "dataset:orders", _w(0), "nulls.rate", severity=Severity.WARNING, column="x"
    )
    hits = rules.evaluate([obs, warning])
    assert len(hits) == 1
    assert hits[0].alert_severity == "sev3"
    assert hits[0].severity is Severity.WARNING
    assert hits[0].message == (
        "Column 'amount' is declared float64 but the batch has str (column 'amount') "
        "(rule 'dataset_errors': error findings)"
    )


def test_states_keep_a_milder_rule_holding_under_a_more_severe_one() -> None:
    rules = RuleSet.default()
    observations = [_mae(0, 3.3), _mae(1, 2.2)]
    states = {
        (s.rule.name, s.window): s.holds
        for s in rules.states(observations)
        if s.rule.check == "perf.mae"
    }
    assert states == {
        ("mae_warning", _w(0)): True,
        ("mae_error", _w(0)): True,
        ("mae_warning", _w(1)): False,
        ("mae_error", _w(1)): False,
    }


def test_finding_severity_of_alert_severities() -> None:
    assert [finding_severity(s) for s in ("sev1", "sev2", "sev3", "sev4")] == [
        Severity.ERROR,
        Severity.ERROR,
        Severity.WARNING,
        Severity.INFO,
    ]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"above": 1.0, "below": 0.5},
        {"above": 1.0, "min_severity": Severity.ERROR},
        {"above": 1.0, "consecutive": 0},
        {"above": float("inf")},
    ],
)
def test_a_rule_needs_exactly_one_sane_condition(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="rule 'r'"):
        Rule("r", "perf.mae", **kwargs)  # type: ignore[arg-type]


def test_defaults_round_trip_through_yaml(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "rules.yaml"
    path.write_text(RuleSet.default().to_yaml(), encoding="utf-8")
    loaded = RuleSet.load(path)
    assert loaded.rules == RuleSet.default().rules
    assert dict(loaded.escalation) == dict(DEFAULT_ESCALATION)
    assert loaded.source == str(path)


def test_a_rules_file_with_escalation_and_channels(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "rules.yaml"
    path.write_text(
        """\
rules:
  - name: orders_nulls
    check: nulls.*
    subject: dataset:orders
    min_severity: warning
    severity: sev1
  - name: latency
    check: perf.mae
    above: 4
    consecutive: 3
escalation:
  sev1: 30m
  sev3: 2d
  sev4: 1w
notify:
  - name: ops
    webhook: http://127.0.0.1:9/hook
    format: slack
    timeout: 2
  - webhook_env: HOOK_URL
  - email:
      host: 127.0.0.1
      port: 2525
      from: pw@example.com
      to: [oncall@example.com]
      password_env: SMTP_PASSWORD
""",
        encoding="utf-8",
    )
    rules = RuleSet.load(path)
    assert rules.rules[0] == Rule(
        "orders_nulls",
        "nulls.*",
        "dataset:orders",
        min_severity=Severity.WARNING,
        severity="sev1",
    )
    assert rules.rules[1].consecutive == 3 and rules.rules[1].relative == "absolute"
    assert rules.deadline("sev1") == timedelta(minutes=30)
    assert rules.deadline("sev2") == timedelta(hours=24)
    assert rules.deadline("sev3") == timedelta(days=2)
    assert rules.deadline("sev4") == timedelta(weeks=1)
    assert rules.notify == (
        WebhookChannel("ops", url="http://127.0.0.1:9/hook", format="slack", timeout=2),
        WebhookChannel("webhook-2", url_env="HOOK_URL"),
        EmailChannel(
            "email-3",
            host="127.0.0.1",
            port=2525,
            sender="pw@example.com",
            to=("oncall@example.com",),
            password_env="SMTP_PASSWORD",
        ),
    )
    again = path.with_name("again.yaml")
    again.write_text(rules.to_yaml(), encoding="utf-8")
    reloaded = RuleSet.load(again)
    assert reloaded.rules == rules.rules
    assert reloaded.notify == rules.notify
    assert dict(reloaded.escalation) == dict(rules.escalation)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "rules:\n  - name: a\n    check: perf.mae\n    severity: sev9\n    above: 1\n",
            "rules.yaml, line 4, key 'rules.0.severity': 'sev9' is not allowed here; "
            "use one of 'sev1', 'sev2', 'sev3' or 'sev4'.",
        ),
        (
            "rules:\n  - name: a\n    check: perf.mae\n    above: 1\n    below: 0\n",
            "rules.yaml, line 2, key 'rules.0': a rule needs exactly one of "
            "'above', 'below' or 'min_severity' (it has above, below). Keep one.",
        ),
        (
            "rules: []\nescalation:\n  sev2: soon\n",
            "rules.yaml, line 3, key 'escalation.sev2': 'soon' is not a duration; "
            "write e.g. 4h, 30m, 2d, 1w or never. Fix the deadline.",
        ),
        (
            "rules:\n  - name: a\n    check: x\n    abvoe: 1\n",
            "rules.yaml, line 4, key 'rules.0.abvoe': unknown key. Check its spelling "
            "(pipewarden monitor rules --init shows every key).",
        ),
        (
            "rules:\n  - {name: a, check: x, above: 1}\n  - {name: a, check: y, above: 2}\n",
            "rules.yaml, line 3, key 'rules.1': the name 'a' is used twice. "
            "Give each entry its own name.",
        ),
        (
            "notify:\n  - webhook: ftp://x\n",
            "rules.yaml, line 2, key 'notify.0': webhook 'ftp://x' is not "
            "an http(s) URL.",
        ),
        ("rules: [\n", "rules.yaml, line 2: invalid YAML"),
        ("- 1\n", "rules.yaml, line 1: a rules file is a mapping"),
    ],
)
def test_bad_rules_files_name_file_line_and_key(
    tmp_path: object, text: str, message: str
) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        RuleSet.load(path)
    assert str(info.value).replace(str(path), "rules.yaml").startswith(message)


def test_a_missing_rules_file_says_how_to_write_one(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "nope.yaml"
    with pytest.raises(ConfigError, match="pipewarden monitor rules --init"):
        RuleSet.load(path)
