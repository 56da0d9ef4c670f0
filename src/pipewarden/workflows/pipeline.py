"""Pipeline runs and stage checkpoints: the workflow behind ``pw.pipeline_run`` and
``pipewarden runs start | checkpoint | finish``.

A checkpoint profiles a stage's output in one pass (tallying its segment statistics
on the way), checks it against the stage's contract (given, or the one of the
pipeline's first good run, or inferred from this output when there is none yet),
and records it as a regular run under the dataset ``PIPELINE/STAGE``, linked to the
pipeline run.
"""

from __future__ import annotations

import os
import traceback as tb
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from pipewarden.contracts.infer import infer_contract
from pipewarden.contracts.model import Contract
from pipewarden.engines.registry import resolve_engine
from pipewarden.env.fingerprint import CodeVersion, Fingerprint, capture, code_version
from pipewarden.errors import ConfigError, PipewardenError
from pipewarden.io.fingerprints import InputFingerprint, fingerprint_inputs
from pipewarden.io.sources import iter_frames, optimistically
from pipewarden.pipelines.segments import SegmentTally
from pipewarden.profiles.dataset import DatasetProfile
from pipewarden.store.pipeline_records import (
    STAGE_ERROR,
    PipelineRun,
    StageCheckpoint,
    stage_dataset,
)
from pipewarden.store.records import new_run_id
from pipewarden.workflows._store import opened_store
from pipewarden.workflows.check import check_batch
from pipewarden.workflows.record import record_run

if TYPE_CHECKING:
    from pipewarden.store.base import Store

__all__ = [
    "PipelineRunContext",
    "checkpoint_stage",
    "finish_pipeline_run",
    "pipeline_run",
    "start_pipeline_run",
]

P = ParamSpec("P")
T = TypeVar("T")


def start_pipeline_run(
    pipeline: str,
    *,
    store: Store,
    now: datetime | None = None,
    code: CodeVersion | None = None,
    environment: Fingerprint | None = None,
) -> PipelineRun:
    """Start a run of a pipeline (the pipeline is kept too, the first time).

    Args:
        pipeline: Pipeline name.
        store: Where the run is kept.
        now: When it started (default: now, UTC).
        code: Git state of the code; None: read it from the working directory.
        environment: Its environment's fingerprint, when already captured.

    Returns:
        The new run (status ``running``).
    """
    if not pipeline.strip():
        raise ConfigError("A pipeline needs a name, e.g. churn-daily.")
    started = (now or datetime.now(UTC)).astimezone(UTC)
    run = PipelineRun(
        id=new_run_id(started),
        pipeline=pipeline,
        status="running",
        started_at=started,
        code=code if code is not None else code_version("."),
        environment_digest=None if environment is None else environment.digest,
    )
    store.start_pipeline_run(run)
    return run


def checkpoint_stage(
    run_id: str,
    stage: str,
    data: Any,
    *,
    store: Store,
    contract: Contract | str | Path | None = None,
    inputs: Sequence[str] = (),
    segments: Sequence[str] | None = None,
    sources: Sequence[str | Path] = (),
    started_at: datetime | None = None,
    now: datetime | None = None,
    environ: Mapping[str, str] | None = None,
    environment: Fingerprint | None = None,
    code: CodeVersion | None = None,
    query: str | None = None,
    engine: str = "local",
) -> StageCheckpoint:
    """Profile, check and record one stage's output as part of a pipeline run.

    Args:
        run_id: The pipeline run (id or unique prefix).
        stage: Stage name, unique within the run.
        data: The stage's output: a frame, or a path, glob or URL.
        store: The store holding the run.
        contract: The stage's contract; None: the contract of this stage in the
            pipeline's first good run, or one inferred from this output.
        inputs: Stages whose outputs this stage read (default: the stage before).
        segments: Segment columns; None: the contract's, else discovered among the
            low-cardinality columns.
        sources: Files the stage read, fingerprinted (a path ``data`` is too).
        started_at: When the stage started (default: when its checkpoint started).
        now: When the checkpoint is recorded (default: now, UTC).
        environ: Environment variables for the fingerprint (default: os.environ).
        environment: The environment's fingerprint, when already captured.
        code: Git state of the code; None: read from the working directory.
        query: SQL query, when ``data`` is a database URL.
        engine: Compute engine name.

    Returns:
        The stage checkpoint as stored.

    Raises:
        ConfigError: The run is finished, or already has this stage.
        SourceError: The data cannot be read.
    """
    run = _open_run(store, run_id)
    _check_new_stage(run, stage, inputs)
    begun = datetime.now(UTC)
    spec = _stage_contract(store, run, stage, contract)
    declared = (
        list(segments)
        if segments is not None
        else ([] if spec is None else list(spec.dataset.segments))
    )
    chosen = resolve_engine(engine)

    def tallied(optimistic: bool) -> tuple[DatasetProfile, SegmentTally]:
        tally = SegmentTally(declared)  # afresh when the rows are read again
        frames = iter_frames(
            data,
            query=query,
            read_ahead=not chosen.reads_ahead,
            optimistic=optimistic,
        )
        return chosen.profile_frames(tally.tap(frames)), tally

    profile, tally = optimistically(tallied)
    if spec is None:
        spec = infer_contract(profile, name=stage_dataset(run.pipeline, stage))
    dataset = stage_dataset(run.pipeline, stage)
    result = check_batch(profile, spec, dataset=dataset, now=now).result
    finished = (now or datetime.now(UTC)).astimezone(UTC)
    started = (started_at or (begun if now is None else finished)).astimezone(UTC)
    read = [*fingerprint_inputs(data, query=query)]
    read.extend(f for source in sources for f in fingerprint_inputs(source))
    recorded = record_run(
        store,
        result,
        profile=profile,
        environ=os.environ if environ is None else environ,
        contract=spec,
        dataset=dataset,
        inputs=_unique(read),
        environment=environment,
        code=code if code is not None else run.code,
        started_at=started,
        finished_at=finished,
    )
    stats = tally.result()
    checkpoint = StageCheckpoint(
        stage=stage,
        position=len(run.stages),
        status=recorded.status,
        started_at=started,
        finished_at=finished,
        rows=profile.rows,
        inputs=tuple(inputs),
        run_id=recorded.id,
        segments=None if stats is None else stats.to_dict(),
    )
    store.save_stage(run.id, checkpoint)
    return checkpoint


