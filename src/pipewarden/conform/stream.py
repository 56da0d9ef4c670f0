"""Conform a batch that does not fit in memory: chunk by chunk, each chunk's rows
handed on as soon as they are conformed, the findings those of the whole batch.

Each chunk goes through the batch path (``batch.conform_frame``); the column tallies
of the chunks merge (``merge_tally``) into the tallies one pass over the whole batch
would have made, so the findings, row counts and reasons equal ``Gate.conform``'s on
the same rows, and the quarantine's ``row`` is the row's position in the batch.
``Totals`` does the counting, and merges with the totals of the batch's other parts
(Spark partitions, see ``conform/spark.py``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import polars as pl

from pipewarden.checks.findings import Finding
from pipewarden.conform._findings import ColumnTally, column_findings, merge_tally
from pipewarden.conform.batch import EXAMPLES, BatchOutcome, conform_frame
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


@dataclass(slots=True)
class Totals:
    """What the chunks of one batch met so far, chunk after chunk in order."""

    rows: int = 0
    schema: tuple[Finding, ...] = ()
    tallies: dict[str, ColumnTally] = field(default_factory=dict)
    reasons: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    quarantine_schema: pl.Schema | None = None

    def add(self, outcome: BatchOutcome, rows: int) -> None:
        """Count one chunk of ``rows`` rows (its quarantine's ``row`` already counted
        from the batch's start)."""
        self.quarantine_schema = self.quarantine_schema or outcome.quarantine.schema
        for check, column, reason, n in reason_counts(outcome.quarantine):
            self.reasons[(check, column, reason)] += n
        self._add(outcome.schema, outcome.tallies)
        self.rows += rows

    def merge(self, later: Totals) -> None:
        """Count the totals of the rows that come after these."""
        self.quarantine_schema = self.quarantine_schema or later.quarantine_schema
        self.reasons.update(later.reasons)
        self._add(later.schema, tuple(later.tallies.values()))
        self.rows += later.rows

    def _add(self, schema: tuple[Finding, ...], tallies: Iterable[ColumnTally]) -> None:
        self.schema = self.schema or schema
        for tally in tallies:
            name = tally.plan.name
            known = self.tallies.get(name)
            self.tallies[name] = (
                tally if known is None else merge_tally(known, tally, EXAMPLES)
            )

    def outcome(self) -> StreamOutcome:
        """The findings, rows and reasons of all the rows counted."""
        findings = list(self.schema)
        for tally in self.tallies.values():
            findings.extend(column_findings(tally, self.rows))
        ordered = sorted(
            ((c, col, r, n) for (c, col, r), n in self.reasons.items()),
            key=lambda x: (-x[3], x[0], x[1]),
        )
        return StreamOutcome(
            tuple(findings), self.rows, tuple(ordered), self.quarantine_schema
        )


def conform_chunks(
    plan: GatePlan, frames: Iterable[pl.DataFrame], totals: Totals
) -> Iterable[BatchOutcome]:
    """Conform each frame, counting it into ``totals``; each outcome's quarantine has
    ``row`` counted from the first frame's first row.

    Raises:
        ConformError: A column is missing or unexpected and the policy is to fail.
    """
    start = totals.rows
    for frame in frames:
        outcome = conform_frame(plan, frame)
        if outcome.quarantine.height:
            shifted = outcome.quarantine.with_columns(
                pl.col("row") + (totals.rows - start)
            )
            outcome = BatchOutcome(
                outcome.frame,
                shifted,
                outcome.findings,
                outcome.quarantined,
                outcome.schema,
                outcome.tallies,
            )
        totals.add(outcome, frame.height)
        yield outcome


def conform_frames(
    plan: GatePlan, frames: Iterable[pl.DataFrame], kept: Take, quarantined: Take
) -> StreamOutcome:
    """Conform each frame, hand its kept rows to ``kept`` and its quarantined rows
    (when any) to ``quarantined``.

    Raises:
        ConformError: A column is missing or unexpected and the policy is to fail.
    """
    totals = Totals()
    for outcome in conform_chunks(plan, frames, totals):
        kept(outcome.frame)
        if outcome.quarantine.height:
            quarantined(outcome.quarantine)
    return totals.outcome()
