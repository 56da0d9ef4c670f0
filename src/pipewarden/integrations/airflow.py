"""An Airflow 3 operator that checks data against its pipewarden contract.

::

    from pipewarden.integrations.airflow import PipewardenCheckOperator

    check = PipewardenCheckOperator(
        task_id="check_orders",
        data="/data/orders/{{ ds }}.parquet",
        contract="contracts/orders.yaml",
        store="postgresql+psycopg://warden@db/pipewarden",
        fail_on="error",
    )

The task fails (without retries: the same data fails the same way) when a finding is
at or above ``fail_on``; it returns the check's summary (``pipewarden check --json``
plus counts and the recorded run ids) as its XCom value. Airflow is imported when the
operator is first used: ``import pipewarden.integrations.airflow`` works without it,
and ``PipewardenCheckOperator`` raises a one-line MissingDependencyError naming the
``airflow`` extra.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pipewarden._optional import require
from pipewarden.errors import ValidationFailedError
from pipewarden.integrations._task import check_fail_on, raise_for, run_check

__all__ = ["PipewardenCheckOperator", "operator_class"]  # noqa: F822  # via __getattr__

TEMPLATE_FIELDS = (
    "data",
    "contract",
    "dataset",
    "reference",
    "query",
    "store",
    "pipeline",
    "stage",
    "pipeline_run",
)
"""The operator's arguments Airflow renders with Jinja (``{{ ds }}``, XCom pulls)."""


@cache
def operator_class() -> type[Any]:
    """The PipewardenCheckOperator class, made on first use (it subclasses Airflow's).

    Raises:
        MissingDependencyError: Airflow is not installed.
    """
    sdk = require("airflow.sdk", extra="airflow", purpose="PipewardenCheckOperator")
    exceptions = require("airflow.sdk.exceptions", extra="airflow")
    base: Any = sdk.BaseOperator

    class PipewardenCheckOperator(base):  # type: ignore[misc]
        """Check a data source against a pipewarden contract; fail on ``fail_on``.

        Args:
            data: Path, glob or URL of the data (SQL sources too); templated.
            contract: Contract YAML path (None only with a pipeline checkpoint).
            fail_on: ``error`` (default), ``warning`` or ``never``.
            store: Store URL to record the run in (default: not recorded).
            dataset: Dataset name runs are recorded under.
            reference: Reference data/profile for drift, or ``last-pass``.
            query: SQL query, when ``data`` is a database URL.
            pipeline: Record the check as a stage of a new run of this pipeline.
            stage: Stage name (default: the dataset name).
            pipeline_run: An open pipewarden pipeline run id to add the stage to.
        """

        template_fields = TEMPLATE_FIELDS
        ui_color = "#d8ecf3"

        def __init__(
            self,
            *,
            data: str,
            contract: str | None = None,
            fail_on: str = "error",
            store: str | None = None,
            dataset: str | None = None,
            reference: str | None = None,
            query: str | None = None,
            pipeline: str | None = None,
            stage: str | None = None,
            pipeline_run: str | None = None,
            **kwargs: Any,
        ) -> None:
            super().__init__(**kwargs)
            self.data = data
            self.contract = contract
            self.fail_on = check_fail_on(fail_on)
            self.store = store
            self.dataset = dataset
            self.reference = reference
            self.query = query
            self.pipeline = pipeline
            self.stage = stage
            self.pipeline_run = pipeline_run

        def execute(self, context: Any) -> dict[str, Any]:
            outcome = run_check(
                self.data,
                self.contract,
                fail_on=self.fail_on,
                store=self.store or None,
                dataset=self.dataset or None,
                reference=self.reference or None,
                query=self.query or None,
                pipeline=self.pipeline or None,
                stage=self.stage or None,
                pipeline_run=self.pipeline_run or None,
            )
            self.log.info("%s", outcome.message())
            try:
                raise_for(outcome)
            except ValidationFailedError as exc:
                raise exceptions.AirflowFailException(str(exc)) from exc
            return outcome.summary()

    return PipewardenCheckOperator


def __getattr__(name: str) -> Any:
    if name == "PipewardenCheckOperator":
        return operator_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
