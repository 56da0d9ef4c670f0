"""The C module behind the Theta hash (``profiles/_murmur.c``): built by the install,
the same hashes as the numpy code it stands in for, and no read outside its buffers.
(tests/profiles/test_hashing.py checks both against DataSketches.)"""

from __future__ import annotations

import importlib.util
import os

import numpy as np
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
            np.array(offsets, dtype=np.int64), np.zeros(10, np.uint8), out, 1, 0
        )
