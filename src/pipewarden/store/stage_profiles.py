"""Read what localization needs of stage runs, in a few set-based queries.

``get_run`` loads a run whole (findings, contract, environment, inputs, profile);
localizing a pipeline run needs, per stage, only the profile, the code version,
the contract's digest and time column, the inputs and one environment. This reads
those for many runs at once: one query for the runs and their profiles, one for
their inputs, one per distinct environment and contract digest set.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from pipewarden.env.fingerprint import CodeVersion, Fingerprint
from pipewarden.store._errors import translated
from pipewarden.store.pipeline_records import StageProfile
from pipewarden.store.tables import (
    ContractRow,
    EnvironmentRow,
    InputRow,
    ProfileRow,
    RunRow,
    decode_profile,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine as Database

    from pipewarden.io.fingerprints import InputFingerprint

__all__ = ["load_stage_profiles"]


def load_stage_profiles(
    database: Database, run_ids: Sequence[str], *, url: str
) -> dict[str, StageProfile]:
    """The stage profiles of these runs (ids absent from the store are left out)."""
    wanted = list(dict.fromkeys(run_ids))
    if not wanted:
        return {}
    runs = (
        select(
            RunRow.id,
            RunRow.code_commit,
            RunRow.code_branch,
            RunRow.code_dirty,
            RunRow.contract_digest,
            RunRow.environment_digest,
            ProfileRow.encoding,
            ProfileRow.payload,
        )
        .outerjoin(ProfileRow, ProfileRow.run_id == RunRow.id)
        .where(RunRow.id.in_(wanted))
    )
    inputs = (
        select(InputRow)
        .where(InputRow.run_id.in_(wanted))
        .order_by(InputRow.run_id, InputRow.position)
    )
    with translated(url), database.connect() as conn:
        rows = conn.execute(runs).all()
        read: dict[str, list[InputFingerprint]] = defaultdict(list)
        for item in conn.execute(inputs).mappings():
            read[item["run_id"]].append(_input(item))
        environments = _environments(conn, {r.environment_digest for r in rows})
        times = _time_columns(conn, {r.contract_digest for r in rows})
    return {
        row.id: StageProfile(
            id=row.id,
            profile=None
            if row.payload is None
            else decode_profile(row.encoding, row.payload),
            code=None
            if row.code_commit is None
            else CodeVersion(row.code_commit, row.code_branch, bool(row.code_dirty)),
            environment=environments.get(row.environment_digest),
            contract_digest=row.contract_digest,
            time_column=times.get(row.contract_digest),
            inputs=tuple(read.get(row.id, ())),
        )
        for row in rows
    }


def _input(item: Any) -> InputFingerprint:
    values = {k: item[k] for k in ("path", "size", "modified_at", "content_hash")}
    return InputRow(hash_method=item["hash_method"], **values).to_domain()


def _environments(conn: Any, digests: set[str | None]) -> dict[str | None, Fingerprint]:
    known = sorted(d for d in digests if d is not None)
    if not known:
        return {}
    query = select(EnvironmentRow.digest, EnvironmentRow.fingerprint).where(
        EnvironmentRow.digest.in_(known)
    )
    return {d: Fingerprint.from_dict(body) for d, body in conn.execute(query)}


def _time_columns(conn: Any, digests: set[str | None]) -> dict[str | None, str]:
    """Contract digest -> its declared time column (read from the stored body)."""
    known = sorted(d for d in digests if d is not None)
    if not known:
        return {}
    query = select(ContractRow.digest, ContractRow.body).where(
        ContractRow.digest.in_(known)
    )
    found: dict[str | None, str] = {}
    for digest, body in conn.execute(query):
        time = ((body or {}).get("dataset") or {}).get("time") or {}
        if isinstance(time, dict) and isinstance(time.get("column"), str):
            found[digest] = time["column"]
    return found