def fail_stage(
    run_id: str,
    stage: str,
    error: BaseException,
    *,
    store: Store,
    inputs: Sequence[str] = (),
    started_at: datetime | None = None,
    now: datetime | None = None,
) -> StageCheckpoint:
    """Record that a stage raised instead of producing output."""
    run = _open_run(store, run_id)
    _check_new_stage(run, stage, inputs)
    finished = (now or datetime.now(UTC)).astimezone(UTC)
    checkpoint = StageCheckpoint(
        stage=stage,
        position=len(run.stages),
        status=STAGE_ERROR,
        started_at=(started_at or finished).astimezone(UTC),
        finished_at=finished,
        inputs=tuple(inputs),
        error_type=type(error).__name__,
        error_message=str(error),
    )
    store.save_stage(run.id, checkpoint)
    return checkpoint


def finish_pipeline_run(
    run_id: str,
    *,
    store: Store,
    failed: bool = False,
    error: str | None = None,
    error_type: str | None = None,
    traceback: str | None = None,
    now: datetime | None = None,
) -> PipelineRun:
    """Finish a pipeline run: success, or failed (with the error when known).

    Args:
        run_id: The pipeline run (id or unique prefix).
        store: The store holding it.
        failed: The run failed (also implied by ``error``).
        error: What went wrong, for people.
        error_type: The exception type, when it was one.
        traceback: The traceback, kept for the developer; never shown to users.
        now: When it finished (default: now, UTC).

    Returns:
        The finished run.

    Raises:
        ConfigError: The run is finished already.
    """
    run = _open_run(store, run_id)
    failing = failed or error is not None or error_type is not None
    store.finish_pipeline_run(
        run.id,
        status="failed" if failing else "success",
        finished_at=(now or datetime.now(UTC)).astimezone(UTC),
        error_type=error_type,
        error_message=error,
        traceback=traceback,
    )
    return store.get_pipeline_run(run.id)


@dataclass
class PipelineRunContext:
    """A running pipeline run, for Python code: checkpoint stages, then finish.

    Made by :func:`pipeline_run`; the environment and code version are captured
    once, at start, for every checkpoint.
    """

    store: Store
    run: PipelineRun
    environment: Fingerprint
    engine: str = "local"
    _clock: Callable[[], datetime] | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        return self.run.id

    def checkpoint(
        self,
        stage: str,
        data: Any,
        *,
        contract: Contract | str | Path | None = None,
        inputs: Sequence[str] = (),
        segments: Sequence[str] | None = None,
        sources: Sequence[str | Path] = (),
        started_at: datetime | None = None,
    ) -> StageCheckpoint:
        """Profile, check and record a stage's output (see :func:`checkpoint_stage`)."""
        return checkpoint_stage(
            self.run.id,
            stage,
            data,
            store=self.store,
            contract=contract,
            inputs=inputs,
            segments=segments,
            sources=sources,
            started_at=started_at,
            now=self._now(),
            environment=self.environment,
            code=self.run.code,
            engine=self.engine,
        )

    def stage(
        self,
        name: str,
        *,
        contract: Contract | str | Path | None = None,
        inputs: Sequence[str] = (),
        segments: Sequence[str] | None = None,
    ) -> Callable[[Callable[P, T]], Callable[P, T]]:
        """Decorate a function whose return value is the stage's output.

        Calling it runs it, then checkpoints what it returned; when it raises, the
        stage is recorded as failed (type and message) and the error goes on.
        """

        def decorate(function: Callable[P, T]) -> Callable[P, T]:
            @wraps(function)
            def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
                begun = self._now() or datetime.now(UTC)
                try:
                    output = function(*args, **kwargs)
                except Exception as exc:
                    fail_stage(
                        self.run.id,
                        name,
                        exc,
                        store=self.store,
                        inputs=inputs,
                        started_at=begun,
                        now=self._now(),
                    )
                    raise
                self.checkpoint(
                    name,
                    output,
                    contract=contract,
                    inputs=inputs,
                    segments=segments,
                    started_at=begun,
                )
                return output

            return wrapper

        return decorate

    def finish(self, *, failed: bool = False, error: str | None = None) -> PipelineRun:
        """Finish the run (done by the context manager on leaving)."""
        self.run = finish_pipeline_run(
            self.run.id, store=self.store, failed=failed, error=error, now=self._now()
        )
        return self.run

    def _now(self) -> datetime | None:
        return None if self._clock is None else self._clock()


