"""Database URLs in messages: passwords hidden, whatever the URL looks like."""

from __future__ import annotations

import pytest

from pipewarden.io.urls import redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://u:pw@h:5432/d", "postgresql+psycopg://u:***@h:5432/d"),
        ("postgresql+psycopg://u:p%40ss%2Fw@h/d", "postgresql+psycopg://u:***@h/d"),
        ("postgresql://:pw@h/d", "postgresql://:***@h/d"),
        (
            "postgresql://u@h/d?password=pw&sslmode=require",
            "postgresql://u@h/d?password=***&sslmode=require",
        ),
        ("postgresql://u@h/d", "postgresql://u@h/d"),
        ("sqlite:///.pipewarden/pipewarden.db", "sqlite:///.pipewarden/pipewarden.db"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_redact_url_hides_the_password(url: str, shown: str) -> None:
    assert redact_url(url) == shown


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:pw@h:notaport/d", "postgresql://u:***@h:notaport/d"),
        ("postgresql://u:p@ss@h/d", "postgresql://u:***@h/d"),  # '@' not escaped
        ("nonsense", "nonsense"),
        ("not a url://x", "not a url://x"),
    ],
)
def test_a_url_that_does_not_parse_is_shown_as_given_but_its_password(
    url: str, shown: str
) -> None:
    assert redact_url(url) == shown


def test_redaction_does_not_parse_with_a_regex() -> None:
    # An escaped '@' in the password (p%40ss) must not end the user part early.
    assert redact_url("postgresql://u:p%40ss@h/d") == "postgresql://u:***@h/d"
