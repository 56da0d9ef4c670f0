"""What the store keeps, as plain values: runs, their inputs, metric points, models.

Nothing here touches the database, so these types can be imported (and re-exported
by ``pipewarden``) without loading SQLAlchemy. ``InputFingerprint`` (from
``pipewarden.io.fingerprints``) is defined where it is made, and kept here too;
metric points and the series the store reads back are defined here, and
``pipewarden.monitor`` computes them and over them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeAlias

from pipewarden._types import RunId
from pipewarden.checks.findings import CheckResult
from pipewarden.contracts.model import Contract
from pipewarden.env.fingerprint import CodeVersion, Fingerprint
from pipewarden.io.fingerprints import InputFingerprint
from pipewarden.profiles.dataset import DatasetProfile

__all__ = [
    "InputFingerprint",
    "MetricPoint",
    "MetricSeries",
    "ModelRecord",
    "Run",
    "RunSummary",
    "Series",
    "SeriesKey",
    "SeriesTable",
    "new_run_id",
]

SeriesKey: TypeAlias = tuple[str | None, str]
"""(column, metric); column None for dataset-wide metrics."""
Series: TypeAlias = Sequence[tuple[datetime, float]]
"""Earlier values of one metric, oldest first."""


def new_run_id(now: datetime | None = None) -> RunId:
    """A short id that sorts by time: ``r-YYYYMMDD-HHMMSSmmm-xxxxxx``.

    The suffix is 24 random bits, so ids made in the same millisecond by different
    processes still differ.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    stamp = moment.strftime("%Y%m%d-%H%M%S") + f"{moment.microsecond // 1000:03d}"
    return RunId(f"r-{stamp}-{secrets.token_hex(3)}")


@dataclass(frozen=True, slots=True)
class MetricPoint:
    """One value of one statistic of one run: a point of a time series.

    ``column`` is None for dataset-wide metrics such as ``row_count``.
    """

    dataset: str
    column: str | None
    metric: str
    value: float
    recorded_at: datetime
    run_id: str | None = None


class SeriesTable(Mapping[SeriesKey, Series]):
    """Earlier values of a dataset's metrics, run by run, oldest run first.

    ``run_keys[i]`` names the metrics of the run at ``times[i]`` and ``run_values[i]``
    holds their values, in the same order. Runs with the same metrics in the same
    order may share one ``run_keys`` tuple (the same object); when all do,
    :func:`detect_anomalies` takes every metric's baseline from the same runs at once.
    As a Mapping this is the usual ``{(column, metric): [(time, value), ...]}``.
    """

    __slots__ = ("_series", "run_keys", "run_values", "times")

    def __init__(
        self,
        times: Sequence[datetime],
        run_keys: Sequence[tuple[SeriesKey, ...]],
        run_values: Sequence[Sequence[float]],
    ) -> None:
        self.times = times
        self.run_keys = run_keys
        self.run_values = run_values
        self._series: dict[SeriesKey, list[tuple[datetime, float]]] | None = None

    @property
    def shared_keys(self) -> tuple[SeriesKey, ...] | None:
        """The one ``run_keys`` tuple every run shares, or None."""
        if not self.run_keys:
            return None
        first = self.run_keys[0]
        return first if all(k is first for k in self.run_keys) else None

    def _as_dict(self) -> dict[SeriesKey, list[tuple[datetime, float]]]:
        if self._series is None:
            series: dict[SeriesKey, list[tuple[datetime, float]]] = {}
            for moment, keys, values in zip(
                self.times, self.run_keys, self.run_values, strict=True
            ):
                for key, value in zip(keys, values, strict=True):
                    series.setdefault(key, []).append((moment, value))
            self._series = series
        return self._series

    def __getitem__(self, key: SeriesKey) -> Series:
        return self._as_dict()[key]

    def __iter__(self) -> Iterator[SeriesKey]:
        return iter(self._as_dict())

    def __len__(self) -> int:
        return len(self._as_dict())


