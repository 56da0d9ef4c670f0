"""DatasetProfile: the mergeable profile of a whole batch, serialisable to JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipewarden._text import clip, counted
from pipewarden.errors import ProfileError
from pipewarden.profiles.column import ColumnProfile

if TYPE_CHECKING:
    from rich.console import RenderableType

FORMAT = "pipewarden/profile"
FORMAT_VERSION = 2
"""2: quantiles of columns with few distinct values are kept exactly (values, counts)."""


@dataclass(frozen=True, slots=True)
class DatasetProfile:
    """Per-column profiles of a batch, in the batch's column order.

    ``segments`` maps a segment column to {segment value: DatasetProfile} when the
    contract declares segment columns.
    """

    rows: int = 0
    columns: dict[str, ColumnProfile] = field(default_factory=dict)
    segments: dict[str, dict[str, DatasetProfile]] = field(default_factory=dict)

    @classmethod
    def zero(cls) -> DatasetProfile:
        return cls()

    @property
    def column_names(self) -> list[str]:
        return list(self.columns)

    def __getitem__(self, name: str) -> ColumnProfile:
        return self.columns[name]

    def merge(self, other: DatasetProfile) -> DatasetProfile:
        """The profile of both batches together."""
        if not other.columns and other.rows == 0:
            return self
        if not self.columns and self.rows == 0:
            return other
        cols: dict[str, ColumnProfile] = {}
        for name in dict.fromkeys([*self.columns, *other.columns]):
            a = self.columns.get(name)
            b = other.columns.get(name)
            if a is None:
                assert b is not None
                a = ColumnProfile.empty(name, b.physical, b.dtype, self.rows)
            if b is None:
                b = ColumnProfile.empty(name, a.physical, a.dtype, other.rows)
            cols[name] = a.merge(b)
        segments: dict[str, dict[str, DatasetProfile]] = {}
        for seg_col in dict.fromkeys([*self.segments, *other.segments]):
            mine, theirs = (
                self.segments.get(seg_col, {}),
                other.segments.get(seg_col, {}),
            )
            segments[seg_col] = {
                v: mine.get(v, DatasetProfile()).merge(theirs.get(v, DatasetProfile()))
                for v in dict.fromkeys([*mine, *theirs])
            }
        return DatasetProfile(self.rows + other.rows, cols, segments)

    @classmethod
    def merge_all(cls, parts: list[DatasetProfile]) -> DatasetProfile:
        return reduce(DatasetProfile.merge, parts, DatasetProfile.zero())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "rows": self.rows,
            "columns": [c.to_dict() for c in self.columns.values()],
        }
        if self.segments:
            out["segments"] = {
                col: {v: p.to_dict() for v, p in parts.items()}
                for col, parts in self.segments.items()
            }
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DatasetProfile:
        if data.get("format") != FORMAT:
            raise ProfileError(
                "This JSON is not a pipewarden profile (no 'format: pipewarden/profile'). "
                "Create one with: pipewarden profile DATA -o profile.json"
            )
        try:
            if int(data.get("version", 0)) > FORMAT_VERSION:
                raise ProfileError(
                    f"Profile format version {data.get('version')} is newer than this "
                    f"pipewarden reads ({FORMAT_VERSION}). Upgrade pipewarden."
                )
            cols = [ColumnProfile.from_dict(c) for c in data["columns"]]
            segments = {
                col: {v: cls.from_dict(p) for v, p in parts.items()}
                for col, parts in data.get("segments", {}).items()
            }
            return cls(int(data["rows"]), {c.name: c for c in cols}, segments)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            what = f"no key {exc}" if isinstance(exc, KeyError) else str(exc)
            raise ProfileError(
                f"This pipewarden profile is incomplete or damaged ({what}). "
                "Create it again with: pipewarden profile DATA -o profile.json"
            ) from exc

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False, default=str)

    @classmethod
    def from_json(cls, text: str) -> DatasetProfile:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ProfileError(
                f"Profile is not valid JSON: {exc.msg} at line {exc.lineno}."
            ) from exc
        if not isinstance(data, dict):
            raise ProfileError(
                "Profile JSON must be an object with 'format' and 'columns'."
            )
        return cls.from_dict(data)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> DatasetProfile:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise ProfileError(f"Cannot read profile '{p}': {exc.strerror}.") from exc
        except UnicodeDecodeError as exc:
            raise ProfileError(
                f"Profile '{p}' is not UTF-8 text. Create it again with: "
                "pipewarden profile DATA -o profile.json"
            ) from exc
        return cls.from_json(text)

    def __repr__(self) -> str:
        names = clip(", ".join(self.columns), 80)
        return (
            f"<DatasetProfile {self.rows:,} rows, "
            f"{counted(len(self.columns), 'column')}{': ' + names if names else ''}>"
        )

    def _repr_html_(self) -> str:
        """The HTML a notebook shows (``pipewarden.report.notebook``)."""
        from pipewarden.report.notebook import to_html

        return to_html(self)

    def __rich__(self) -> RenderableType:
        """What a Rich console prints (``pipewarden.report.terminal``)."""
        from pipewarden.report.terminal import to_rich

        return to_rich(self)


def is_profile_json(path: str | Path) -> bool:
    """True when the file looks like a saved pipewarden profile."""
    p = Path(path)
    if p.suffix.lower() != ".json" or not p.is_file():
        return False
    with p.open("rb") as fh:
        head = fh.read(4096)
    return b'"format"' in head and FORMAT.encode() in head
