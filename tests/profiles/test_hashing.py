"""The Theta hash of canonical bytes, against DataSketches fed value by value.

Every test runs twice: on the C module the install builds, and on the numpy code that
stands in for it where no C compiler was found.
"""

from __future__ import annotations

import struct

import datasketches as ds
import numpy as np
import pytest

from pipewarden.profiles import hashing
from pipewarden.profiles.hashing import hash_doubles, hash_strings, hash_words


@pytest.fixture(autouse=True, params=["c", "numpy"])
def implementation(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> str:
    if request.param == "numpy":
        monkeypatch.setattr(hashing, "_native", None)
    elif not hashing.native():
        pytest.skip(
            "built without the C module (see test_the_install_built_the_c_module)"
        )
    return str(request.param)


def datasketches_hashes(values: list[int] | list[float] | list[str]) -> np.ndarray:
    """The hashes DataSketches keeps for these values (exact mode: all of them)."""
    sketch = ds.update_theta_sketch(16)
    for v in values:
        sketch.update(v)
    blob = sketch.compact(True).serialize()
    longs = blob[0]
    n = (
        struct.unpack_from("<I", blob, 8)[0]
        if longs > 1
        else int(not sketch.is_empty())
    )
    return np.frombuffer(blob, dtype="<u8", count=n, offset=8 * longs)


def strings_as_arrow(values: list[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [v.encode() for v in values]
    offsets = np.concatenate([[0], np.cumsum([len(b) for b in encoded])])
    return offsets.astype(np.int64), np.frombuffer(b"".join(encoded), dtype=np.uint8)


def test_integers_hash_as_datasketches_hashes_them() -> None:
    rng = np.random.default_rng(3)
    ints = np.concatenate(
        [[0, 1, -1, 2**63 - 1, -(2**63)], rng.integers(-(2**63), 2**63 - 1, 5000)]
    ).astype(np.int64)

    got = hash_words(ints.view(np.uint64))

    assert np.array_equal(np.sort(got), datasketches_hashes(ints.tolist()))
    assert got.size == ints.size and int(got.max()) < 2**63


def test_floats_hash_as_datasketches_hashes_them_with_minus_zero_as_zero() -> None:
    rng = np.random.default_rng(4)
    floats = np.concatenate(
        [
            [0.0, -0.0, 1.5, -2.25, 1e300, -1e-300, np.inf, -np.inf],
            rng.normal(0, 1, 70_000),
        ]
    )

    got = hash_doubles(floats)

    assert got[0] == got[1]
    assert np.array_equal(np.sort(got[1:]), datasketches_hashes(floats[1:].tolist()))
    assert np.array_equal(got, hash_words((floats + 0.0).view(np.uint64)))


@pytest.mark.parametrize("block", [1, 3, 1000])
def test_strings_of_every_length_hash_as_datasketches_hashes_them(block: int) -> None:
    # Every tail length (0..15 bytes past whole 16-byte blocks), multibyte UTF-8,
    # strings past a block of rows; the empty string is left to a separate test.
    values = [
        ("x" * n + "é名" * (i % 3))[: n + i % 4]
        for i, n in enumerate(range(1, 300))
        for _ in range(block)
    ]
    values = list(dict.fromkeys(v for v in values if v)) + [
        f"id-{i}" for i in range(5000)
    ]

    got = hash_strings(*strings_as_arrow(values))

    assert np.array_equal(np.sort(got), datasketches_hashes(values))


def test_the_empty_string_has_a_hash_of_its_own() -> None:
    got = hash_strings(*strings_as_arrow(["", "a"]))

    assert got.size == 2 and got[0] != got[1] and int(got[0]) != 0
    assert datasketches_hashes([""]).size == 0  # DataSketches' update(str) skips it


def test_no_values_give_no_hashes() -> None:
    assert hash_words(np.empty(0, dtype=np.uint64)).size == 0
    assert hash_strings(np.zeros(1, dtype=np.int64), np.empty(0, np.uint8)).size == 0


@pytest.mark.parametrize("distinct", [1, 7, 2_000, 150_000])
@pytest.mark.parametrize("k", [1, 5, 2_050])
def test_the_smallest_hashes_are_those_of_all_hashes_sorted_and_unique(
    distinct: int, k: int
) -> None:
    # Past one block of values (2**15), with repeats and few or many distinct values:
    # what a sketch keeps is the k smallest distinct hashes, whichever path found them.
    rng = np.random.default_rng(distinct + k)
    ints = rng.integers(0, distinct, 200_000).astype(np.int64)
    floats = ints / 7.0
    texts = [f"v{i}" for i in ints[:40_000].tolist()]

    for everything, smallest in [
        (hash_words(ints.view(np.uint64)), hash_words(ints.view(np.uint64), k)),
        (hash_doubles(floats), hash_doubles(floats, k)),
        (
            hash_strings(*strings_as_arrow(texts)),
            hash_strings(*strings_as_arrow(texts), smallest=k),
        ),
    ]:
        assert np.array_equal(smallest, np.unique(everything)[:k])


def test_the_smallest_of_no_values_are_none() -> None:
    assert hash_words(np.empty(0, dtype=np.uint64), 5).size == 0
    assert hash_strings(np.zeros(1, dtype=np.int64), np.empty(0, np.uint8), 5).size == 0


@pytest.mark.parametrize("expected", [1.0, 10_000.0, 120_000.0, 1e12])
def test_a_guess_of_the_distinct_count_changes_no_hash(expected: float) -> None:
    # The guess only lets the selection skip hashes early; a guess far too low (most
    # hashes past its bound) or far too high must still give the k smallest.
    rng = np.random.default_rng(21)
    ints = rng.integers(0, 120_000, 150_000).astype(np.int64)
    texts = [f"t{i}" for i in ints[:60_000].tolist()]
    offsets, data = strings_as_arrow(texts)

    assert np.array_equal(
        hash_words(ints.view(np.uint64), 4098, expected),
        np.unique(hash_words(ints.view(np.uint64)))[:4098],
    )
    assert np.array_equal(
        hash_doubles(ints / 3.0, 4098, expected),
        np.unique(hash_doubles(ints / 3.0))[:4098],
    )
    assert np.array_equal(
        hash_strings(offsets, data, 4098, expected),
        np.unique(hash_strings(offsets, data))[:4098],
    )
