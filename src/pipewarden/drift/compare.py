"""compare(): which columns of a batch changed against a reference, from profiles alone.

Decision rule. A column drifts when BOTH
  1. its effect size reaches its threshold (numeric: Wasserstein distance in reference
     standard deviations >= 0.1; categorical: Jensen-Shannon distance >= 0.1; text:
     standardised change of mean length >= 0.2; nulls: Cohen's h of the missing share
     >= 0.1), and
  2. its significance test (KS, chi-square, Welch's t, two-proportion z), with p-values
     corrected across every test of the comparison (Benjamini-Hochberg by default),
     gives p < alpha (0.01).
The effect size keeps millions of rows from turning meaningless differences into
alarms; the test keeps small batches from turning noise into alarms.

Severity. ``info``: no drift (the finding still carries the statistic). ``warning``:
drift. ``error``: drift with an effect size at least twice its threshold (e.g. a mean
shift of 0.2 std or more), which makes ``pipewarden drift`` exit 1. A column set to a
pure test statistic in its contract (``drift: {statistic: ks}``) drifts when the
corrected p-value is below that column's threshold, and reaches ``warning`` at most.

Not compared: time columns (they move forward by design; ``time.gap`` and
``time.freshness`` watch them), identifiers (every value is new), columns present on
one side only (the schema checks report them), and columns with ``drift.enabled:
false``. Their null rates are still compared.

The multivariate test (with row samples only) leaves out the same columns, free text,
the label and the prediction, and the columns that move with time (a pump's age, a
meter reading): ``MultivariateResult.excluded`` lists them with the reason (see
``drift/_excluded.py``). When it cannot run, ``DriftReport.notes`` says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import polars as pl

from pipewarden.checks import codes
from pipewarden.checks.findings import Severity
from pipewarden.contracts.model import ColumnSpec, Contract
from pipewarden.drift import _messages as msg
from pipewarden.drift import segments as seg
from pipewarden.drift._plan import Plan, input_of, plan_column
from pipewarden.drift.correction import adjust
from pipewarden.drift.results import (
    ColumnComparison,
    DriftReport,
    MultivariateResult,
)
from pipewarden.drift.stats import get
from pipewarden.drift.stats._inputs import ProportionPair
from pipewarden.profiles.column import ColumnProfile, Kind, Physical
from pipewarden.profiles.dataset import DatasetProfile

ALPHA = 0.01
"""Significance level for corrected p-values."""
ERROR_FACTOR = 2.0
"""A drift whose effect size is this many times its threshold is an error."""
ID_DISTINCT_SHARE = 0.9
"""An integer column this distinct (and an identifier by its profile) is an id."""
NO_MULTIVARIATE = (
    "multivariate test skipped: a side has fewer than 20 sampled rows, or no column "
    "is usable"
)


@dataclass(frozen=True, slots=True)
class Roles:
    """Columns with a role that changes how they are compared."""

    label: str | None = None
    prediction: str | None = None
    time: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()


def compare(
    reference: DatasetProfile,
    current: DatasetProfile,
    *,
    contract: Contract | None = None,
    label: str | None = None,
    prediction: str | None = None,
    time: str | None = None,
    segments: Sequence[str] | None = None,
    correction: str = "bh",
    alpha: float = ALPHA,
    samples: tuple[pl.DataFrame, pl.DataFrame] | None = None,
    dataset: str | None = None,
    reference_name: str | None = None,
) -> DriftReport:
    """Compare a current batch with reference data, column by column, from profiles.

    Args:
        reference: Profile of the reference data (e.g. training data).
        current: Profile of the batch to judge.
        contract: Per-column drift settings, label, prediction, time, id and segment
            columns (explicit arguments win over the contract).
        label: Target column: compared as ``label.shift``.
        prediction: Model output column: compared as ``drift.prediction``.
        time: Event-time column, never compared as drift.
        segments: Segment columns to localise changes with (default: every segment
            column profiled on both sides).
        correction: ``bh`` (Benjamini-Hochberg), ``bonferroni`` or ``none``.
        alpha: Significance level for corrected p-values.
        samples: Row samples (reference, current) for the multivariate test.
        dataset: Name of the current batch, for the report.
        reference_name: Name of the reference, for the report.

    Returns:
        The DriftReport, with a ``drift.*`` finding for every compared column.

    Raises:
        DriftError: A column's configured statistic does not fit its kind, or an
            unknown correction.

    Example:
        >>> report = compare(pw.profile("train.parquet"),
        ...                  pw.profile("today.parquet"))  # doctest: +SKIP
        >>> report.drifted_columns  # doctest: +SKIP
        ['f_norm_1', 'c_50']
    """
    roles = _roles(contract, label, prediction, time)
    plans, skipped = plan_columns(reference, current, contract, roles)
    nulls = plan_nulls(reference, current, contract)
    label_plan = _plan_role(
        reference, current, roles.label, codes.LABEL_SHIFT, contract
    )
    pred_plan = _plan_role(
        reference, current, roles.prediction, codes.DRIFT_PREDICTION, contract
    )
    every = [*plans, *nulls, *(p for p in (label_plan, pred_plan) if p is not None)]
    _correct(every, correction)
    locate = seg.Locator(reference, current, segments)
    decide = _Decider(alpha, locate)
    columns = tuple(decide(p) for p in plans)
    multivariate: MultivariateResult | None = None
    notes: tuple[str, ...] = ()
    if samples is not None:
        multivariate = _multivariate(
            reference, current, samples, roles, skipped, columns, alpha
        )
        notes = () if multivariate is not None else (NO_MULTIVARIATE,)
    return DriftReport(
        reference_rows=reference.rows,
        current_rows=current.rows,
        columns=columns,
        nulls=tuple(decide(p) for p in nulls),
        label=decide(label_plan) if label_plan else None,
        prediction=decide(pred_plan) if pred_plan else None,
        multivariate=multivariate,
        skipped=tuple(skipped.items()),
        correction=correction,
        alpha=alpha,
        dataset=dataset,
        reference=reference_name,
        notes=notes,
    )


# ------------------------------------------------------------------- planning
def _roles(
    contract: Contract | None,
    label: str | None,
    prediction: str | None,
    time: str | None,
) -> Roles:
    ds = contract.dataset if contract is not None else None
    label = label or (ds.label.column if ds is not None and ds.label else None)
    prediction = prediction or (ds.prediction if ds is not None else None)
    times = {t for t in (time, ds.time.column if ds and ds.time else None) if t}
    ids = {ds.id} if ds is not None and ds.id else set()
    if contract is not None:
        ids |= {n for n, s in contract.columns.items() if s.unique}
    return Roles(label, prediction, frozenset(times), frozenset(ids))


def plan_columns(
    reference: DatasetProfile,
    current: DatasetProfile,
    contract: Contract | None,
    roles: Roles,
) -> tuple[list[Plan], dict[str, str]]:
    """The column comparisons to make, and why the other columns are skipped."""
    plans: list[Plan] = []
    skipped: dict[str, str] = {}
    for name in dict.fromkeys([*current.columns, *reference.columns]):
        if name in (roles.label, roles.prediction):
            continue
        ref, cur = reference.columns.get(name), current.columns.get(name)
        spec = contract.columns.get(name) if contract is not None else None
        reason = _skip_reason(name, ref, cur, spec, roles)
        if reason is not None:
            skipped[name] = reason
            continue
        assert ref is not None and cur is not None
        plan = plan_column(name, ref, cur, spec)
        if plan is None:
            skipped[name] = "no values to compare on one side"
        else:
            plans.append(plan)
    return plans, skipped


def _skip_reason(
    name: str,
    ref: ColumnProfile | None,
    cur: ColumnProfile | None,
    spec: ColumnSpec | None,
    roles: Roles,
) -> str | None:
    if ref is None or cur is None:
        side = "reference" if cur is None else "current batch"
        return f"only in the {side} (the schema checks report it)"
    if spec is not None and not spec.drift.enabled:
        return "drift disabled in the contract"
    if name in roles.time or ref.kind is Kind.DATETIME:
        return (
            "time column: it moves forward by design (time.gap and time.freshness "
            "watch it)"
        )
    if name in roles.ids or _is_integer_id(ref):
        return "identifier: every batch brings new values"
    if ref.kind is Kind.OTHER:
        return f"{ref.dtype} values are not compared"
    if (input_of(ref, spec) == "numeric") != (input_of(cur, spec) == "numeric"):
        return (
            f"kind changed from {ref.kind.value} to {cur.kind.value} (the schema "
            "checks report it)"
        )
    return None


def _is_integer_id(col: ColumnProfile) -> bool:
    return (
        col.physical is Physical.INTEGER
        and col.is_identifier
        and col.distinct_count >= ID_DISTINCT_SHARE * col.non_null
    )


def plan_nulls(
    reference: DatasetProfile, current: DatasetProfile, contract: Contract | None
) -> list[Plan]:
    """A null-rate comparison for every column on both sides (unless disabled)."""
    statistic = get("null_rate")
    plans = []
    for name, cur in current.columns.items():
        ref = reference.columns.get(name)
        spec = contract.columns.get(name) if contract is not None else None
        if ref is None or (spec is not None and not spec.drift.enabled):
            continue
        pair = ProportionPair(
            ref.nulls + ref.nan, ref.rows, cur.nulls + cur.nan, cur.rows
        )
        plan = Plan(
            name,
            ref.kind.value,
            statistic.check,
            "proportion",
            pair,
            statistic,
            statistic.threshold,
            None,
        )
        plan.values[statistic.name] = statistic(pair)
        plans.append(plan)
    return plans


def _plan_role(
    reference: DatasetProfile,
    current: DatasetProfile,
    name: str | None,
    check: str,
    contract: Contract | None,
) -> Plan | None:
    if name is None:
        return None
    ref, cur = reference.columns.get(name), current.columns.get(name)
    if ref is None or cur is None:
        return None
    if check == codes.LABEL_SHIFT:
        from pipewarden.drift.labels import plan_label

        return plan_label(name, ref, cur)
    spec = contract.columns.get(name) if contract is not None else None
    return plan_column(name, ref, cur, spec, check=check)


def _correct(plans: list[Plan], correction: str) -> None:
    tested = [p for p in plans if p.p_raw is not None]
    adjusted = adjust([p.p_raw for p in tested if p.p_raw is not None], correction)
    for plan, q in zip(tested, adjusted, strict=True):
        plan.q = q


def _multivariate(
    reference: DatasetProfile,
    current: DatasetProfile,
    samples: tuple[pl.DataFrame, pl.DataFrame],
    roles: Roles,
    skipped: dict[str, str],
    columns: tuple[ColumnComparison, ...],
    alpha: float,
) -> MultivariateResult | None:
    """The domain-classifier test, without the columns that separate the sides
    trivially (times, ids, free text, columns that move with time), which it lists."""
    from pipewarden.drift._excluded import classifier_exclusions
    from pipewarden.drift.multivariate import domain_classifier

    own = {
        roles.label: "the label: compared on its own (label.shift)",
        roles.prediction: "the prediction: compared on its own (drift.prediction)",
    }
    excluded = classifier_exclusions(
        reference,
        current,
        samples,
        skipped=skipped,
        roles={k: v for k, v in own.items() if k},
        time=tuple(sorted(roles.time)),
        drifted={c.column: c.drifted for c in columns},
    )
    result = domain_classifier(samples[0], samples[1], exclude=excluded, alpha=alpha)
    if result is None:
        return None
    return replace(result, excluded=tuple(excluded.items()))


# ------------------------------------------------------------------- deciding
@dataclass(frozen=True, slots=True)
class _Decider:
    alpha: float
    locate: seg.Locator

    def __call__(self, plan: Plan) -> ColumnComparison:
        stat = plan.statistic
        value = plan.values[stat.name]
        if stat.role == "test":
            drifted = plan.q is not None and plan.q < plan.threshold
            strong = False
        else:
            significant = plan.q is None or plan.q < self.alpha
            drifted = value.score >= plan.threshold and significant
            strong = value.score >= ERROR_FACTOR * plan.threshold
        severity = (
            Severity.ERROR
            if drifted and strong
            else Severity.WARNING
            if drifted
            else Severity.INFO
        )
        where = self.locate(plan) if drifted else None
        test = (
            plan.test.name
            if plan.test
            else (stat.name if stat.role != "effect" else None)
        )
        comparison = ColumnComparison(
            column=plan.column,
            kind=plan.kind,
            check=plan.check,
            statistic=stat.name,
            score=value.score,
            threshold=plan.threshold,
            p_value=plan.q,
            p_value_raw=plan.p_raw,
            test=_test_label(test),
            drifted=drifted,
            severity=severity,
            message="",
            stats=tuple(plan.values.values()),
            summary=plan.pair.summary(),
            segment=where.segment if where else None,
        )
        return replace(
            comparison,
            message=msg.message(comparison, plan.pair, where, self.alpha),
            change=msg.change(plan.pair),
        )


def _test_label(test: str | None) -> str | None:
    """The test's short name: ks, chi2, z (two proportions) or t (Welch)."""
    if test is None:
        return None
    return {"null_rate": "z", "text_length": "t", "label_shift": "chi2"}.get(test, test)


__all__ = ["ALPHA", "ERROR_FACTOR", "compare"]
