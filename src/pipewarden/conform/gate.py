"""The gate: every batch or record a model sees is reshaped into the frame it expects.

Training, test and scoring data pass the same gate, built from the same contract, so
the model gets the same columns, order and dtypes whatever arrives. What cannot be
repaired is quarantined with its reason; nothing is dropped silently:
``rows in = rows out + rows quarantined``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from pipewarden._text import clip, counted
from pipewarden.checks.findings import CheckResult, Finding, Severity
from pipewarden.conform._frames import Incoming, incoming, is_records, records_frame
from pipewarden.conform.batch import conform_frame
from pipewarden.conform.plan import GatePlan, build_plan
from pipewarden.conform.quarantine import empty_quarantine, reason_counts
from pipewarden.conform.record import RecordPlan, RecordResult
from pipewarden.contracts.model import Contract
from pipewarden.contracts.yaml_io import load_contract
from pipewarden.engines.spark import is_spark_frame
from pipewarden.errors import ConformError
from pipewarden.io.sources import describe_source

if TYPE_CHECKING:
    from rich.console import RenderableType


@dataclass(frozen=True, slots=True, eq=False)
class ConformResult:
    """The outcome of conforming a batch.

    Attributes:
        frame: The conformed rows: exactly the contract's columns, in its order, with
            its dtypes (the label only when the batch has it; unexpected columns at
            the end when the policy keeps them), in the batch's own frame type
            (pandas keeps the index of the rows it kept; a Spark DataFrame gives a
            Spark DataFrame, its dtypes in the Spark types that hold them).
        quarantine: The rows that could not fit, with their original values and
            ``row``, ``column``, ``check`` and ``reason`` (see ``quarantine.py``), in
            the batch's frame type (Spark: see ``conform/spark.py``).
        findings: What the gate found and did, with the check ids of ``check``.
        rows_in: Rows in the batch.
        reasons: ``(check, column, reason, rows)`` per distinct quarantine reason,
            most rows first.
        dataset: The batch's name (its source, when read from one).
        contract: The contract's name (or its file name).
    """

    frame: Any
    quarantine: Any
    findings: tuple[Finding, ...]
    rows_in: int
    quarantined_mask: pl.Series | None = None
    reasons: tuple[tuple[str, str, str, int], ...] = ()
    dataset: str | None = None
    contract: str | None = None

    @property
    def rows_out(self) -> int:
        return self.rows_in - self.rows_quarantined

    @property
    def rows_quarantined(self) -> int:
        return sum(n for *_, n in self.reasons)

    @property
    def kept_mask(self) -> np.ndarray:
        """Boolean array over the batch's rows, True for rows in ``frame``.

        Use it to align targets with the frame: ``y[result.kept_mask]``.

        Raises:
            ConformError: The batch was a Spark DataFrame (its rows stay in Spark).
        """
        if is_spark_frame(self.frame):
            raise ConformError(
                "A Spark result has no row mask: its rows stay in Spark. Use the "
                "quarantine's 'row' column (positions in the batch) to align targets."
            )
        if self.quarantined_mask is None:
            return np.ones(self.rows_in, dtype=bool)
        return ~self.quarantined_mask.to_numpy()

    def to_check_result(
        self, *, dataset: str | None = None, contract: str | None = None
    ) -> CheckResult:
        """The findings as a CheckResult (status, JSON, raise_for_findings)."""
        return CheckResult(
            rows=self.rows_in,
            findings=self.findings,
            dataset=dataset or self.dataset,
            contract=contract or self.contract,
            extra={
                "conform": {
                    "rows_in": self.rows_in,
                    "rows_out": self.rows_out,
                    "rows_quarantined": self.rows_quarantined,
                    "reasons": [
                        {"check": c, "column": col, "reason": r, "rows": n}
                        for c, col, r, n in self.reasons
                    ],
                }
            },
        )

    def to_dict(self) -> dict[str, Any]:
        """The findings JSON of ``pipewarden conform --json``, with the row counts
        and quarantine reasons under ``conform``."""
        return self.to_check_result().to_dict()

    def at_least(self, severity: Severity) -> list[Finding]:
        return [f for f in self.findings if f.severity >= severity]

    def __repr__(self) -> str:
        name = f" {clip(self.dataset, 40)!r}" if self.dataset else ""
        return (
            f"<ConformResult{name}: {self.rows_in:,} rows in, {self.rows_out:,} out, "
            f"{self.rows_quarantined:,} quarantined; "
            f"{counted(len(self.findings), 'finding')}>"
        )

    def _repr_html_(self) -> str:
        """The HTML a notebook shows (``pipewarden.report.notebook``)."""
        from pipewarden.report.notebook import to_html

        return to_html(self)

    def __rich__(self) -> RenderableType:
        """What a Rich console prints (``pipewarden.report.terminal``)."""
        from pipewarden.report.terminal import to_rich

        return to_rich(self)


class Gate:
    """Conforms batches and records to one contract.

    Build it once per contract: the policies are resolved and the record path is
    compiled here, so each record then costs microseconds.

    Args:
        contract: A Contract, or the path of a contract YAML.

    Raises:
        ContractError: The contract's conform policies are inconsistent (e.g.
            ``on_unseen: fallback`` without a ``fallback``).

    Example:
        >>> gate = Gate(load_contract("contract.yaml"))  # doctest: +SKIP
        >>> result = gate.conform(batch)  # doctest: +SKIP
        >>> model.predict(result.frame)  # doctest: +SKIP
    """

    def __init__(self, contract: Contract | str | Path) -> None:
        self.contract = (
            contract if isinstance(contract, Contract) else load_contract(contract)
        )
        self._contract_name = self.contract.name or (
            None if isinstance(contract, Contract) else Path(contract).name
        )
        self.plan: GatePlan = build_plan(self.contract)
        self._records = RecordPlan.compile(self.plan)

    def __getstate__(self) -> dict[str, Any]:
        return {"contract": self.contract.to_dict()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(Contract.from_dict(state["contract"]))  # type: ignore[misc]  # rebuild the compiled plan

    def __repr__(self) -> str:
        name = self.contract.name or self.contract.digest
        return f"Gate({name!r}, {len(self.plan.columns)} columns)"

    @property
    def columns(self) -> list[str]:
        """The columns of the conformed frame, in order (label included)."""
        return list(self.plan.names)

    @property
    def contract_name(self) -> str | None:
        """The contract's name (or its file name), as results carry it."""
        return self._contract_name

    @property
    def feature_columns(self) -> list[str]:
        """The conformed columns without the contract's label."""
        return [p.name for p in self.plan.columns if not p.is_label]

    def conform(self, batch: Any) -> ConformResult:
        """Reshape a batch into the frame the model expects, quarantining rows that
        cannot fit.

        Args:
            batch: A polars, pandas or Arrow frame (results come back in the same
                type), a LazyFrame, a list of records, anything ``pipewarden.io``
                reads (a path gives polars), or a Spark DataFrame (each partition
                conformed on its executor; ``frame`` and ``quarantine`` are Spark
                DataFrames, see ``conform/spark.py``).

        Returns:
            The conformed frame, the quarantined rows (with reason and column), and
            the findings.

        Raises:
            ConformError: A column is missing (or unexpected) and the contract's
                policy is to fail; the message names the columns and the fix.
            SourceError: The batch cannot be read.
            MissingDependencyError: A Spark DataFrame, and pyspark cannot be loaded.
            EngineError: The Spark job failed.
        """
        if is_spark_frame(batch):
            return self._conform_spark(batch)
        if isinstance(batch, Mapping):
            return self.conform_records([batch])
        if is_records(batch):
            return self.conform_records(batch)
        named = isinstance(batch, str | Path)
        result = self._conform(incoming(batch))
        return replace(result, dataset=describe_source(batch)) if named else result

    def conform_records(self, records: Sequence[Mapping[str, Any]]) -> ConformResult:
        """Conform many records at once, vectorised; the frame is polars.

        The records become one frame (see ``records_frame``: a key mixing numbers and
        text is read as text, then coerced as the contract says) and go through
        ``conform``; for records whose keys hold one kind of value each, every row
        equals ``conform_record`` of that record.
        """
        if not records:
            frame = pl.DataFrame(
                schema={
                    p.name: p.target.dtype for p in self.plan.columns if not p.is_label
                }
            )
            return ConformResult(
                frame,
                empty_quarantine(frame.schema),
                (),
                0,
                contract=self._contract_name,
            )
        return self._conform(Incoming(records_frame(records), "polars"))

    def conform_record(self, record: Mapping[str, Any]) -> RecordResult:
        """Conform one record in pure Python (microseconds; no frame is built).

        Gives the same row as ``conform`` of a one-row batch holding the record.

        Returns:
            ``.record`` (the conformed dict, or None when quarantined),
            ``.quarantined``, ``.column``, ``.check``, ``.reason``, and
            ``.findings`` on demand.

        Raises:
            ConformError: A column is missing (or unexpected) and the policy is to fail.
        """
        return self._records.conform(record)

    def _conform_spark(self, data: Any) -> ConformResult:
        from pipewarden.conform.spark import conform_spark

        done = conform_spark(self.plan, data)
        return ConformResult(
            frame=done.frame,
            quarantine=done.quarantine,
            findings=done.outcome.findings,
            rows_in=done.outcome.rows_in,
            reasons=done.outcome.reasons,
            contract=self._contract_name,
        )

    def _conform(self, batch: Incoming) -> ConformResult:
        outcome = conform_frame(self.plan, batch.frame)
        mask = outcome.quarantined
        kept_rows = None if mask is None else (~mask).arg_true().to_numpy()
        quarantined_rows = None if mask is None else mask.arg_true().to_numpy()
        return ConformResult(
            frame=batch.give_back(outcome.frame, kept_rows),
            quarantine=batch.give_back(
                outcome.quarantine,
                quarantined_rows
                if quarantined_rows is not None
                else np.zeros(0, dtype=np.int64),
            ),
            findings=outcome.findings,
            rows_in=batch.frame.height,
            quarantined_mask=mask,
            reasons=tuple(reason_counts(outcome.quarantine)),
            contract=self._contract_name,
        )
