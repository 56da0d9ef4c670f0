"""The C module's signature (``_textstats.c``)."""

from typing import Any

def text_stats(
    views: Any,
    data: list[Any],
    validity: Any,
    offset: int,
    count: int,
    out: Any,
    /,
) -> tuple[int, int, int, int | None, int | None, int, int, int]: ...
