"""The pieces the fault tests rely on, one by one: which store errors are transient,
the retry with backoff, and a channel's backoff in the rules file and the outbox."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import exc as sa_exc

from pipewarden.errors import (
    ConfigError,
    PipewardenWarning,
    StoreError,
    StoreUnavailableError,
)
from pipewarden.monitor._rules_yaml import dump_rules, parse_rules
from pipewarden.monitor.channels import WebhookChannel, channel_from_dict
from pipewarden.store._errors import store_error
from pipewarden.workflows._retry import retried

RULES = """kind: pipewarden/rules
version: 1
notify:
  - name: hook
    webhook: http://127.0.0.1:9/hook
    backoff: {backoff}
"""


def driver(cls: type[sa_exc.DBAPIError], error: Exception) -> sa_exc.DBAPIError:
    return cls("INSERT ...", {}, error)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (
            driver(
                sa_exc.OperationalError,
                psycopg.errors.AdminShutdown(
                    "terminating connection due to administrator command"
                ),
            ),
            True,
        ),
        (
            driver(
                sa_exc.OperationalError,
                psycopg.errors.CannotConnectNow("the database system is starting up"),
            ),
            True,
        ),
        (
            driver(
                sa_exc.OperationalError,
                psycopg.errors.DeadlockDetected("deadlock detected"),
            ),
            True,
        ),
        (
            driver(
                sa_exc.OperationalError, psycopg.OperationalError("connection refused")
            ),
            True,
        ),
        (
            driver(
                sa_exc.OperationalError,
                psycopg.OperationalError('password authentication failed for user "u"'),
            ),
            False,
        ),
        (
            driver(
                sa_exc.IntegrityError,
                psycopg.errors.UniqueViolation("duplicate key value"),
            ),
            False,
        ),
        (
            driver(sa_exc.ProgrammingError, psycopg.errors.UndefinedTable("no runs")),
            False,
        ),
    ],
)
def test_which_store_errors_are_worth_a_retry(
    error: Exception, transient: bool
) -> None:
    mapped = store_error(error, "U")
    assert isinstance(mapped, StoreError)
    assert isinstance(mapped, StoreUnavailableError) is transient


def test_retried_waits_doubling_and_reports_each_retry() -> None:
    slept: list[float] = []
    calls = {"n": 0}

    def flaky() -> str:
        calls["n"] += 1
        if calls["n"] < 3:
            raise StoreUnavailableError("Cannot reach the store U (restarting).")
        return "stored"

    with pytest.warns(PipewardenWarning) as seen:
        assert retried(flaky, what="the batch b1", sleep=slept.append) == "stored"
    assert slept == [0.5, 1.0] and calls["n"] == 3
    messages = [str(w.message) for w in seen]
    assert len(messages) == 2
    assert "Retrying the batch b1 in 0.5 s (attempt 2 of 6)" in messages[0]
    assert "Retrying the batch b1 in 1 s (attempt 3 of 6)" in messages[1]


def test_retried_gives_up_after_the_last_wait_and_never_retries_other_errors() -> None:
    slept: list[float] = []

    def down() -> None:
        raise StoreUnavailableError("down")

    with pytest.warns(PipewardenWarning), pytest.raises(StoreUnavailableError):
        retried(down, what="x", waits=(0.1, 0.2), sleep=slept.append)
    assert slept == [0.1, 0.2]

    def broken() -> None:
        raise StoreError("a real failure")

    with pytest.raises(StoreError, match="a real failure"):
        retried(broken, what="x", sleep=slept.append)
    assert slept == [0.1, 0.2]  # no wait for an error a retry cannot fix


def test_a_channels_backoff_is_read_kept_and_written() -> None:
    rules = parse_rules(RULES.format(backoff="2s"))
    channel = rules.notify[0]
    assert isinstance(channel, WebhookChannel) and channel.backoff == 2.0
    assert channel_from_dict(channel.to_dict()) == channel  # as kept in the outbox
    assert "backoff: 2s" in dump_rules(rules)
    assert parse_rules(dump_rules(rules)).notify == rules.notify
    old_row = {k: v for k, v in channel.to_dict().items() if k != "backoff"}
    assert channel_from_dict(old_row).backoff == 30.0  # outbox rows of before


@pytest.mark.parametrize("bad", ["soon", "0s", "-5m", "never"])
def test_a_bad_backoff_is_refused_with_its_line(bad: str) -> None:
    with pytest.raises(ConfigError, match="backoff"):
        parse_rules(RULES.format(backoff=bad), source="rules.yaml")
