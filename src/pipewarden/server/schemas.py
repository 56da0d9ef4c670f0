"""Request bodies of the API (responses are the domain objects' ``to_dict()``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ByIn", "CheckIn", "ConformIn"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContractChoice(_In):
    contract: str | dict[str, Any] | None = Field(
        None,
        description="The contract: its YAML text or its JSON form. Default: the "
        "contract of the dataset's newest run.",
    )
    dataset: str | None = Field(
        None, description="Dataset name: where the default contract comes from."
    )


class CheckIn(ContractChoice):
    records: list[dict[str, Any]] = Field(
        description="The batch: one JSON object per row.", min_length=1
    )
    record: bool | None = Field(
        None,
        description="Record the check as a run of 'dataset' (default: when a "
        "dataset is named).",
    )
    reference: str | None = Field(
        None,
        description="'last-pass': compare with the dataset's last passing run.",
    )
    as_of: str | None = Field(
        None, description="Judge freshness at this ISO time instead of now."
    )


class ConformIn(ContractChoice):
    records: list[dict[str, Any]] = Field(
        description="The batch to conform: one JSON object per row.", min_length=1
    )


class ByIn(_In):
    by: str = Field(
        "api", min_length=1, max_length=200, description="Who does it (a name)."
    )
