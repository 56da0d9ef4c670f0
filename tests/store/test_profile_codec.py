"""The stored form of profiles: msgpack with binary sketches, loading back the same; rows
written in the older forms (JSON with binary beside it, plain or zlib'd JSON) still load."""

from __future__ import annotations

import base64
import dataclasses
import json
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import msgpack
import numpy as np
import pytest
import sqlalchemy as sa

from pipewarden.engines.local import LocalEngine
from pipewarden.errors import ProfileError, StoreError
from pipewarden.profiles.column import ColumnProfile
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.profiles.sketches import Distinct, Frequent, Quantiles
from pipewarden.store.database import open_store
from pipewarden.store.tables import PROFILE_ENCODINGS, decode_profile, encode_profile
from store_helpers import database_of, frame, make_run, profile_of, save, varied_frame


def with_frequent_sketch(prof: DatasetProfile) -> DatasetProfile:
    values = [f"v{i}" for i in range(1500)]
    sketched = Frequent.from_counts(values, range(1, 1501))
    assert sketched.blob
    grade = dataclasses.replace(prof["grade"], frequent=sketched)
    return dataclasses.replace(prof, columns={**prof.columns, "grade": grade})


PROFILES = {
    "small": profile_of(frame()),
    "frequent sketch": with_frequent_sketch(profile_of(frame())),
    "varied": profile_of(varied_frame()),
    "segmented": LocalEngine().profile_frame(varied_frame(600), segments=["colour"]),
    "no rows": profile_of(frame(0)),
    "empty": DatasetProfile(),
}


@pytest.mark.parametrize("compression", [0, 1, 9])
@pytest.mark.parametrize("name", PROFILES)
def test_a_profile_loads_back_identical(name: str, compression: int) -> None:
    prof = PROFILES[name]

    encoding, payload = encode_profile(prof, compression)
    got = decode_profile(encoding, payload)

    assert encoding == ("msgpack+zlib" if compression else "msgpack")
    assert encoding in PROFILE_ENCODINGS
    assert got == prof
    assert got.to_dict() == prof.to_dict()
    assert got.to_json() == prof.to_json()


def test_the_segmented_profile_has_segments() -> None:
    assert PROFILES["segmented"].segments["colour"]


@pytest.mark.parametrize("encoding", ["json", "json+zlib"])
def test_profiles_in_the_older_json_forms_still_load(encoding: str) -> None:
    prof = PROFILES["varied"]
    data = prof.to_json().encode("utf-8")
    payload = zlib.compress(data, 6) if encoding == "json+zlib" else data

    assert decode_profile(encoding, payload) == prof


def test_the_binary_form_is_smaller_than_the_json() -> None:
    prof = PROFILES["varied"]

    _, payload = encode_profile(prof, 0)

    assert len(payload) < 0.8 * len(prof.to_json().encode())


def test_sketches_are_stored_as_msgpack_bin_and_exact_distributions_as_arrays() -> None:
    small = Quantiles.from_counts(np.array([1.0, 2.5]), np.array([7, 3]))
    big = Quantiles.from_counts(np.array([-1.0]), np.array([2**40]))
    columns = PROFILES["varied"].columns
    prof = dataclasses.replace(
        PROFILES["varied"],
        columns={
            **columns,
            "few": dataclasses.replace(columns["few"], quantiles=small),
            "when": dataclasses.replace(columns["when"], intervals=big),
        },
    )

    stored = msgpack.unpackb(encode_profile(prof, 0)[1], ext_hook=msgpack.ExtType)
    by_name = {c["name"]: c for c in stored["columns"]}

    assert by_name["wide"]["quantiles"]["kll"] == prof["wide"].quantiles.blob
    assert by_name["wide"]["distinct"]["theta"] == prof["wide"].distinct.serialize()
    assert by_name["few"]["quantiles"] == {
        "kll": None,
        "values": msgpack.ExtType(1, np.array([1.0, 2.5], "<f8").tobytes()),
        "counts": msgpack.ExtType(3, np.array([7, 3], "<u4").tobytes()),
    }
    assert by_name["when"]["intervals"]["counts"] == msgpack.ExtType(
        2, np.array([2**40], "<i8").tobytes()
    )
    assert by_name["colour"]["frequent"]["counts"] == prof["colour"].frequent.counts
    assert decode_profile(*encode_profile(prof, 0)) == prof


def test_a_frequent_value_that_looks_like_a_blob_index_stays_a_value() -> None:
    column = ColumnProfile.from_dict(
        {
            **PROFILES["small"]["grade"].to_dict(),
            "frequent": {"counts": {"0": 5, "[0, 1]": 2, "kmv": 1}, "total": 8},
        }
    )
    prof = dataclasses.replace(PROFILES["small"], columns={"grade": column})

    assert decode_profile(*encode_profile(prof, 0)) == prof