@contextmanager
def pipeline_run(
    pipeline: str,
    *,
    store: Store | str | None = None,
    environ: Mapping[str, str] | None = None,
    engine: str = "local",
    clock: Callable[[], datetime] | None = None,
) -> Iterator[PipelineRunContext]:
    """A pipeline run for the length of a ``with`` block.

    Leaving the block finishes the run: success, or failed with the exception's
    type, message and traceback (kept in the store for the developer) when one
    escapes, which then goes on.

    Args:
        pipeline: Pipeline name.
        store: A Store or store URL (default: the embedded store).
        environ: Environment variables for the fingerprint (default: os.environ).
        engine: Compute engine for the checkpoints.
        clock: Returns "now" (for tests and backfills); default: the real clock.

    Example:
        >>> with pw.pipeline_run("churn-daily") as run:  # doctest: +SKIP
        ...     run.checkpoint("clean", frame)
    """
    with opened_store(store) as opened:
        environment = capture(os.environ if environ is None else environ)
        now = None if clock is None else clock()
        run = start_pipeline_run(
            pipeline, store=opened, now=now, environment=environment
        )
        context = PipelineRunContext(opened, run, environment, engine, clock)
        try:
            yield context
        except Exception as exc:
            if context.run.status == "running":
                finish_pipeline_run(
                    run.id,
                    store=opened,
                    error=str(exc) or type(exc).__name__,
                    error_type=type(exc).__name__,
                    traceback="".join(tb.format_exception(exc)),
                    now=context._now(),
                )
            raise
        if context.run.status == "running":
            context.finish()


def _open_run(store: Store, run_id: str) -> PipelineRun:
    run = store.get_pipeline_run(run_id)
    if run.status != "running":
        raise ConfigError(
            f"Pipeline run {run.id} of '{run.pipeline}' is finished ({run.status}). "
            f"Start a new one with: pipewarden runs start {run.pipeline}"
        )
    return run


def _check_new_stage(run: PipelineRun, stage: str, inputs: Sequence[str]) -> None:
    if not stage.strip():
        raise ConfigError("A stage needs a name, e.g. clean.")
    if run.stage(stage) is not None:
        raise ConfigError(
            f"Pipeline run {run.id} has a checkpoint of stage '{stage}' already. "
            "Name each stage once per run."
        )
    unknown = [name for name in inputs if run.stage(name) is None]
    if unknown:
        known = ", ".join(s.stage for s in run.stages) or "none yet"
        raise ConfigError(
            f"Input stage(s) {', '.join(unknown)} of '{stage}' have no checkpoint in "
            f"run {run.id} (stages so far: {known}). Checkpoint them first."
        )


def _stage_contract(
    store: Store, run: PipelineRun, stage: str, contract: Contract | str | Path | None
) -> Contract | None:
    if isinstance(contract, Contract):
        return contract
    if contract is not None:
        from pipewarden.contracts.yaml_io import load_contract

        return load_contract(contract)
    first = _first_good_stage_run(store, run.pipeline, stage)
    return None if first is None else first.contract


def _first_good_stage_run(store: Store, pipeline: str, stage: str) -> Any:
    runs = store.list_pipeline_runs(pipeline=pipeline, status="success", limit=None)
    for earlier in reversed(runs):
        checkpoint = earlier.stage(stage)
        if earlier.is_good and checkpoint is not None and checkpoint.run_id:
            try:
                return store.get_run(checkpoint.run_id)
            except PipewardenError:
                continue
    return None


def _unique(items: list[InputFingerprint]) -> list[InputFingerprint]:
    return list({(i.path, i.content_hash): i for i in items}.values())
