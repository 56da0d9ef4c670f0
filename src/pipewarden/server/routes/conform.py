"""POST records, get the conformed rows and the quarantine: ``workflows.conform``,
the workflow behind ``pipewarden conform``."""

from __future__ import annotations

from typing import Any

import polars as pl
from fastapi import APIRouter, Depends

from pipewarden.conform.gate import ConformResult
from pipewarden.io.sources import read_frame
from pipewarden.server.auth import require_token
from pipewarden.server.contracts import request_contract
from pipewarden.server.deps import StoreDep
from pipewarden.server.fast_json import FastJsonRoute
from pipewarden.server.schemas import ConformIn
from pipewarden.workflows.conform import conform

router = APIRouter(
    route_class=FastJsonRoute,
    prefix="/api/conform",
    tags=["conform"],
    dependencies=[Depends(require_token)],
)


@router.post("", summary="Conform records: model-ready rows and the quarantine")
def conform_records(body: ConformIn, store: StoreDep) -> dict[str, Any]:
    contract = request_contract(store, body.contract, body.dataset)
    result = conform(read_frame(body.records), contract)
    return conform_response(result)


def conform_response(result: ConformResult) -> dict[str, Any]:
    """The findings JSON of ``pipewarden conform --json``, with the rows."""
    frame = result.frame
    assert isinstance(frame, pl.DataFrame)
    return {
        "result": result.to_dict(),
        "rows": _records(frame),
        "quarantine": _records(result.quarantine),
    }


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    import json

    # polars' own JSON writer: dates and datetimes become ISO text, NaN null
    text = frame.write_json()
    rows: list[dict[str, Any]] = json.loads(text)
    return rows
