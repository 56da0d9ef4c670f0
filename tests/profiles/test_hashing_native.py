"""The C module behind the Theta hash (``profiles/_murmur.c``): built by the install,
the same hashes as the numpy code it stands in for, and no read outside its buffers.
(tests/profiles/test_hashing.py checks both against DataSketches.)"""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import polars as pl
import pytest

from pipewarden.profiles import hashing
from pipewarden.profiles.hashing import hash_doubles, hash_strings, hash_words

needs_c = pytest.mark.skipif(not hashing.native(), reason="built without the C module")


def test_the_install_built_the_c_module() -> None:
    # `make` installs pipewarden with its C hash; PIPEWARDEN_PURE_PYTHON=1 opts out.
    built = importlib.util.find_spec("pipewarden.profiles._murmur") is not None
    assert built is not bool(os.environ.get("PIPEWARDEN_PURE_PYTHON"))
    assert hashing.native() is built


@needs_c
def test_c_and_numpy_give_the_same_hashes_of_arbitrary_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(11)
    lengths = rng.integers(0, 70, 20_000)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    data = rng.integers(0, 256, int(offsets[-1])).astype(np.uint8)  # NULs included
    words = rng.integers(0, 2**64 - 1, 50_000, dtype=np.uint64, endpoint=True)
    doubles = np.concatenate([rng.normal(0, 1e6, 50_000), [-0.0, np.inf, 5e-324]])

    c = [hash_strings(offsets, data), hash_words(words), hash_doubles(doubles)]
    c_smallest = [hash_strings(offsets, data, 100), hash_words(words, 100)]
    monkeypatch.setattr(hashing, "_native", None)
    numpy = [hash_strings(offsets, data), hash_words(words), hash_doubles(doubles)]
    numpy_smallest = [hash_strings(offsets, data, 100), hash_words(words, 100)]

    for ours, theirs in zip(c + c_smallest, numpy + numpy_smallest, strict=True):
        assert np.array_equal(ours, theirs)


@pytest.mark.parametrize(
    "offsets",
    [[0, 5, 3], [0, 2, 99], [-1, 2]],
    ids=["descending", "past-the-data", "negative"],
)
@needs_c
def test_the_c_module_refuses_offsets_outside_the_data(offsets: list[int]) -> None:
    out = np.empty(len(offsets), dtype=np.uint64)
    with pytest.raises(ValueError, match="offsets"):
        hashing._native.hash_strings(
            np.array(offsets, dtype=np.int64), np.zeros(10, np.uint8), out, 1
        )


def _views(values: list[str | None]) -> tuple[object, ...]:
    """An Arrow string-view array's parts, as the engine hands them over."""
    array = pl.Series(values, dtype=pl.String).to_arrow(
        compat_level=pl.CompatLevel.newest()
    )
    validity, views, *data = array.buffers()
    return (
        np.frombuffer(views, dtype=np.uint8),
        [np.frombuffer(d, dtype=np.uint8) for d in data],
        None if validity is None else np.frombuffer(validity, dtype=np.uint8),
        array.offset,
        len(array),
    )


@needs_c
def test_string_views_hash_as_the_same_strings_laid_out_in_one_buffer() -> None:
    # Inline (up to 12 bytes) and out-of-line strings, multibyte UTF-8, the empty
    # string, and nulls (skipped, as the engine drops them before hashing).
    rng = np.random.default_rng(5)
    values: list[str | None] = [
        ("é" * int(n) + f"v{i}")[: int(n) + 3] if i % 7 else None
        for i, n in enumerate(rng.integers(0, 40, 30_000))
    ]
    values[1] = ""
    present = [v for v in values if v is not None]
    encoded = [v.encode() for v in present]
    offsets = np.concatenate([[0], np.cumsum([len(b) for b in encoded])])

    for k in (5, 4098):
        got = hashing.hash_string_views(*_views(values), k)  # type: ignore[arg-type]
        want = hash_strings(
            offsets.astype(np.int64), np.frombuffer(b"".join(encoded), np.uint8), k
        )
        assert np.array_equal(got, want)


@needs_c
def test_a_string_view_pointing_outside_its_data_is_refused() -> None:
    views, data, validity, offset, count = _views(["a" * 40, "b" * 50])
    forged = np.array(views, copy=True)
    forged[16 + 12 : 16 + 16] = np.frombuffer(
        np.int32(10**6).tobytes(), dtype=np.uint8
    )  # the second string's offset, far past its buffer

    with pytest.raises(ValueError, match="outside its data buffer"):
        hashing.hash_string_views(forged, data, validity, offset, count, 5)  # type: ignore[arg-type]
