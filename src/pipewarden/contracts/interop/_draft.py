"""A contract being assembled from another tool's rules, one rule at a time.

Great Expectations and pandera state a column's rules one by one and in any order; the
draft gathers them per column, keeps what could not be mapped (one line each), and
builds the validated ``Contract`` at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from pipewarden.contracts.interop._dtypes import kind_and_dtype
from pipewarden.contracts.model import Contract, UnexpectedColumnsPolicy
from pipewarden.errors import ContractParseError


@dataclass
class ColumnDraft:
    """What the rules met so far say about one column."""

    kind: str | None = None
    dtype: str | None = None
    nullable: bool = True
    max_null_rate: float = 1.0
    min: float | None = None
    max: float | None = None
    categories: list[str] | None = None
    unique: bool = False
    coerce: bool = False

    def tighten_min(self, value: float) -> None:
        self.min = value if self.min is None else max(self.min, value)

    def tighten_max(self, value: float) -> None:
        self.max = value if self.max is None else min(self.max, value)

    def allow_only(self, values: list[str]) -> None:
        if self.categories is None:
            self.categories = list(dict.fromkeys(values))
        else:
            self.categories = [v for v in self.categories if v in set(values)]

    def spec(self) -> dict[str, Any]:
        """The column as a contract mapping (``ColumnSpec`` fields)."""
        kind, dtype = self.kind, self.dtype
        if kind is None:
            if self.categories is not None:
                kind, dtype = "categorical", dtype or "String"
            elif self.min is not None or self.max is not None:
                kind, dtype = "float", dtype or "Float64"
            else:
                kind, dtype = "other", dtype or "String"
        elif kind == "text" and self.categories is not None:
            kind = "categorical"
        spec: dict[str, Any] = {"kind": kind, "dtype": dtype}
        if not self.nullable:
            spec["nullable"] = False
        if self.max_null_rate < 1.0:
            spec["max_null_rate"] = self.max_null_rate
        if self.min is not None or self.max is not None:
            spec["range"] = {"min": self.min, "max": self.max}
        if self.categories is not None:
            spec["categories"] = self.categories
        if self.unique:
            spec["unique"] = True
        if self.coerce:
            spec["coerce"] = True
        return spec


@dataclass
class ContractDraft:
    """A contract under construction, and what its source said that it cannot hold."""

    source: str
    name: str | None = None
    columns: dict[str, ColumnDraft] = field(default_factory=dict)
    rows_min: int | None = None
    rows_max: int | None = None
    unexpected_columns: UnexpectedColumnsPolicy = "keep"
    unmapped: list[str] = field(default_factory=list)

    def column(self, name: str) -> ColumnDraft:
        return self.columns.setdefault(name, ColumnDraft())

    def set_type(self, name: str, type_name: str, *, where: str) -> None:
        """Declare a column's type from the other tool's name for it (``int64``,
        ``str``, ``datetime64[ns]``, ``VARCHAR``...), or say it cannot be read."""
        mapped = kind_and_dtype(type_name)
        if mapped is None:
            self.skip(f"{where}: type {type_name!r} has no polars dtype")
            return
        draft = self.column(name)
        draft.kind, draft.dtype = mapped

    def skip(self, line: str) -> None:
        self.unmapped.append(line)

    def build(self) -> Contract:
        """The contract, validated.

        Raises:
            ContractParseError: The rules contradict each other (a minimum above the
                maximum), named with the source.
        """
        for name, draft in self.columns.items():
            if draft.spec()["kind"] == "other" and draft.kind is None:
                self.skip(
                    f"column '{name}': no type given, so any type is accepted "
                    "(kind: other); set its kind and dtype in the contract"
                )
        data: dict[str, Any] = {
            "name": self.name,
            "dataset": {"rows": {"min": self.rows_min, "max": self.rows_max}},
            "policies": {"unexpected_columns": self.unexpected_columns},
            "columns": {name: d.spec() for name, d in self.columns.items()},
        }
        try:
            return Contract.model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            key = ".".join(str(part) for part in error["loc"])
            reason = error.get("ctx", {}).get("error", error["msg"])
            raise ContractParseError(
                f"the rules cannot make a contract ({reason}). Fix them in the source.",
                file=self.source,
                key=key,
            ) from exc
