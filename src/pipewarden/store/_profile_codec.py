"""The stored form of a profile: its dict in msgpack, with the bulky parts as binary.

A profile's dict (``DatasetProfile.to_dict``) holds its sketches as base64 text and
its exact distributions as lists. Stored, they are msgpack ``bin`` and typed arrays
(an msgpack extension type per dtype, see ``_ARRAY_TYPES``) instead, at these places
only (a frequent value that happens to look like a sketch is never touched):

========================================  ==========================================
``distinct.theta``                        bin: a compact Theta sketch (DataSketches)
``distinct.kmv``                          bin: older KMV hashes, little-endian uint64
``quantiles.kll``, ``intervals.kll``      bin: a KLL sketch
``frequent.sketch``                       bin: a frequent-items sketch
``quantiles.values``, ``intervals.values``  array: the exact distribution's values
``quantiles.counts``, ``intervals.counts``  array: their counts
========================================  ==========================================

Uncompressed, the payload is that document. Compressed, it is a pair: the zlib'd
document without its distinct-count sketches, then those sketches in column order,
each as ``{"theta": bin}`` (or ``{}`` for a count kept as bounds only; rows written
before the Theta sketch hold the bare KMV hashes there). Random 64-bit hashes do not
compress, and zlib would spend most of its time on them. Decoding gives back the
dict ``to_dict`` gave, so a profile loads back identical.

Rows written before msgpack (the ``PWPB`` container: JSON with the same parts as raw
bytes beside it) still read, through :func:`decode_legacy`.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import msgpack
import numpy as np

from pipewarden.errors import StoreError
from pipewarden.profiles.column import ColumnProfile
from pipewarden.profiles.dataset import DatasetProfile

__all__ = ["decode", "decode_legacy", "encode"]

_SKETCHES = (
    ("distinct", "theta"),
    ("distinct", "kmv"),
    ("quantiles", "kll"),
    ("intervals", "kll"),
    ("frequent", "sketch"),
)
"""(field, key) of each binary sketch: base64 text in ``to_dict``, bin when stored."""
_EXACT_FIELDS = ("quantiles", "intervals")
_ARRAY_TYPES = {1: "<f8", 2: "<i8", 3: "<u4"}
"""msgpack extension type code -> dtype of the array it holds."""
_ARRAY_CODES = {dtype: code for code, dtype in _ARRAY_TYPES.items()}
_U4_MAX = 2**32 - 1
_T = TypeVar("_T")


def encode(profile: DatasetProfile, *, compression: int) -> bytes:
    """The stored form of a profile; zlib'd (all but the KMV hashes) when
    ``compression`` > 0."""
    document = profile.to_dict()
    _fill(profile, document)
    if compression <= 0:
        return _pack(document)
    hashes = [_pop_binary(column["distinct"]) for column in _columns(document)]
    return _pack([zlib.compress(_pack(document), compression), hashes])


def _pop_binary(distinct: dict[str, Any]) -> dict[str, Any]:
    """Take a distinct count's binary sketch out of its dict, as ``{key: bytes}``."""
    return {k: distinct.pop(k) for k in ("theta", "kmv") if k in distinct}


def decode(payload: bytes, *, compressed: bool) -> DatasetProfile:
    """The profile :func:`encode` stored.

    Raises:
        StoreError: The payload is damaged.
        ProfileError: The profile inside is not one this pipewarden reads.
    """
    with _damage_as_store_error():
        document = _unpack_document(payload, compressed)
        if not isinstance(document, dict):
            raise ValueError("it does not hold a profile")
    return DatasetProfile.from_dict(document)  # its sketches stay bytes (see _unb64)


def decode_legacy(payload: bytes, *, compressed: bool) -> DatasetProfile:
    """A profile stored in the ``PWPB`` container (``json+bin`` rows).

    Raises:
        StoreError: The payload is damaged, or a newer pipewarden wrote it.
        ProfileError: The profile inside is not one this pipewarden reads.
    """
    with _damage_as_store_error():
        document = _legacy_document(payload, compressed)
        _sketches_as_text(document)
    return DatasetProfile.from_dict(document)


# ------------------------------------------------------------------ writing
def _fill(profile: DatasetProfile, document: dict[str, Any]) -> None:
    """Put the binary parts of ``profile`` in place of their text in its dict."""
    for column, out in zip(profile.columns.values(), document["columns"], strict=True):
        _fill_column(column, out)
    for name, parts in profile.segments.items():
        for value, part in parts.items():
            _fill(part, document["segments"][name][value])


def _fill_column(column: ColumnProfile, out: dict[str, Any]) -> None:
    for field in _EXACT_FIELDS:
        quantiles = getattr(column, field)
        if quantiles.values is not None:
            exact = {"values": quantiles.values, "counts": quantiles.counts}
            out[field] = {**out[field], **exact}
        elif quantiles.blob:
            out[field] = {**out[field], "kll": quantiles.blob}
    distinct = column.distinct
    if distinct.kind == "theta":
        out["distinct"] = {**out["distinct"], "theta": distinct.serialize()}
    elif distinct.kind == "kmv":
        kmv = distinct.hashes.astype("<u8").tobytes()
        out["distinct"] = {**out["distinct"], "kmv": kmv}
    if column.frequent.blob:
        out["frequent"] = {**out["frequent"], "sketch": column.frequent.blob}


def _pack(value: Any) -> bytes:
    packed: bytes = msgpack.packb(value, default=_packable)
    return packed


def _packable(value: Any) -> Any:
    """What msgpack stores for a value it has no type for."""
    if isinstance(value, np.ndarray):
        return msgpack.ExtType(*_array_ext(value))
    if isinstance(value, np.generic):
        return value.item()
    return str(value)  # as the JSON form has it (``to_json``'s default=str)


