"""Database URLs in messages: the password hidden wherever a driver would read it.

SQLAlchemy parses the URL (it loads only when a URL is shown); a URL it cannot parse
is shown as given but for the password of its user part.
"""

from __future__ import annotations

__all__ = ["redact_url"]

_HIDDEN = "***"


def redact_url(url: str) -> str:
    """The URL with its password hidden, for messages.

    The password is hidden wherever a driver would read it: in the user part and in
    a ``password=`` query parameter. A URL SQLAlchemy cannot parse is shown as given
    (the message about it is more helpful with it), but for the text between ``:``
    and ``@`` of its user part.
    """
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # e.g. a port that is not a number
        return _hide_user_password(url)
    if parsed.host is not None and "@" in parsed.host:
        return _hide_user_password(url)  # an '@' in the password, not escaped
    shown = parsed.render_as_string(hide_password=True)
    if "password" in parsed.query:
        placeholder = parsed.update_query_dict({"password": _HIDDEN})
        shown = placeholder.render_as_string(hide_password=True).replace(
            "password=%2A%2A%2A", f"password={_HIDDEN}"
        )
    return shown


def _hide_user_password(url: str) -> str:
    scheme, separator, rest = url.partition("://")
    user_part, at, location = rest.rpartition("@")
    user, colon, _password = user_part.partition(":")
    if not (separator and at and colon):
        return url
    return f"{scheme}://{user}:{_HIDDEN}@{location}"
