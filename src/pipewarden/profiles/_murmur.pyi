"""The C module's signatures (``_murmur.c``)."""

from typing import Any

def hash_words(words: Any, out: Any, doubles: bool, seed: int, /) -> None: ...
def hash_strings(offsets: Any, data: Any, out: Any, seed: int, /) -> None: ...
def smallest_words(
    words: Any, doubles: bool, seed: int, k: int, bound: int, out: Any, tmp: Any, /
) -> int: ...
def smallest_strings(
    offsets: Any, data: Any, seed: int, k: int, bound: int, out: Any, tmp: Any, /
) -> int: ...
def smallest_views(
    views: Any,
    data: list[Any],
    validity: Any,
    offset: int,
    count: int,
    seed: int,
    k: int,
    bound: int,
    out: Any,
    tmp: Any,
    /,
) -> int: ...
