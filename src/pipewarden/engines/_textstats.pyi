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

class ValueTable:
    def __init__(self) -> None: ...
    @property
    def size(self) -> int: ...
    @property
    def nbytes(self) -> int: ...
    def count(
        self,
        views: Any,
        data: list[Any],
        validity: Any,
        offset: int,
        count: int,
        limit: int,
        missed: Any,
        /,
    ) -> int: ...
    def take_counts(self) -> bytes: ...
    def values(self, start: int, end: int, /) -> list[str]: ...
