"""The stored form of a profile: its JSON with the bulky parts kept as binary.

A profile's JSON (``DatasetProfile.to_dict``) is mostly base64 sketches (KMV hashes,
KLL and frequent-items blobs) and the exact distributions of columns with few
distinct values. Writing that JSON costs a few milliseconds a run and base64 adds a
third to the bytes; this form keeps the JSON for the structure and the bulky parts
as raw bytes beside it, at fixed places only (a frequent value that happens to look
like a blob index is never touched):

========================  =================================================
``distinct.kmv``          the KMV hashes: bytes (base64 in the JSON)
``quantiles.kll``,        a KLL sketch: bytes (base64 in the JSON)
``intervals.kll``
``frequent.sketch``       a frequent-items sketch: bytes (base64 in the JSON)
``*.values``              exact distribution: float64 values
``*.counts``              exact distribution: integer counts
``frequent.counts``       exact value counts: keys in the JSON, counts binary
========================  =================================================

Layout (integers little-endian)::

    b"PWPB" | version: u8 | packed length: u32 | packed | raw
    packed = header length: u32 | header (JSON) | packed blobs
    header = {"blobs": [[kind, size, section], ...], "profile": <profile dict>}

``raw`` holds the KMV hashes, which no compressor shrinks; with compression the
``packed`` part is zlib'd. Decoding rebuilds the exact dict ``to_dict`` gave, so a
profile loads back identical; values of an unexpected type stay in the JSON as they
were.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
import zlib
from dataclasses import replace
from typing import Any

import numpy as np

from pipewarden.errors import StoreError
from pipewarden.profiles.column import ColumnProfile
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.profiles.sketches import Quantiles

__all__ = ["MAGIC", "decode", "encode"]

MAGIC = b"PWPB"
VERSION = 1
_PREFIX = struct.Struct("<4sBI")
_LENGTH = struct.Struct("<I")
_PACKED, _RAW = 0, 1
_B64_FIELDS = (
    ("distinct", "kmv", _RAW),
    ("quantiles", "kll", _PACKED),
    ("intervals", "kll", _PACKED),
    ("frequent", "sketch", _PACKED),
)
_EXACT_FIELDS = ("quantiles", "intervals")
_U4_MAX = 2**32 - 1
_NO_QUANTILES = Quantiles()
_ARRAY_KINDS = frozenset({"<f8", "<u4", "<i8"})


class _Blobs:
    """Blobs being written, each in the packed or the raw section."""

    def __init__(self) -> None:
        self.table: list[list[Any]] = []
        self.sections: tuple[list[bytes], list[bytes]] = ([], [])

    def add(self, data: bytes, kind: str, section: int = _PACKED) -> int:
        self.table.append([kind, len(data), section])
        self.sections[section].append(data)
        return len(self.table) - 1

    def add_b64(self, text: Any, section: int) -> Any:
        """Base64 text as bytes (decoded as ``profiles.sketches`` decodes it)."""
        if not isinstance(text, str) or not text:
            return text
        try:
            data = binascii.a2b_base64(text)
        except (binascii.Error, ValueError):
            return text
        return self.add(data, "b", section)

    def add_array(self, values: Any, dtype: type[np.generic]) -> Any:
        """A list (or array) as the array ``from_dict`` makes of its list, so that it
        loads back the same; else ``values`` unchanged."""
        if not isinstance(values, list | np.ndarray):
            return values
        try:
            array = np.array(values, dtype=dtype)
        except (TypeError, ValueError, OverflowError):
            return values
        if array.ndim != 1:
            return values
        if dtype is np.float64:
            return self.add(array.astype("<f8").tobytes(), "<f8")
        if array.size == 0 or (array.min() >= 0 and array.max() <= _U4_MAX):
            return self.add(array.astype("<u4").tobytes(), "<u4")
        return self.add(array.astype("<i8").tobytes(), "<i8")


def _only(items: Any, kind: type) -> bool:
    """True when every item is exactly of this type."""
    return set(map(type, items)) <= {kind}


def encode(profile: DatasetProfile, *, compression: int) -> bytes:
    """The stored form of a profile; the packed part zlib'd when ``compression`` > 0."""
    blobs = _Blobs()
    skeleton = _lift_profile(profile, blobs)
    header = json.dumps(
        {"blobs": blobs.table, "profile": skeleton}, allow_nan=False, default=str
    ).encode("utf-8")
    packed_parts, raw_parts = blobs.sections
    packed = b"".join([_LENGTH.pack(len(header)), header, *packed_parts])
    if compression > 0:
        packed = zlib.compress(packed, compression)
    return b"".join([_PREFIX.pack(MAGIC, VERSION, len(packed)), packed, *raw_parts])


