"""The gate on Spark: each partition conformed where it lives, by the batch path.

A Spark DataFrame's partitions go through ``SparkEngine.fan_out``: each one's Arrow
batches become Polars chunks, conformed by ``conform_chunks`` (the code of
``Gate.conform`` and of the streamed conform), and come back as two Spark DataFrames
(the conformed rows and the quarantine) plus one small summary per partition, its
``Totals``. The driver merges the summaries in partition order into the findings,
row counts and reasons one pass over the whole DataFrame gives; no row comes to the
driver.

The output schemas are fixed on the driver before Spark starts, by conforming the
DataFrame's columns without rows: the conformed frame has the contract's columns and
dtypes (in the Spark types that hold them), the quarantine the DataFrame's own
columns and types, then ``row``, ``column``, ``check`` and ``reason``; ``row`` is the
row's position in the DataFrame (the order of ``toArrow()``). A policy that refuses
the columns (``unexpected_columns: fail``) fails there too, before any job.

Nothing here imports pyspark: ``engines/spark.py`` does.
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, fields
from functools import partial
from typing import Any

import polars as pl

from pipewarden.conform._findings import ColumnTally
from pipewarden.conform.batch import conform_frame
from pipewarden.conform.plan import GatePlan
from pipewarden.conform.stream import StreamOutcome, Totals, conform_chunks
from pipewarden.engines.spark import Emitted, SparkEngine

CONFORMED, QUARANTINED = 0, 1


@dataclass(frozen=True, slots=True)
class SparkConform:
    """The conformed rows and the quarantine as Spark DataFrames, and what the gate
    found over all partitions."""

    frame: Any
    quarantine: Any
    outcome: StreamOutcome


def conform_spark(plan: GatePlan, data: Any) -> SparkConform:
    """Conform a Spark DataFrame (see the module docstring).

    Raises:
        MissingDependencyError: pyspark is not installed.
        ConformError: A column is missing or unexpected and the policy is to fail.
        EngineError: The Spark job failed, or a conformed column has no Spark type.
    """
    engine = SparkEngine(data.sparkSession)
    probe = conform_frame(plan, engine.empty_frame(data))
    totals = Totals()
    totals.add(probe, 0)
    done = engine.fan_out(
        data,
        partial(conform_partition, plan=plan),
        [probe.frame.schema, probe.quarantine.schema],
        positions={QUARANTINED: "row"},
    )
    for summary in done.summaries:
        totals.merge(unpack(summary, plan))
    frame, quarantine = done.frames
    return SparkConform(frame, quarantine, totals.outcome())


def conform_partition(
    frames: Iterator[pl.DataFrame], *, plan: GatePlan
) -> Iterator[Emitted]:
    """Conform one partition's chunks (runs in a Spark executor): the conformed and
    quarantined rows of each chunk (``row`` counted from the partition's start), then
    the partition's ``Totals``."""
    totals = Totals()
    for outcome in conform_chunks(plan, frames, totals):
        yield CONFORMED, outcome.frame
        if outcome.quarantine.height:
            yield QUARANTINED, outcome.quarantine
    yield pack(totals)


def pack(totals: Totals) -> bytes:
    """A partition's totals as bytes for the driver (column plans left out: the
    driver has them; they hold compiled readers that do not pickle)."""
    tallies = [
        (name, {f.name: getattr(t, f.name) for f in fields(t) if f.name != "plan"})
        for name, t in totals.tallies.items()
    ]
    return pickle.dumps((totals.rows, totals.schema, tallies, dict(totals.reasons)))


def unpack(data: bytes, plan: GatePlan) -> Totals:
    """Totals sent by ``pack``, with the driver's column plans."""
    rows, schema, tallies, reasons = pickle.loads(data)  # noqa: S301  # our executors'
    plans = {p.name: p for p in plan.columns}
    return Totals(
        rows=rows,
        schema=schema,
        tallies={n: ColumnTally(plan=plans[n], **kept) for n, kept in tallies},
        reasons=Counter(reasons),
    )
