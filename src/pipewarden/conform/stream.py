"""Conform a batch that does not fit in memory: chunk by chunk, each chunk's rows
handed on as soon as they are conformed, the findings those of the whole batch.

Each chunk goes through the batch path (``batch.conform_frame``); the column tallies
of the chunks merge (``merge_tally``) into the tallies one pass over the whole batch
would have made, so the findings, row counts and reasons equal ``Gate.conform``'s on
the same rows, and the quarantine's ``row`` is the row's position in the batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import polars as pl

from pipewarden.checks.findings import Finding
from pipewarden.conform._findings import ColumnTally, column_findings, merge_tally
from pipewarden.conform.batch import EXAMPLES, conform_frame
from pipewarden.conform.plan import GatePlan
from pipewarden.conform.quarantine import reason_counts

Take = Callable[[pl.DataFrame], None]
"""Receives one chunk's conformed rows, or its quarantined rows."""


@dataclass(frozen=True, slots=True)
class StreamOutcome:
    """What conforming all chunks found: the batch's findings, rows and reasons."""

    findings: tuple[Finding, ...]
    rows_in: int
    reasons: tuple[tuple[str, str, str, int], ...]
    quarantine_schema: pl.Schema | None
    """The quarantine's columns (None when no chunk came)."""


def conform_frames(
    plan: GatePlan, frames: Iterable[pl.DataFrame], kept: Take, quarantined: Take
) -> StreamOutcome:
    """Conform each frame, hand its kept rows to ``kept`` and its quarantined rows
    (when any) to ``quarantined``.

    Raises:
        ConformError: A column is missing or unexpected and the policy is to fail.
    """
    rows = 0
    schema: tuple[Finding, ...] = ()
    tallies: dict[str, ColumnTally] = {}
    reasons: Counter[tuple[str, str, str]] = Counter()
    quarantine_schema = None
    for frame in frames:
        outcome = conform_frame(plan, frame)
        kept(outcome.frame)
        quarantine = outcome.quarantine
        quarantine_schema = quarantine_schema or quarantine.schema
        if quarantine.height:
            quarantine = quarantine.with_columns(pl.col("row") + rows)
            quarantined(quarantine)
            for check, column, reason, n in reason_counts(quarantine):
                reasons[(check, column, reason)] += n
        schema = schema or outcome.schema
        for tally in outcome.tallies:
            name = tally.plan.name
            known = tallies.get(name)
            tallies[name] = (
                tally if known is None else merge_tally(known, tally, EXAMPLES)
            )
        rows += frame.height
    findings = list(schema)
    for tally in tallies.values():
        findings.extend(column_findings(tally, rows))
    ordered = sorted(
        ((c, col, r, n) for (c, col, r), n in reasons.items()),
        key=lambda x: (-x[3], x[0], x[1]),
    )
    return StreamOutcome(tuple(findings), rows, tuple(ordered), quarantine_schema)
