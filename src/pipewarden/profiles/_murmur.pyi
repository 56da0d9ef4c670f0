"""The C module's signatures (``_murmur.c``)."""

from typing import Any

def hash_words(
    words: Any, out: Any, doubles: bool, seed: int, threshold: int, /
) -> int: ...
def hash_strings(
    offsets: Any, data: Any, out: Any, seed: int, threshold: int, /
) -> int: ...