def decode(payload: bytes, *, compressed: bool) -> DatasetProfile:
    """The profile :func:`encode` stored.

    Raises:
        StoreError: The payload is damaged, or a newer pipewarden wrote it.
        ProfileError: The profile inside is not one this pipewarden reads.
    """
    try:
        magic, version, size = _PREFIX.unpack_from(payload)
        if magic != MAGIC:
            raise ValueError("it does not start with the profile marker")
        if version > VERSION:
            raise StoreError(
                f"A stored profile has format version {version}, newer than this "
                "pipewarden reads. Upgrade pipewarden."
            )
        start = _PREFIX.size
        packed, raw = payload[start : start + size], payload[start + size :]
        if len(packed) != size:
            raise ValueError("it is truncated")
        if compressed:
            packed = zlib.decompress(packed)
        (length,) = _LENGTH.unpack_from(packed)
        end = _LENGTH.size + length
        header = json.loads(packed[_LENGTH.size : end])
        sections = (packed[end:], raw)
        offsets = [0, 0]
        values: list[Any] = []
        for kind, nbytes, section in header["blobs"]:
            at = offsets[section]
            data = sections[section][at : at + nbytes]
            if len(data) != nbytes:
                raise ValueError("a blob is truncated")
            offsets[section] = at + nbytes
            values.append(_blob_value(kind, data))
        if offsets != [len(sections[0]), len(sections[1])]:
            raise ValueError("it has bytes no blob claims")
        restored = _restore_profile(header["profile"], values)
    except StoreError:
        raise
    except (
        struct.error,
        zlib.error,
        ValueError,  # JSONDecodeError and UnicodeDecodeError too
        KeyError,
        IndexError,
        TypeError,
        AttributeError,
    ) as exc:
        raise StoreError(
            f"A stored profile is corrupt ({exc}). Record the run again."
        ) from exc
    return DatasetProfile.from_dict(restored)


def _blob_value(kind: str, data: bytes) -> Any:
    if kind == "b":
        return base64.b64encode(data).decode("ascii")
    if kind in _ARRAY_KINDS:
        return np.frombuffer(data, dtype=kind).tolist()
    raise ValueError(f"unknown blob kind {kind!r}")


# ------------------------------------------------------------------ to binary
def _lift_profile(profile: DatasetProfile, blobs: _Blobs) -> dict[str, Any]:
    """``profile.to_dict()`` with its bulky parts replaced by blob indexes.

    Exact distributions (``Quantiles`` with values and counts) are taken from the
    profile's arrays: ``to_dict`` would first turn them into Python lists, value by
    value. The dict of a profile whose exact distributions are left out is made
    instead, and each filled in as ``to_dict`` would have it.
    """
    light, exact = _without_exact(profile)
    data = light.to_dict()
    _fill(profile, data, exact, blobs)
    return data


def _without_exact(
    profile: DatasetProfile,
) -> tuple[DatasetProfile, dict[tuple[int, str], Quantiles]]:
    """The profile with its exact distributions empty, and those distributions by
    (id of the column, field)."""
    exact: dict[tuple[int, str], Quantiles] = {}

    def light_column(column: ColumnProfile) -> ColumnProfile:
        changes: dict[str, Quantiles] = {}
        for name in _EXACT_FIELDS:
            value = getattr(column, name)
            if isinstance(value, Quantiles) and value.values is not None:
                exact[(id(column), name)] = value
                changes[name] = _NO_QUANTILES
        return replace(column, **changes) if changes else column  # type: ignore[arg-type]

    def light_profile(part: DatasetProfile) -> DatasetProfile:
        return replace(
            part,
            columns={name: light_column(c) for name, c in part.columns.items()},
            segments={
                name: {value: light_profile(p) for value, p in parts.items()}
                for name, parts in part.segments.items()
            },
        )

    return light_profile(profile), exact


