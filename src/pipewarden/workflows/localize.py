"""Localize a bad pipeline run: the workflow behind ``pw.localize`` and
``pipewarden localize``.

Reads the two pipeline runs, their stage checkpoints and the stored profiles of
their stages (without findings: ``Store.get_stage_profiles``), plus, for stages with
a datetime column other than their contract's time column, the profiles of the good
run before the baseline, which tell which datetime columns normally move forward
(only those can be stale), and hands them to ``pipelines.localize``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pipewarden.errors import ConfigError, RecordNotFoundError
from pipewarden.pipelines.localize import Localization, localize_runs
from pipewarden.profiles.column import Kind
from pipewarden.store.pipeline_records import PipelineRun, StageProfile

if TYPE_CHECKING:
    from pipewarden.store.base import Store

__all__ = ["default_baseline", "localize"]


def localize(
    run_id: str, *, baseline: str | None = None, store: Store | str | None = None
) -> Localization:
    """Where did the change of a pipeline run begin: stage, columns, segments.

    Args:
        run_id: The pipeline run to explain (id or unique prefix).
        baseline: A pipeline run to compare with; default: the last good run of the
            same pipeline before it (finished successfully, every stage passing).
        store: A Store or store URL (default: the embedded store).

    Returns:
        The localization; ``to_dict()`` is the ``localize --json`` document.

    Raises:
        RecordNotFoundError: No such run, or no earlier good run to compare with.
        ConfigError: The baseline belongs to another pipeline.

    Example:
        >>> report = pw.localize("r-20261201-060000000-abc123")  # doctest: +SKIP
        >>> print(report.headline)  # doctest: +SKIP
    """
    with _opened(store) as opened:
        bad = opened.get_pipeline_run(run_id)
        base = (
            opened.get_pipeline_run(baseline)
            if baseline is not None
            else default_baseline(opened, bad)
        )
        if base.pipeline != bad.pipeline:
            raise ConfigError(
                f"Baseline {base.id} is a run of '{base.pipeline}', not of "
                f"'{bad.pipeline}'. Pass a run of the same pipeline."
            )
        profiles = opened.get_stage_profiles(
            [s.run_id for r in (bad, base) for s in r.stages if s.run_id]
        )
        baseline_runs = _stage_profiles(base, profiles)
        return localize_runs(
            bad,
            base,
            _stage_profiles(bad, profiles),
            baseline_runs,
            earlier_runs=_earlier_profiles(opened, base, baseline_runs),
        )


def default_baseline(store: Store, bad: PipelineRun) -> PipelineRun:
    """The last good run of the pipeline before ``bad`` (else its last success).

    Raises:
        RecordNotFoundError: The pipeline has no successful run before it.
    """
    earlier = store.list_pipeline_runs(
        pipeline=bad.pipeline, status="success", until=bad.started_at, limit=50
    )
    earlier = [r for r in earlier if r.id != bad.id]
    good = next((r for r in earlier if r.is_good), None)
    if good is not None:
        return good
    if earlier:
        return earlier[0]
    raise RecordNotFoundError(
        f"Pipeline '{bad.pipeline}' has no successful run before {bad.id} to compare "
        "with. Pass one with --baseline RUN (baseline= in Python)."
    )


def _earlier_profiles(
    store: Store, baseline: PipelineRun, baseline_runs: Mapping[str, StageProfile]
) -> dict[str, StageProfile] | None:
    """Stage profiles of the good run before the baseline, read only for the stages
    with a datetime column besides their contract's time column (the others need
    none to judge staleness)."""
    wanted = {name for name, run in baseline_runs.items() if _has_other_times(run)}
    if not wanted:
        return None
    earlier = _earlier_good(store, baseline)
    if earlier is None:
        return None
    ids = [s.run_id for s in earlier.stages if s.run_id and s.stage in wanted]
    return _stage_profiles(earlier, store.get_stage_profiles(ids))


def _has_other_times(run: StageProfile) -> bool:
    if run.profile is None:
        return False
    return any(
        c.kind is Kind.DATETIME and name != run.time_column
        for name, c in run.profile.columns.items()
    )


def _earlier_good(store: Store, baseline: PipelineRun) -> PipelineRun | None:
    """The newest good run of the pipeline before the baseline, if any."""
    earlier = store.list_pipeline_runs(
        pipeline=baseline.pipeline,
        status="success",
        until=baseline.started_at,
        limit=10,
    )
    return next((r for r in earlier if r.id != baseline.id and r.is_good), None)


def _stage_profiles(
    run: PipelineRun, profiles: Mapping[str, StageProfile]
) -> dict[str, StageProfile]:
    return {
        s.stage: profiles[s.run_id]
        for s in run.stages
        if s.run_id and s.run_id in profiles
    }


@contextmanager
def _opened(store: Store | str | None) -> Iterator[Store]:
    if store is not None and not isinstance(store, str):
        yield store
        return
    from pipewarden.store import open_store

    with open_store(store) as opened:
        yield opened
