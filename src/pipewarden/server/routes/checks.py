"""POST a batch, get its findings (and record it as a run): JSON records, or an
uploaded CSV, Parquet or JSON Lines file. Both call ``workflows.check.check_batch``,
the workflow behind ``pipewarden check``."""

from __future__ import annotations

from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Depends, File, Form, UploadFile

from pipewarden.io.sources import read_frame
from pipewarden.server.auth import require_token
from pipewarden.server.contracts import request_contract
from pipewarden.server.deps import SettingsDep, StoreDep, parse_time
from pipewarden.server.fast_json import FastJsonRoute
from pipewarden.server.schemas import CheckIn
from pipewarden.server.settings import ServerSettings
from pipewarden.server.uploads import saved_upload
from pipewarden.store import Store
from pipewarden.workflows.check import CheckOutcome, check_batch

router = APIRouter(
    route_class=FastJsonRoute,
    prefix="/api/checks",
    tags=["checks"],
    dependencies=[Depends(require_token)],
)


@router.post("", summary="Check a batch sent as JSON records")
def check_records(
    body: CheckIn, store: StoreDep, settings: SettingsDep
) -> dict[str, Any]:
    batch = read_frame(body.records)
    return _check(
        batch,
        store,
        settings,
        contract=body.contract,
        dataset=body.dataset,
        record=body.record,
        reference=body.reference,
        as_of=body.as_of,
    )


@router.post(
    "/upload", summary="Check a batch uploaded as a CSV, Parquet or JSON Lines file"
)
def check_upload(
    file: Annotated[
        UploadFile, File(description="The batch: .csv, .parquet, .jsonl, .arrow")
    ],
    store: StoreDep,
    settings: SettingsDep,
    contract: Annotated[str | None, Form(description="Contract YAML text.")] = None,
    dataset: Annotated[str | None, Form()] = None,
    record: Annotated[bool | None, Form()] = None,
    reference: Annotated[
        str | None,
        Form(description="'last-pass', 'ref:NAME[@VERSION]' or nothing."),
    ] = None,
    as_of: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    with saved_upload(file) as path:
        return _check(
            str(path),
            store,
            settings,
            contract=contract,
            dataset=dataset or path.stem,
            record=record,
            reference=reference,
            as_of=as_of,
        )


def _check(
    batch: pl.DataFrame | str,
    store: Store,
    settings: ServerSettings,
    *,
    contract: str | dict[str, Any] | None,
    dataset: str | None,
    record: bool | None,
    reference: str | None,
    as_of: str | None,
) -> dict[str, Any]:
    spec = request_contract(store, contract, dataset)
    recording = bool(dataset) if record is None else record
    outcome = check_batch(
        batch,
        spec,
        reference=reference,
        now=parse_time(as_of) if as_of else None,
        dataset=dataset,
        store=store,
        record=recording,
        environ=settings.environ,
    )
    return check_response(outcome)


def check_response(outcome: CheckOutcome) -> dict[str, Any]:
    """The findings JSON of ``pipewarden check --json``, the run id and alert events."""
    return {
        "result": outcome.result.to_dict(),
        "run_id": None if outcome.run is None else outcome.run.id,
        "alerts": [] if outcome.alerts is None else outcome.alerts.to_dict()["events"],
    }