@dataclass(frozen=True, slots=True)
class MetricSeries:
    """The history of one metric: parallel tuples of times, values and run ids.

    ``column`` is None for dataset-wide metrics such as ``row_count``.
    """

    dataset: str
    column: str | None
    metric: str
    times: tuple[datetime, ...] = ()
    values: tuple[float, ...] = ()
    run_ids: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.values)

    @property
    def points(self) -> list[MetricPoint]:
        """The series as one MetricPoint per run, oldest first."""
        return [
            MetricPoint(self.dataset, self.column, self.metric, v, t, r)
            for t, v, r in zip(self.times, self.values, self.run_ids, strict=True)
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "column": self.column,
            "metric": self.metric,
            "times": [t.isoformat() for t in self.times],
            "values": list(self.values),
            "run_ids": list(self.run_ids),
        }


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One line of ``pipewarden runs list``: a run without its profile and findings."""

    id: str
    dataset: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    rows: int
    errors: int
    warnings: int
    contract_digest: str | None
    environment_digest: str | None
    code_commit: str | None
    code_dirty: bool | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "dataset": self.dataset,
            "status": self.status,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "rows": self.rows,
            "errors": self.errors,
            "warnings": self.warnings,
            "contract_digest": self.contract_digest,
            "environment_digest": self.environment_digest,
            "code_commit": self.code_commit,
            "code_dirty": self.code_dirty,
        }


@dataclass(frozen=True, slots=True)
class Run:
    """A recorded check: what was read, with what contract, code and environment.

    Attributes:
        id: Run id (see :func:`new_run_id`).
        dataset: Name the run is recorded under.
        started_at: When the check started (UTC).
        finished_at: When it finished (UTC).
        result: The findings, including ``history.*`` findings added on recording.
        profile: Profile of the batch.
        contract: The contract checked against, or None.
        contract_digest: ``Contract.digest`` of it, kept even if the contract no
            longer parses.
        environment: Fingerprint of the environment that ran the check.
        code: Git commit and dirty flag of the working directory, when in a repository.
        inputs: Fingerprints of the files (or query) read.
        reference: What the batch was compared to (a path, or ``run:<id>``), if anything.
    """

    id: str
    dataset: str
    started_at: datetime
    finished_at: datetime | None
    result: CheckResult
    profile: DatasetProfile | None = None
    contract: Contract | None = None
    contract_digest: str | None = None
    environment: Fingerprint | None = None
    code: CodeVersion | None = None
    inputs: tuple[InputFingerprint, ...] = ()
    reference: str | None = None

    @property
    def status(self) -> str:
        return self.result.status

    @property
    def environment_digest(self) -> str | None:
        return None if self.environment is None else self.environment.digest

    @property
    def summary(self) -> RunSummary:
        return RunSummary(
            id=self.id,
            dataset=self.dataset,
            status=self.status,
            started_at=self.started_at,
            finished_at=self.finished_at,
            rows=self.result.rows,
            errors=sum(1 for f in self.result.findings if f.severity.value == "error"),
            warnings=sum(
                1 for f in self.result.findings if f.severity.value == "warning"
            ),
            contract_digest=self.contract_digest,
            environment_digest=self.environment_digest,
            code_commit=None if self.code is None else self.code.commit,
            code_dirty=None if self.code is None else self.code.dirty,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the profile is summarised by its column names)."""
        out = self.summary.to_dict()
        out.update(
            {
                "contract": None if self.contract is None else self.contract.name,
                "reference": self.reference,
                "code": None if self.code is None else self.code.to_dict(),
                "environment": None
                if self.environment is None
                else {
                    "digest": self.environment.digest,
                    "python_version": self.environment.python_version,
                    "os": self.environment.os,
                    "machine": self.environment.machine,
                    "hostname": self.environment.hostname,
                },
                "inputs": [i.to_dict() for i in self.inputs],
                "columns": [] if self.profile is None else self.profile.column_names,
                "findings": [f.to_dict() for f in self.result.findings],
            }
        )
        return out


@dataclass(frozen=True, slots=True)
class ModelRecord:
    """A registered model version: its artifact, training data and environment.

    Attributes:
        name: Model name.
        version: Version label.
        artifact_hash: Hex sha256 of the model file (or of the pickled object).
        artifact_path: Absolute path of the model file, when one was given.
        environment: Fingerprint of the environment it was trained in.
        important_packages: Distributions whose versions matter for it: those its
            pickle references, or the list given at registration.
        metrics: Evaluation metrics, e.g. ``{"auc": 0.91}``: the baseline that
            monitored windows are compared with.
        training_profile: Profile of the training data, when given.
        registered_at: When it was registered (UTC).
        task: ``regression`` or ``classification``, when known.
        label: The target column of the training data, when given.
        inputs: The model's input columns (the training data's other columns).
        importances: Feature importance per input column, when known.
        training_sample: A bounded random sample of training rows (inputs and label)
            as Parquet bytes, for the diagnosis of monitored windows.
    """

    name: str
    version: str
    artifact_hash: str
    artifact_path: str | None
    environment: Fingerprint
    important_packages: tuple[str, ...] = ()
    metrics: dict[str, float] = field(default_factory=dict)
    training_profile: DatasetProfile | None = None
    registered_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    task: str | None = None
    label: str | None = None
    inputs: tuple[str, ...] = ()
    importances: dict[str, float] = field(default_factory=dict)
    training_sample: bytes | None = field(default=None, repr=False)

    @property
    def subject(self) -> str:
        """The model as an alert subject: ``model:NAME:VERSION``."""
        return f"model:{self.name}:{self.version}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "artifact_hash": self.artifact_hash,
            "artifact_path": self.artifact_path,
            "environment_digest": self.environment.digest,
            "important_packages": list(self.important_packages),
            "metrics": dict(self.metrics),
            "training_rows": None
            if self.training_profile is None
            else self.training_profile.rows,
            "registered_at": _iso(self.registered_at),
            "task": self.task,
            "label": self.label,
            "inputs": list(self.inputs),
            "importances": dict(self.importances),
            "training_sample_rows": None
            if self.training_sample is None
            else _parquet_rows(self.training_sample),
        }


def _parquet_rows(payload: bytes) -> int:
    import io

    import pyarrow.parquet as pq

    return int(pq.ParquetFile(io.BytesIO(payload)).metadata.num_rows)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
