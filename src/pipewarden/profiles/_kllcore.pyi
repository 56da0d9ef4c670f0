"""The C module's signature (``_kllcore.c``)."""

from typing import Any

def compacted(
    k: int, n: int, levels: list[Any], /
) -> tuple[bytes, tuple[int, ...]]: ...
