"""Compare two sides for drift: the one workflow behind ``pw.compare``,
``pipewarden drift`` and the server.

Each side may be data (a path, glob, URL or frame), a saved profile or a
DatasetProfile. Data sides are profiled at once (one pass each, both in parallel) and
sampled for the multivariate test on the way.
"""

from __future__ import annotations

import importlib.util
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from pipewarden.config import DEFAULT_MEMORY_BUDGET
from pipewarden.contracts.model import Contract
from pipewarden.contracts.yaml_io import load_contract
from pipewarden.drift.compare import compare as compare_profiles
from pipewarden.drift.correction import CORRECTIONS
from pipewarden.drift.multivariate import SAMPLE_ROWS, RowSampler
from pipewarden.drift.results import DriftReport
from pipewarden.engines.base import Engine, SourceEngine
from pipewarden.errors import ConfigError
from pipewarden.io.sources import (
    describe_source,
    iter_frames,
    optimistically,
    shared_budget,
)
from pipewarden.profiles.dataset import DatasetProfile, is_profile_json
from pipewarden.workflows._store import opened_store
from pipewarden.workflows.profile import ProgressFn, engine_for, tracked
from pipewarden.workflows.references import is_reference_set, resolve_reference

if TYPE_CHECKING:
    from pipewarden.store.base import Store

__all__ = ["CompareOutcome", "compare", "compare_batches"]

NO_SKLEARN = (
    "multivariate test skipped: it needs scikit-learn, "
    "pip install 'pipewarden[sklearn]'"
)
SAVED_PROFILE = "multivariate test skipped: a side is a saved profile"
TURNED_OFF = "multivariate test skipped: sample_rows is 0"
ENGINE_SAMPLES = "multivariate test skipped: the {engine} engine takes no row sample"


@dataclass(frozen=True, slots=True)
class CompareOutcome:
    """A drift comparison and what the faces present with it.

    Attributes:
        report: The drift report (``report.to_dict()`` is the drift JSON).
        reference: The reference profile.
        current: The current profile.
    """

    report: DriftReport
    reference: DatasetProfile
    current: DatasetProfile

    @property
    def note(self) -> str:
        """Why the multivariate test did not run ("" if it ran): the report's notes."""
        return "; ".join(self.report.notes)


def compare(
    reference: Any,
    current: Any,
    *,
    contract: Contract | str | Path | None = None,
    label: str | None = None,
    prediction: str | None = None,
    time: str | None = None,
    correction: str = "bh",
    sample_rows: int = SAMPLE_ROWS,
    query: str | None = None,
    engine: str = "local",
    progress: ProgressFn | None = None,
    memory_budget: int | None = None,
    store: Store | str | None = None,
) -> DriftReport:
    """Compare a current batch with reference data, column by column.

    Args:
        reference: Reference data, a saved profile path, or a DatasetProfile.
        current: The batch to judge, in any of the same forms.
        contract: A Contract or contract path: per-column drift settings, label,
            time, id and segment columns (explicit arguments win).
        label: Target column, compared as ``label.shift``.
        prediction: Model output column, compared as ``drift.prediction``.
        time: Event-time column, never compared as drift.
        correction: Multiple-testing correction: ``bh``, ``bonferroni`` or ``none``.
        sample_rows: Rows sampled per side for the multivariate test (0: off).
        query: SQL query, when a side is a database URL.
        engine: Compute engine name: ``local`` or ``spark`` (a Spark DataFrame is
            always profiled by Spark).
        progress: Called with the number of rows profiled after each chunk.
        memory_budget: Bytes both sides' profiling may hold at its peak together
            (default 1 GiB): the sides are profiled at once, half each.
        store: A Store or store URL, where a side written ``ref:NAME[@VERSION]``
            (a reference set) is read.

    Returns:
        The DriftReport, with a ``drift.*`` finding for every compared column.

    Raises:
        ConfigError: An unknown correction, a negative ``sample_rows``, or a
            ``ref:`` side without a store.
        SourceError: A side cannot be read.

    Example:
        >>> import pipewarden as pw
        >>> report = pw.compare("train.parquet", "today.parquet")  # doctest: +SKIP
        >>> report.drifted_columns  # doctest: +SKIP
    """
    return compare_batches(
        reference,
        current,
        contract=contract,
        label=label,
        prediction=prediction,
        time=time,
        correction=correction,
        sample_rows=sample_rows,
        query=query,
        engine=engine,
        progress=progress,
        memory_budget=memory_budget,
        store=store,
    ).report


