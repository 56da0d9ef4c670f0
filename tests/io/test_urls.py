"""Database URLs in messages: passwords hidden, whatever the URL looks like."""

from __future__ import annotations

import pytest

from pipewarden.io.urls import redact_text, redact_url


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


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+psycopg://host/db?password=pw&user=alice",
            "postgresql+psycopg://host/db?password=***&user=alice",
        ),
        (
            "postgresql://h/d?PassWord=pw&sslpassword=pw2&sslmode=require",
            "postgresql://h/d?PassWord=***&sslmode=require&sslpassword=***",
        ),
        (
            "snowflake://u@acct/db?api_key=k&Access_Token=t&client_secret=s&warehouse=w",
            "snowflake://u@acct/db?Access_Token=***&api_key=***&client_secret=***"
            "&warehouse=w",
        ),
        ("postgresql://h/d?password=a&password=b", "postgresql://h/d?password=***"),
    ],
)
def test_secret_query_parameters_are_hidden_in_any_case(url: str, shown: str) -> None:
    assert redact_url(url) == shown


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://u:p@ss@h/d?api_key=k&x=1",
            "postgresql://u:***@h/d?api_key=***&x=1",
        ),
        ("postgresql://h:notaport/d?Token=t", "postgresql://h:notaport/d?Token=***"),
    ],
)
def test_a_url_that_does_not_parse_hides_its_secret_parameters(
    url: str, shown: str
) -> None:
    assert redact_url(url) == shown


def test_redact_text_hides_the_secrets_of_a_url_as_typed_and_decoded() -> None:
    url = "postgresql://ann:se%2Fcret@h/d?api_key=k3y-value&sslmode=require"
    text = 'bad dsn "password=se/cret api_key=k3y-value sslmode=require" (se%2Fcret)'
    assert redact_text(text, url) == (
        'bad dsn "password=*** api_key=*** sslmode=require" (***)'
    )