def test_counts_beyond_32_bits_keep_their_value() -> None:
    big = Quantiles.from_counts(np.array([1.0, 2.5]), np.array([2**40, 3]))
    column = dataclasses.replace(PROFILES["small"]["amount"], quantiles=big)
    prof = dataclasses.replace(PROFILES["small"], columns={"amount": column})

    got = decode_profile(*encode_profile(prof, 0))

    assert got == prof
    assert got["amount"].quantiles.counts.tolist() == [2**40, 3]  # type: ignore[union-attr]


def test_the_codec_knows_every_field_of_the_sketches_it_reads() -> None:
    # _profile_codec takes exact distributions and KMV hashes from these objects
    # rather than from their to_dict(); a new field must be taught to it first.
    assert [f.name for f in dataclasses.fields(Quantiles)] == [
        "blob",
        "values",
        "counts",
    ]
    assert [f.name for f in dataclasses.fields(Distinct)] == [
        "hashes",
        "theta",
        "hash_id",
        "bounds",
    ]
    exact = Quantiles.from_counts(np.array([1.0, 2.0]), np.array([3, 4]))
    assert exact.to_dict() == {"kll": None, "values": [1.0, 2.0], "counts": [3, 4]}
    assert Quantiles().to_dict() == {"kll": None}
    theta = PROFILES["varied"]["wide"].distinct
    assert theta.to_dict() == {
        "theta": base64.b64encode(theta.serialize()).decode("ascii")
    }


# ------------------------------------------------------------------ older rows
DATA = Path(__file__).parent / "data"
"""Payloads written by the json+bin codec (before msgpack), with the profile they hold:
a 200-row ``varied_frame`` segmented by ``flag``, its ``colour`` counts replaced by a
frequent-items sketch (KMV hashes, KLL and exact quantiles, exact and sketched
frequencies, time gaps, segments)."""


def legacy_payload(encoding: str) -> bytes:
    return (DATA / f"profile_{encoding.replace('+', '_')}.bin").read_bytes()


def legacy_profile() -> DatasetProfile:
    return DatasetProfile.from_json((DATA / "profile_expected.json").read_text())


@pytest.mark.parametrize("encoding", ["json+bin", "json+bin+zlib"])
def test_profiles_written_by_the_json_bin_codec_still_load(encoding: str) -> None:
    expected = legacy_profile()

    got = decode_profile(encoding, legacy_payload(encoding))

    assert got == expected
    assert got.to_dict() == expected.to_dict()
    assert got.segments["flag"]["true"] == expected.segments["flag"]["true"]


def test_the_json_bin_fixture_covers_every_binary_part() -> None:
    prof = legacy_profile()
    columns = list(prof.columns.values())

    assert any(c.quantiles.blob for c in columns)
    assert any(c.quantiles.is_exact for c in columns)
    assert any(c.intervals.blob for c in columns)
    assert any(c.frequent.blob for c in columns)
    assert any(c.frequent.counts for c in columns)
    assert all(c.distinct.hashes.size for c in columns if c.non_null)
    assert prof.segments["flag"]


@pytest.mark.parametrize(
    ("payload", "encoding", "expected"),
    [
        (
            "profile_msgpack_kmv.bin",
            "msgpack",
            "../../profiles/data/profile_kmv_a.json",
        ),
        (
            "profile_msgpack_zlib_kmv.bin",
            "msgpack+zlib",
            "profile_msgpack_zlib_kmv.json",
        ),
    ],
)
def test_profiles_stored_before_the_theta_sketch_still_load(
    payload: str, encoding: str, expected: str
) -> None:
    # Written by the msgpack codec when distinct counts were KMV over Polars' hash;
    # the zlib'd one is segmented, with its hashes beside the compressed document.
    text = (DATA / expected).read_text()

    got = decode_profile(encoding, (DATA / payload).read_bytes())

    assert got == DatasetProfile.from_json(text)
    assert got.to_dict() == json.loads(text)
    assert got["ids"].distinct.kind == "kmv"


def with_distinct(prof: DatasetProfile, **distinct: Distinct) -> DatasetProfile:
    columns = {
        name: dataclasses.replace(prof[name], distinct=d)
        for name, d in distinct.items()
    }
    return dataclasses.replace(prof, columns={**prof.columns, **columns})


@pytest.mark.parametrize("compression", [0, 6])
def test_old_and_estimate_only_distinct_counts_are_stored_as_they_are(
    compression: int,
) -> None:
    prof = with_distinct(
        PROFILES["varied"],
        ids=Distinct(np.array([3, 1, 2], dtype=np.uint64), hash_id="polars-2.1-1"),
        big=Distinct(bounds=(10.0, 12.5, 20.0)),
    )

    got = decode_profile(*encode_profile(prof, compression))

    assert got == prof
    assert got.to_dict() == prof.to_dict()
    assert [got[n].distinct.kind for n in ("ids", "big", "wide")] == [
        "kmv",
        "bounds",
        "theta",
    ]


# ------------------------------------------------------------------ damage