def compare_batches(
    reference: Any,
    current: Any,
    *,
    contract: Contract | str | Path | None = None,
    label: str | None = None,
    prediction: str | None = None,
    time: str | None = None,
    correction: str = "bh",
    sample_rows: int = SAMPLE_ROWS,
    query: str | None = None,
    engine: str = "local",
    progress: ProgressFn | None = None,
    memory_budget: int | None = None,
    store: Store | str | None = None,
) -> CompareOutcome:
    """Compare two sides and keep both profiles: see :func:`compare`."""
    if correction not in CORRECTIONS:
        raise ConfigError(
            f"The correction must be one of {', '.join(CORRECTIONS)}, not "
            f"'{correction}'."
        )
    if sample_rows < 0:
        raise ConfigError(
            f"sample_rows must be 0 (no multivariate test) or more, not {sample_rows}."
        )
    spec, contract_name = _contract(contract)
    (reference, ref_name), (current, cur_name) = _stored_sides(
        store, reference, current
    )
    note = "" if sample_rows > 0 else TURNED_OFF
    if sample_rows > 0 and importlib.util.find_spec("sklearn") is None:
        sample_rows, note = 0, NO_SKLEARN
    segments = list(spec.dataset.segments) if spec is not None else []
    side = _Side(
        engine,
        query,
        segments,
        sample_rows,
        progress,
        shared_budget(memory_budget or DEFAULT_MEMORY_BUDGET, 2),
    )
    # Both sides at once: while one waits on its quantile sketches, the other's
    # Polars work keeps the cores busy.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="pw-drift") as pool:
        ref_job = pool.submit(side.profile, reference)
        cur_job = pool.submit(side.profile, current)
        (ref_prof, ref_rows, ref_why), (cur_prof, cur_rows, cur_why) = (
            ref_job.result(),
            cur_job.result(),
        )
    _require_columns(ref_prof, cur_prof, label=label, prediction=prediction, time=time)
    samples = None
    if ref_rows is not None and cur_rows is not None:
        samples = (ref_rows, cur_rows)
    elif sample_rows > 0:
        note = ref_why if ref_rows is None else cur_why
    report = compare_profiles(
        ref_prof,
        cur_prof,
        contract=spec,
        label=label,
        prediction=prediction,
        time=time,
        correction=correction,
        samples=samples,
        dataset=cur_name,
        reference_name=ref_name,
    )
    notes = (note, *report.notes) if note else report.notes
    report = replace(report, contract=contract_name, notes=notes)
    return CompareOutcome(report, ref_prof, cur_prof)


def _stored_sides(
    store: Store | str | None, *sides: Any
) -> list[tuple[Any, str | None]]:
    """Each side, with a ``ref:NAME[@VERSION]`` side read from the store; and its
    name (a reference set's is ``ref:NAME@VERSION``, pinned)."""
    if not any(is_reference_set(side) for side in sides):
        return [(side, _name(side)) for side in sides]
    if store is None:
        named = next(side for side in sides if is_reference_set(side))
        raise ConfigError(
            f"The reference set '{named}' is read from a store. Pass "
            "store='sqlite:///.pipewarden/pipewarden.db' (or --store URL)."
        )
    with opened_store(store) as opened:
        return [
            resolve_reference(side, opened)
            if is_reference_set(side)
            else (side, _name(side))
            for side in sides
        ]


def _require_columns(
    reference: DatasetProfile, current: DatasetProfile, **roles: str | None
) -> None:
    """A column named for a role must be on at least one side (scoring data may
    lack the label; neither side having it is a typo)."""
    for role, column in roles.items():
        if column and column not in reference.columns and column not in current.columns:
            known = ", ".join(dict.fromkeys([*reference.columns, *current.columns]))
            raise ConfigError(
                f"The {role} column '{column}' is on neither side; columns are: "
                f"{known}. Pass one of them."
            )


def _contract(
    contract: Contract | str | Path | None,
) -> tuple[Contract | None, str | None]:
    if contract is None or isinstance(contract, Contract):
        return contract, None if contract is None else contract.name
    spec = load_contract(contract)
    return spec, spec.name or str(contract)


def _name(side: Any) -> str | None:
    return None if isinstance(side, DatasetProfile) else describe_source(side)


@dataclass(frozen=True, slots=True)
class _Side:
    """How to profile (and sample) one side of a comparison."""

    engine: str
    query: str | None
    segments: list[str]
    sample_rows: int
    progress: ProgressFn | None
    memory_budget: int

    def profile(self, source: Any) -> tuple[DatasetProfile, pl.DataFrame | None, str]:
        """The side's profile, and a row sample (or None, and why not)."""
        if isinstance(source, DatasetProfile):
            return source, None, SAVED_PROFILE
        if isinstance(source, str | Path) and is_profile_json(source):
            return DatasetProfile.load(source), None, SAVED_PROFILE
        engine = engine_for(source, self.engine, self.query)
        if isinstance(engine, SourceEngine):
            prof = engine.profile_source(
                source, segments=self.segments or None, progress=self.progress
            )
            return prof, None, ENGINE_SAMPLES.format(engine=engine.name)
        return optimistically(partial(self._profile_frames, source, engine))

    def _profile_frames(
        self, source: Any, engine: Engine, optimistic: bool
    ) -> tuple[DatasetProfile, pl.DataFrame | None, str]:
        """One pass of ``engine`` over the rows (a fresh sample each time)."""
        sampler = RowSampler(self.sample_rows) if self.sample_rows > 0 else None
        frames = tracked(
            iter_frames(
                source,
                query=self.query,
                memory_budget=self.memory_budget,
                read_ahead=not engine.reads_ahead,
                optimistic=optimistic,
            ),
            self.progress,
        )
        if sampler is not None:
            frames = sampler.tap(frames)
        prof = (
            engine.profile_frames(frames, self.segments)
            if self.segments
            else engine.profile_frames(frames)
        )
        if sampler is None:
            return prof, None, TURNED_OFF
        return prof, sampler.sample(), ""
