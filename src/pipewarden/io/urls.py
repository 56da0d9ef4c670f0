"""Database URLs in messages and stored inputs: every secret hidden, wherever a
driver would read it.

SQLAlchemy parses the URL (it loads only when a URL is shown); a URL it cannot parse
is shown as given but for the password of its user part and its secret-looking query
parameters.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

__all__ = ["redact_text", "redact_url"]

_HIDDEN = "***"
_SECRET_KEY = re.compile(
    r"pass|pwd|token|secret|key|credential|auth|signature", re.IGNORECASE
)
"""Query parameters whose value is hidden: ``password``, ``sslpassword``,
``api_key``, ``access_token``, ``client_secret``, ... (matched in any case)."""
_QUERY_PAIR = re.compile(r"(?P<key>[^&=;]+)=(?P<value>[^&;#]*)")


def redact_url(url: str) -> str:
    """The URL with every secret hidden, for messages and stored inputs.

    Hidden are the password of the user part and the value of every query parameter
    whose name looks secret (``password``, ``sslpassword``, ``api_key``,
    ``access_token``, ``secret``...; any case). A URL SQLAlchemy cannot parse is
    shown as given (the message about it is more helpful with it), but for the text
    between ``:`` and ``@`` of its user part and its secret-looking parameters.
    """
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # e.g. a port that is not a number
        return _hide_raw(url)
    if parsed.host is not None and "@" in parsed.host:
        return _hide_raw(url)  # an '@' in the password, not escaped
    secret = [key for key in parsed.query if _SECRET_KEY.search(key)]
    if secret:
        parsed = parsed.update_query_dict(dict.fromkeys(secret, _HIDDEN))
    shown = parsed.render_as_string(hide_password=True)
    return shown.replace("=%2A%2A%2A", f"={_HIDDEN}")


def redact_text(text: str, url: str) -> str:
    """Third-party text (a driver's error) with the URL's secrets replaced by ``***``.

    Drivers may echo a connection string back; whatever secret the URL holds is
    hidden from it, as typed and as decoded.
    """
    for secret in sorted(_secrets(url), key=len, reverse=True):
        text = text.replace(secret, _HIDDEN)
    return text


def _secrets(url: str) -> set[str]:
    _scheme, _separator, rest = url.partition("://")
    user_part, at, _location = rest.rpartition("@")
    found = set()
    if at and ":" in user_part:
        found.add(user_part.partition(":")[2])
    query = rest.partition("?")[2]
    for pair in _QUERY_PAIR.finditer(query):
        if _SECRET_KEY.search(pair["key"]):
            found.add(pair["value"])
    found |= {unquote(value) for value in found}
    return {value for value in found if len(value) >= 3}


def _hide_raw(url: str) -> str:
    return _hide_query(_hide_user_password(url))


def _hide_user_password(url: str) -> str:
    scheme, separator, rest = url.partition("://")
    user_part, at, location = rest.rpartition("@")
    user, colon, _password = user_part.partition(":")
    if not (separator and at and colon):
        return url
    return f"{scheme}://{user}:{_HIDDEN}@{location}"


def _hide_query(url: str) -> str:
    head, question, query = url.partition("?")
    if not question:
        return url

    def hide(pair: re.Match[str]) -> str:
        key = pair["key"]
        return f"{key}={_HIDDEN}" if _SECRET_KEY.search(key) else pair[0]

    return head + question + _QUERY_PAIR.sub(hide, query)
