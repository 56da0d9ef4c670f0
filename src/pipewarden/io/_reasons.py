"""Short reasons taken from third-party exceptions, for one-line SourceError text."""

from __future__ import annotations


def first_line(exc: BaseException) -> str:
    """Return the first non-blank line of an exception's text, without a final period.

    polars, pyarrow and SQLAlchemy put hints and links on later lines; our messages
    carry their own hint, so only the first line is kept.
    """
    for line in str(exc).splitlines():
        text = line.strip()
        if text:
            return text.rstrip(".")
    return type(exc).__name__