def payload_of(prof: DatasetProfile, compression: int = 0) -> bytes:
    return encode_profile(prof, compression)[1]


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "truncated": lambda p: p[:-10],
    "trailing bytes": lambda p: p + b"x",
    "not msgpack": lambda p: b"\xc1" + p[1:],
    "no profile": lambda p: msgpack.packb([1, 2]),
    "unknown extension type": lambda p: msgpack.packb(
        {"columns": [{"quantiles": {"values": msgpack.ExtType(99, b"")}}]}
    ),
    "array of broken length": lambda p: msgpack.packb(
        {"columns": [{"quantiles": {"values": msgpack.ExtType(1, b"123")}}]}
    ),
    "empty": lambda p: b"",
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_payload_is_a_store_error(damage: str) -> None:
    payload = payload_of(PROFILES["varied"])

    with pytest.raises(StoreError, match="corrupt"):
        decode_profile("msgpack", DAMAGE[damage](payload))


def test_a_damaged_compressed_payload_is_a_store_error() -> None:
    packed, hashes = msgpack.unpackb(payload_of(PROFILES["varied"], 1))
    broken = msgpack.packb([b"\x00" * len(packed), hashes])

    with pytest.raises(StoreError, match="corrupt"):
        decode_profile("msgpack+zlib", broken)


def test_a_compressed_payload_missing_hashes_is_a_store_error() -> None:
    packed, hashes = msgpack.unpackb(payload_of(PROFILES["varied"], 1))
    broken = msgpack.packb([packed, hashes[:-1]])

    with pytest.raises(StoreError, match="corrupt"):
        decode_profile("msgpack+zlib", broken)


def test_a_newer_profile_version_asks_for_an_upgrade() -> None:
    stored = msgpack.unpackb(payload_of(PROFILES["small"]), ext_hook=msgpack.ExtType)
    stored["version"] += 1

    with pytest.raises(ProfileError, match="Upgrade pipewarden"):
        decode_profile("msgpack", msgpack.packb(stored))


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p[:-10],  # truncated
        lambda p: p + b"x",  # trailing bytes
        lambda p: b"XXXX" + p[4:],  # not our marker
        lambda p: p[:9] + b"\xff" * 8 + p[17:],  # broken header
        lambda p: b"",
    ],
)
def test_a_damaged_json_bin_payload_is_a_store_error(damage: object) -> None:
    payload = legacy_payload("json+bin")

    with pytest.raises(StoreError, match="corrupt"):
        decode_profile("json+bin", damage(payload))  # type: ignore[operator]


def test_a_damaged_compressed_json_bin_payload_is_a_store_error() -> None:
    payload = legacy_payload("json+bin+zlib")
    size = struct.unpack_from("<I", payload, 5)[0]
    broken = payload[:9] + b"\x00" * size + payload[9 + size :]

    with pytest.raises(StoreError, match="corrupt"):
        decode_profile("json+bin+zlib", broken)


def test_a_newer_json_bin_container_version_asks_for_an_upgrade() -> None:
    payload = bytearray(legacy_payload("json+bin"))
    payload[4] += 1

    with pytest.raises(StoreError, match="Upgrade pipewarden"):
        decode_profile("json+bin", bytes(payload))


def test_an_unknown_encoding_asks_for_an_upgrade() -> None:
    with pytest.raises(StoreError, match="Upgrade pipewarden"):
        decode_profile("parquet", b"")


# ------------------------------------------------------------------ in the store


@pytest.mark.parametrize("encoding", ["json", "json+zlib"])
def test_runs_stored_in_the_older_json_forms_still_load(
    store_url: str, encoding: str
) -> None:
    prof = PROFILES["varied"]
    with open_store(store_url) as store:
        run = save(store, make_run(prof))
        old = prof.to_json().encode("utf-8")
        if encoding == "json+zlib":
            old = zlib.compress(old, 6)
        with database_of(store).begin() as conn:
            conn.execute(
                sa.text("UPDATE profiles SET encoding = :e, payload = :p"),
                {"e": encoding, "p": old},
            )
        got = store.get_run(run.id)

    assert got.profile == prof
    assert got.profile is not None and got.profile.to_dict() == prof.to_dict()


def test_runs_are_stored_in_the_binary_form(store_url: str) -> None:
    prof = PROFILES["segmented"]
    with open_store(store_url) as store:
        run = save(store, make_run(prof))
        with database_of(store).connect() as conn:
            encoding = conn.execute(sa.text("SELECT encoding FROM profiles")).scalar()
        got = store.get_run(run.id).profile

    assert encoding == "msgpack"
    assert got == prof


@pytest.mark.parametrize("encoding", ["json+bin", "json+bin+zlib"])
def test_runs_stored_by_the_json_bin_codec_still_load(
    store_url: str, encoding: str
) -> None:
    prof = legacy_profile()
    with open_store(store_url) as store:
        run = save(store, make_run(prof))
        with database_of(store).begin() as conn:
            conn.execute(
                sa.text("UPDATE profiles SET encoding = :e, payload = :p"),
                {"e": encoding, "p": legacy_payload(encoding)},
            )
        got = store.get_run(run.id)

    assert got.profile == prof