def _fill(
    profile: DatasetProfile,
    data: dict[str, Any],
    exact: dict[tuple[int, str], Quantiles],
    blobs: _Blobs,
) -> None:
    for column, out in zip(profile.columns.values(), data["columns"], strict=True):
        _lift_column(column, out, exact, blobs)
    for name, parts in profile.segments.items():
        for value, part in parts.items():
            _fill(part, data["segments"][name][value], exact, blobs)


def _lift_column(
    column: ColumnProfile,
    out: dict[str, Any],
    exact: dict[tuple[int, str], Quantiles],
    blobs: _Blobs,
) -> None:
    for field in _EXACT_FIELDS:
        quantiles = exact.get((id(column), field))
        if quantiles is not None:
            at_values = blobs.add_array(quantiles.values, np.float64)
            at_counts = blobs.add_array(quantiles.counts, np.int64)
            if type(at_values) is int and type(at_counts) is int:
                out[field] = {**out[field], "values": at_values, "counts": at_counts}
            else:  # not arrays of one dimension: as to_dict has them
                out[field] = quantiles.to_dict()
    distinct = out.get("distinct")
    if isinstance(distinct, dict) and isinstance(distinct.get("kmv"), str):
        raw = column.distinct.hashes.astype("<u8").tobytes()
        if len(distinct["kmv"]) == 4 * ((len(raw) + 2) // 3):  # its base64, as ever
            distinct = {**distinct, "kmv": blobs.add(raw, "b", _RAW)}
        out["distinct"] = distinct
    for field, key, section in _B64_FIELDS:
        part = out.get(field)
        if isinstance(part, dict) and isinstance(part.get(key), str):
            out[field] = {**part, key: blobs.add_b64(part[key], section)}
    frequent = out.get("frequent")
    if isinstance(frequent, dict) and isinstance(frequent.get("counts"), dict):
        counts: dict[Any, Any] = frequent["counts"]
        if _only(counts, str):
            index = blobs.add_array(list(counts.values()), np.int64)
            if type(index) is int:
                out["frequent"] = {**frequent, "counts": [list(counts), index]}


# ------------------------------------------------------------------ back to JSON
def _restore_profile(data: dict[str, Any], values: list[Any]) -> dict[str, Any]:
    out = dict(data)
    columns = data.get("columns")
    if isinstance(columns, list):
        out["columns"] = [_restore_column(c, values) for c in columns]
    segments = data.get("segments")
    if isinstance(segments, dict):
        out["segments"] = {
            name: {
                value: _restore_profile(part, values)
                if isinstance(part, dict)
                else part
                for value, part in parts.items()
            }
            if isinstance(parts, dict)
            else parts
            for name, parts in segments.items()
        }
    return out


def _restore_column(column: Any, values: list[Any]) -> Any:
    if not isinstance(column, dict):
        return column
    out = dict(column)
    for field, key, _ in _B64_FIELDS:
        part = out.get(field)
        if isinstance(part, dict) and type(part.get(key)) is int:
            out[field] = {**part, key: _text(values[part[key]])}
    for field in _EXACT_FIELDS:
        part = out.get(field)
        if isinstance(part, dict):
            restored = dict(part)
            for key in ("values", "counts"):
                if type(part.get(key)) is int:
                    restored[key] = _array(values[part[key]])
            out[field] = restored
    frequent = out.get("frequent")
    if isinstance(frequent, dict) and isinstance(frequent.get("counts"), list):
        keys, index = frequent["counts"]
        counts = _array(values[index])
        if not isinstance(keys, list) or len(keys) != len(counts):
            raise ValueError("frequent values and counts differ in number")
        out["frequent"] = {**frequent, "counts": dict(zip(keys, counts, strict=True))}
    return out


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("a sketch blob is not bytes")
    return value


def _array(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError("an array blob is not an array")
    return value
