from __future__ import annotations

import hashlib
import os
from pathlib import Path

import polars as pl
import pytest

from pipewarden.io import fingerprints
from pipewarden.io.fingerprints import fingerprint_file, fingerprint_inputs


def write_parquet(path: Path, values: list[int]) -> Path:
    pl.DataFrame({"x": values}).write_parquet(path)
    return path


def test_parquet_is_known_by_its_footer(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "a.parquet", [1, 2, 3])

    got = fingerprint_file(path)

    assert got.hash_method == "parquet-footer"
    assert got.path == str(path.resolve())
    assert got.size == path.stat().st_size
    assert got.modified_at is not None and got.modified_at.tzinfo is not None
    assert got.content_hash is not None and len(got.content_hash) == 64


def test_parquet_footer_hash_follows_the_content_not_the_time(tmp_path: Path) -> None:
    first = fingerprint_file(write_parquet(tmp_path / "a.parquet", [1, 2, 3]))
    os.utime(tmp_path / "a.parquet", (1, 1))
    touched = fingerprint_file(tmp_path / "a.parquet")
    changed = fingerprint_file(write_parquet(tmp_path / "a.parquet", [1, 2, 4]))

    assert touched.content_hash == first.content_hash
    assert touched.modified_at != first.modified_at
    assert changed.content_hash != first.content_hash


def test_small_files_are_hashed_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("x\n1\n")

    got = fingerprint_file(path)

    assert (got.hash_method, got.content_hash) == (
        "sha256",
        hashlib.sha256(b"x\n1\n").hexdigest(),
    )


def test_large_files_are_known_by_size_and_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fingerprints, "MAX_HASHED_BYTES", 4)
    path = tmp_path / "a.csv"
    path.write_text("x\n1\n2\n")

    got = fingerprint_file(path)

    assert (got.hash_method, got.content_hash, got.size) == ("size-mtime", None, 6)


def test_a_file_named_parquet_that_is_not_is_hashed_whole(tmp_path: Path) -> None:
    path = tmp_path / "fake.parquet"
    path.write_bytes(b"not parquet at all")

    assert fingerprint_file(path).hash_method == "sha256"


def test_a_directory_or_glob_gives_one_fingerprint_per_file(tmp_path: Path) -> None:
    for name in ("b.parquet", "a.parquet"):
        write_parquet(tmp_path / name, [1])

    by_dir = fingerprint_inputs(str(tmp_path))
    by_glob = fingerprint_inputs(str(tmp_path / "*.parquet"))

    assert [Path(f.path).name for f in by_dir] == ["a.parquet", "b.parquet"]
    assert by_glob == by_dir


def test_a_query_is_known_by_its_text_without_password() -> None:
    [got] = fingerprint_inputs("postgresql://u:secret@db/x", query="SELECT 1")

    assert got.path == "postgresql://u:***@db/x"
    assert (got.hash_method, got.content_hash) == (
        "query",
        hashlib.sha256(b"SELECT 1").hexdigest(),
    )


def test_in_memory_and_missing_data_have_no_inputs(tmp_path: Path) -> None:
    assert fingerprint_inputs(pl.DataFrame({"x": [1]})) == ()
    assert fingerprint_inputs(str(tmp_path / "missing.csv")) == ()


def test_fingerprints_round_trip_through_dicts(tmp_path: Path) -> None:
    got = fingerprint_file(write_parquet(tmp_path / "a.parquet", [1]))

    assert type(got).from_dict(got.to_dict()) == got
