"""The compiled key check of JSON Lines records (``io/_jsonkeys.c``): it finds every
top-level key that is not a schema name, whatever the values hold (quotes, braces,
commas and backslashes in strings, records and lists inside), across the 64-byte
blocks it reads; a known key written with an escape counts as unknown."""

from __future__ import annotations

import importlib.util
import json
import os
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipewarden.io import _jsonl

needs_c = pytest.mark.skipif(_jsonl._keys is None, reason="built without a C compiler")


def unknown_key(data: bytes, keys: tuple[bytes, ...]) -> int:
    assert _jsonl._keys is not None
    return int(_jsonl._keys.unknown_key(data, keys))


KEYS = ["a", "id", "f_norm_1", "é k", 'q"uote', "back\\slash", "tab\tkey", "x" * 20]
TEXT = st.text(
    alphabet=st.sampled_from(list('ab{}[],:"\\ \t\né\u2028') + ["\x00", "\U0001f600"]),
    max_size=80,
)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS + ["inner"]), inner, max_size=3)
    ),
    max_leaves=8,
)
RECORDS = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=len(KEYS))


def raw(key: str, ascii_only: bool) -> bool:
    """Whether ``json.dumps`` writes the key as its own UTF-8 bytes."""
    return json.dumps(key, ensure_ascii=ascii_only) == f'"{key}"'


@needs_c
@settings(max_examples=500, deadline=None)
@given(
    records=st.lists(RECORDS, min_size=1, max_size=8),
    known=st.sets(st.sampled_from(KEYS)),
    ascii_only=st.booleans(),
    separators=st.sampled_from([(",", ":"), (", ", ": "), (" , ", " : ")]),
    end=st.sampled_from(["\n", "\r\n"]),
)
def test_every_key_outside_the_schema_is_found(
    records: list[dict[str, Any]],
    known: set[str],
    ascii_only: bool,
    separators: tuple[str, str],
    end: str,
) -> None:
    text = end.join(
        json.dumps(r, ensure_ascii=ascii_only, separators=separators) for r in records
    )
    names = tuple(k.encode() for k in sorted(known))
    found = unknown_key(text.encode(), names)

    fits = all(k in known and raw(k, ascii_only) for r in records for k in r)
    assert (found == -1) == fits
    if not fits:
        first = next(
            k for r in records for k in r if k not in known or not raw(k, ascii_only)
        )
        assert 0 <= found < len(text.encode())
        assert (
            json.dumps(first, ensure_ascii=ascii_only).encode()
            in text.encode()[found : found + 200]
        )


@needs_c
@pytest.mark.parametrize("pad", range(130))
def test_escapes_and_strings_across_block_boundaries(pad: int) -> None:
    """A value ending in escaped backslashes and quotes at every offset of the
    64-byte blocks: the key after it is found, or passed, as it should be."""
    value = "x" * pad + '\\"}{,\\\\'
    line = json.dumps({"a": value, "b": 1}) + "\n"
    assert unknown_key(line.encode(), (b"a", b"b")) == -1
    assert unknown_key(line.encode(), (b"a",)) == line.index('"b"') - 2


@needs_c
@pytest.mark.parametrize(
    ("line", "found"),
    [
        (b"", -1),
        (b"{}\n{ }\n", -1),
        (b'{"a":1}\n\n{"a":2}\n', -1),  # a blank line holds no key
        (b'{"a":{"zz":[{"zz":1}]}}\n', -1),  # keys inside records: not top-level
        (b'{"a":"unterminated\n', 19),  # polars refuses these: never "all known"
        (b'{"a":1}}\n', 7),
        (b'{"a":1,}\n', 6),
        (b'{"\\u0061":1}\n', 0),
    ],
)
def test_edge_lines(line: bytes, found: int) -> None:
    assert unknown_key(line, (b"a",)) == found


@needs_c
def test_keys_must_be_bytes() -> None:
    with pytest.raises(TypeError, match="tuple of bytes"):
        unknown_key(b'{"a":1}', ("a",))  # type: ignore[arg-type]


def test_the_install_built_the_key_check() -> None:
    # `make` installs pipewarden with its C modules; PIPEWARDEN_PURE_PYTHON=1 opts out.
    built = importlib.util.find_spec("pipewarden.io._jsonkeys") is not None
    assert built is not bool(os.environ.get("PIPEWARDEN_PURE_PYTHON"))
