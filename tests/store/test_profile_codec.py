"""The stored form of profiles: binary sketches beside the JSON, loading back the same."""

from __future__ import annotations

import base64
import dataclasses
import struct
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
import sqlalchemy as sa

from pipewarden.engines.local import LocalEngine
from pipewarden.errors import StoreError
from pipewarden.profiles.column import ColumnProfile
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.profiles.sketches import Distinct, Frequent, Quantiles
from pipewarden.store import _profile_codec
from pipewarden.store.database import open_store
from pipewarden.store.tables import PROFILE_ENCODINGS, decode_profile, encode_profile
from store_helpers import database_of, frame, make_run, profile_of, save


def varied_frame(n: int = 3000) -> pl.DataFrame:
    """Every kind of column, with exact and sketched distributions and frequencies."""
    rng = np.random.default_rng(5)
    wide = rng.normal(0, 1, n)
    wide[::17] = np.nan
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return pl.DataFrame(
        {
            "wide": pl.Series(wide).fill_nan(None),  # KLL quantiles, KMV past K
            "few": rng.integers(0, 40, n).astype(np.float64),  # exact quantiles
            "ids": np.arange(n),  # frequent items sketch
            "big": rng.integers(-(2**40), 2**40, n),  # large negative and positive
            "flag": rng.random(n) < 0.3,
            "colour": rng.choice(["red", "grün", 'qu"ote', "", "\\"], n),
            "text": [f"free text number {i} with spaces" for i in range(n)],
            "when": [
                start + timedelta(minutes=int(m)) for m in rng.integers(0, 10**5, n)
            ],
            "empty": pl.Series([None] * n, dtype=pl.Float64),
        }
    )


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

    assert encoding == ("json+bin+zlib" if compression else "json+bin")
    assert encoding in PROFILE_ENCODINGS
    assert got == prof
    assert got.to_dict() == prof.to_dict()
    assert got.to_json() == prof.to_json()


def test_the_segmented_profile_has_segments() -> None:
    assert PROFILES["segmented"].segments["colour"]


@pytest.mark.parametrize("encoding", ["json", "json+zlib"])
def test_profiles_in_the_older_json_forms_still_load(encoding: str) -> None:
    import zlib

    prof = PROFILES["varied"]
    data = prof.to_json().encode("utf-8")
    payload = zlib.compress(data, 6) if encoding == "json+zlib" else data

    assert decode_profile(encoding, payload) == prof


def test_the_binary_form_is_smaller_than_the_json() -> None:
    prof = PROFILES["varied"]

    _, payload = encode_profile(prof, 0)

    assert len(payload) < 0.85 * len(prof.to_json().encode())


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
    assert [f.name for f in dataclasses.fields(Distinct)] == ["hashes", "hash_id"]
    exact = Quantiles.from_counts(np.array([1.0, 2.0]), np.array([3, 4]))
    assert exact.to_dict() == {"kll": None, "values": [1.0, 2.0], "counts": [3, 4]}
    assert Quantiles().to_dict() == {"kll": None}
    hashes = PROFILES["varied"]["wide"].distinct
    assert hashes.to_dict()["kmv"] == base64.b64encode(
        hashes.hashes.astype("<u8").tobytes()
    ).decode("ascii")


# ------------------------------------------------------------------ damage


def payload_of(prof: DatasetProfile, compression: int = 0) -> bytes:
    return encode_profile(prof, compression)[1]


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
def test_a_damaged_payload_is_a_store_error(damage: object) -> None:
    payload = payload_of(PROFILES["varied"])

    with pytest.raises(StoreError, match="corrupt"):
        decode_profile("json+bin", damage(payload))  # type: ignore[operator]


def test_a_damaged_compressed_payload_is_a_store_error() -> None:
    payload = payload_of(PROFILES["varied"], 1)
    size = struct.unpack_from("<I", payload, 5)[0]
    broken = payload[:9] + b"\x00" * size + payload[9 + size :]

    with pytest.raises(StoreError, match="corrupt"):
        decode_profile("json+bin+zlib", broken)


def test_a_newer_format_version_asks_for_an_upgrade() -> None:
    payload = bytearray(payload_of(PROFILES["small"]))
    payload[4] = _profile_codec.VERSION + 1

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
    import zlib

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

    assert encoding == "json+bin"
    assert got == prof