def _array_ext(array: np.ndarray) -> tuple[int, bytes]:
    if array.dtype.kind == "f":
        dtype = "<f8"
    elif array.dtype.kind not in "iu":
        raise TypeError(f"cannot store an array of {array.dtype}")
    elif array.size == 0 or (array.min() >= 0 and array.max() <= _U4_MAX):
        dtype = "<u4"
    else:
        dtype = "<i8"
    return _ARRAY_CODES[dtype], array.astype(dtype).tobytes()


# ------------------------------------------------------------------ reading
@contextmanager
def _damage_as_store_error() -> Iterator[None]:
    """Turn what a damaged payload raises while it is read into a StoreError."""
    try:
        yield
    except StoreError:
        raise
    except (
        struct.error,
        zlib.error,
        ValueError,  # msgpack's errors, JSONDecodeError and UnicodeDecodeError too
        KeyError,
        IndexError,
        TypeError,
        AttributeError,
    ) as exc:
        raise StoreError(
            f"A stored profile is corrupt ({exc}). Record the run again."
        ) from exc


def _sketches_as_text(document: Any) -> None:
    """Each binary sketch of a profile's dict as the base64 text ``to_dict`` has."""
    if not isinstance(document, dict):
        raise ValueError("it does not hold a profile")
    for column in _columns(document):
        for field, key in _SKETCHES:
            part = column.get(field)
            if isinstance(part, dict) and isinstance(part.get(key), bytes):
                part[key] = base64.b64encode(part[key]).decode("ascii")


def _unpack_document(payload: bytes, compressed: bool) -> Any:
    if not compressed:
        return _unpack(payload)
    packed, hashes = _unpack(payload)
    document = _unpack(zlib.decompress(packed))
    for column, sketch in zip(_columns(document), hashes, strict=True):
        if isinstance(sketch, bytes):  # written before the Theta sketch
            column["distinct"]["kmv"] = sketch
        elif isinstance(sketch, dict):
            column["distinct"].update(sketch)
        else:
            raise ValueError("a distinct-count sketch is neither bytes nor a map")
    return document


def _unpack(payload: bytes) -> Any:
    return msgpack.unpackb(payload, ext_hook=_array_of)


def _array_of(code: int, data: bytes) -> np.ndarray:
    dtype = _ARRAY_TYPES.get(code)
    if dtype is None:
        raise ValueError(f"unknown msgpack extension type {code}")
    return np.frombuffer(data, dtype=dtype)


def _columns(document: Any) -> Iterator[dict[str, Any]]:
    """The column dicts of a profile's dict and of its segments', in order."""
    if not isinstance(document, dict):
        return
    for column in document.get("columns") or ():
        if isinstance(column, dict):
            yield column
    segments = document.get("segments")
    if isinstance(segments, dict):
        for parts in segments.values():
            if isinstance(parts, dict):
                for part in parts.values():
                    yield from _columns(part)


# ------------------------------------------------------------------ legacy
# The container written before msgpack (integers little-endian):
#     b"PWPB" | version: u8 | packed length: u32 | packed | raw
#     packed = header length: u32 | header (JSON) | packed blobs (zlib'd if compressed)
#     header = {"blobs": [[kind, size, section], ...], "profile": <profile dict>}
# where the profile dict holds blob indexes at the places listed above, and
# ``frequent.counts`` may be [keys, index of the counts array].
_LEGACY_MAGIC = b"PWPB"
_LEGACY_VERSION = 1
_PREFIX = struct.Struct("<4sBI")
_LENGTH = struct.Struct("<I")


def _legacy_document(payload: bytes, compressed: bool) -> dict[str, Any]:
    magic, version, size = _PREFIX.unpack_from(payload)
    if magic != _LEGACY_MAGIC:
        raise ValueError("it does not start with the profile marker")
    if version > _LEGACY_VERSION:
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
    sections, offsets = (packed[end:], raw), [0, 0]
    blobs: list[bytes | np.ndarray] = []
    for kind, nbytes, section in header["blobs"]:
        at = offsets[section]
        data = sections[section][at : at + nbytes]
        if len(data) != nbytes:
            raise ValueError("a blob is truncated")
        offsets[section] = at + nbytes
        blobs.append(data if kind == "b" else np.frombuffer(data, dtype=kind))
    if offsets != [len(sections[0]), len(sections[1])]:
        raise ValueError("it has bytes no blob claims")
    document: dict[str, Any] = header["profile"]
    for column in _columns(document):
        _place_legacy_blobs(column, blobs)
    return document


def _place_legacy_blobs(
    column: dict[str, Any], blobs: list[bytes | np.ndarray]
) -> None:
    for field, key in _SKETCHES:
        part = column.get(field)
        if isinstance(part, dict) and type(part.get(key)) is int:
            part[key] = _legacy_blob(blobs[part[key]], bytes)
    for field in _EXACT_FIELDS:
        part = column.get(field)
        if isinstance(part, dict):
            for key in ("values", "counts"):
                if type(part.get(key)) is int:
                    part[key] = _legacy_blob(blobs[part[key]], np.ndarray)
    frequent = column.get("frequent")
    if isinstance(frequent, dict) and isinstance(frequent.get("counts"), list):
        keys, index = frequent["counts"]
        counts = _legacy_blob(blobs[index], np.ndarray).tolist()
        if not isinstance(keys, list) or len(keys) != len(counts):
            raise ValueError("frequent values and counts differ in number")
        frequent["counts"] = dict(zip(keys, counts, strict=True))


def _legacy_blob(blob: object, kind: type[_T]) -> _T:
    if not isinstance(blob, kind):
        raise ValueError(f"a blob is not {'bytes' if kind is bytes else 'an array'}")
    return blob
