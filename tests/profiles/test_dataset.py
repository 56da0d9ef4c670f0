"""DatasetProfile: merging whole batches, and the profile JSON format."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipewarden.errors import ProfileError
from pipewarden.profiles.dataset import DatasetProfile, is_profile_json

ProfileOf = Callable[[pl.DataFrame], DatasetProfile]
Frames = st.SearchStrategy[pl.DataFrame]
FAST = settings(max_examples=25, deadline=None)


@FAST
@given(data=st.data())
def test_zero_is_the_identity(
    profile_of: ProfileOf, frames: Frames, data: st.DataObject
) -> None:
    p = profile_of(data.draw(frames))
    assert DatasetProfile.zero().merge(p) == p
    assert p.merge(DatasetProfile.zero()) == p


@FAST
@given(data=st.data())
def test_merge_is_associative(
    profile_of: ProfileOf,
    frames: Frames,
    assert_profiles_match: Callable[..., None],
    data: st.DataObject,
) -> None:
    a, b, c = (profile_of(data.draw(frames)) for _ in range(3))
    assert_profiles_match(a.merge(b).merge(c), a.merge(b.merge(c)))


@FAST
@given(data=st.data())
def test_profile_round_trips_through_json(
    profile_of: ProfileOf, frames: Frames, data: st.DataObject
) -> None:
    p = profile_of(data.draw(frames))
    text = p.to_json()
    json.loads(text)  # strict JSON: no NaN or Infinity literals
    assert DatasetProfile.from_json(text) == p


def test_merge_keeps_column_order_and_fills_missing_columns(
    profile_of: ProfileOf,
) -> None:
    a = profile_of(pl.DataFrame({"x": [1, 2], "y": ["a", "b"]}))
    b = profile_of(pl.DataFrame({"z": [1.5], "x": [3]}))
    merged = a.merge(b)
    assert merged.column_names == ["x", "y", "z"]
    assert merged.rows == 3
    assert (merged["y"].rows, merged["y"].nulls) == (3, 1)
    assert (merged["z"].rows, merged["z"].nulls) == (3, 2)
    assert (merged["x"].moments.count, merged["x"].moments.max) == (3, 3.0)


def test_merge_all_equals_successive_merges(profile_of: ProfileOf) -> None:
    parts = [profile_of(pl.DataFrame({"x": [i, i + 1]})) for i in range(4)]
    assert DatasetProfile.merge_all(parts) == parts[0].merge(parts[1]).merge(
        parts[2]
    ).merge(parts[3])
    assert DatasetProfile.merge_all([]) == DatasetProfile.zero()


def test_header_only_profile_keeps_its_columns(profile_of: ProfileOf) -> None:
    empty = profile_of(pl.DataFrame(schema={"x": pl.Int64, "y": pl.String}))
    assert (empty.rows, empty.column_names) == (0, ["x", "y"])
    full = profile_of(pl.DataFrame({"x": [1], "y": ["a"]}))
    assert empty.merge(full) == full.merge(empty)


def test_save_and_load(tmp_path: Path, profile_of: ProfileOf) -> None:
    p = profile_of(pl.DataFrame({"x": [1, 2, 3]}))
    path = tmp_path / "profile.json"
    p.save(path)
    assert is_profile_json(path)
    assert DatasetProfile.load(path) == p


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{not json",
            "Profile is not valid JSON: Expecting property name enclosed in "
            "double quotes at line 1.",
        ),
        ("[1, 2]", "Profile JSON must be an object with 'format' and 'columns'."),
        (
            '{"rows": 1}',
            "This JSON is not a pipewarden profile (no 'format: "
            "pipewarden/profile'). Create one with: pipewarden profile DATA -o profile.json",
        ),
        (
            '{"format": "pipewarden/profile", "version": 9, "rows": 0, "columns": []}',
            "Profile format version 9 is newer than this pipewarden reads (2). Upgrade "
            "pipewarden.",
        ),
        (
            '{"format": "pipewarden/profile", "version": 1, "rows": 0}',
            "This pipewarden profile is incomplete or damaged (no key 'columns'). Create it "
            "again with: pipewarden profile DATA -o profile.json",
        ),
        (
            '{"format": "pipewarden/profile", "version": 1, "rows": 0, "columns": [{}]}',
            "This pipewarden profile is incomplete or damaged (no key 'name'). Create it "
            "again with: pipewarden profile DATA -o profile.json",
        ),
    ],
    ids=[
        "not-json",
        "not-object",
        "no-format",
        "newer",
        "no-columns",
        "damaged-column",
    ],
)
def test_unreadable_profiles_raise_profile_error(text: str, message: str) -> None:
    with pytest.raises(ProfileError) as info:
        DatasetProfile.from_json(text)
    assert str(info.value) == message


def test_loading_a_missing_or_non_utf8_profile_raises_profile_error(
    tmp_path: Path,
) -> None:
    with pytest.raises(
        ProfileError, match=r"^Cannot read profile '.*nope\.json': No such"
    ):
        DatasetProfile.load(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"format": "pipewarden/profile", "x": "\xff"}')
    with pytest.raises(ProfileError, match=r"is not UTF-8 text"):
        DatasetProfile.load(bad)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("p.json", '{"format": "pipewarden/profile"}', True),
        ("p.json", '{"format": "other"}', False),
        ("p.csv", '{"format": "pipewarden/profile"}', False),
    ],
)
def test_is_profile_json(
    tmp_path: Path, name: str, content: str, expected: bool
) -> None:
    path = tmp_path / name
    path.write_text(content)
    assert is_profile_json(path) is expected
    assert is_profile_json(tmp_path / "missing.json") is False
