"""Request bodies of the API (responses are the domain objects' ``to_dict()``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ByIn", "CheckIn", "ConformIn", "LabelsIn", "PredictionsIn"]


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
        description="'last-pass': compare with the dataset's last passing run; "
        "'ref:NAME[@VERSION]': with a reference set in the store.",
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


class PredictionsIn(_In):
    records: list[dict[str, Any]] = Field(
        description="The batch: one JSON object per row (inputs, id, prediction...).",
        min_length=1,
    )
    id: str = Field(description="Column identifying each prediction.")
    prediction: str = Field(description="Column of the predicted value or class.")
    time: str | None = Field(None, description="Event-time column (default: now).")
    scores: list[str] | None = Field(
        None, description="Score columns (one, or one per class named by the class)."
    )
    batch_key: str | None = Field(
        None,
        description="The client's key for the batch: a batch sent again with the "
        "same key stores nothing (default: a hash of its content).",
    )


class LabelsIn(_In):
    records: list[dict[str, Any]] = Field(
        description="The labels: one JSON object per row.", min_length=1
    )
    id: str = Field(description="Column of the prediction id.")
    label: str = Field(description="Column of the true value or class.")
    batch_key: str | None = Field(
        None, description="The client's key for the batch (default: a content hash)."
    )
