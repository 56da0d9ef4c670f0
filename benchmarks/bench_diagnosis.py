"""Do findings name the right cause? Injected defects of six kinds, and clean batches.

A seeded generator makes an hourly reference (2,000 rows) of realistic columns
(temperatures in °F and °C, heights in inches and cm, weights in kg and lb, durations
in s and ms, a percentage, prices in units, an age with 0 for unknown, an income with
-1 for unknown, a score with nulls, a payment method and a status), infers the
contract, and checks batches against it with the reference profile, as ``pw.check``.
Each defect kind is injected in at least 10 variants:

- unit: a standard conversion applied to a share of one column's rows; right when
  ``evidence.cause == "unit"`` and the conversion is the injected one (or one of the
  same arithmetic, e.g. s->ms and thousands->units are both x*1000: the data cannot
  tell them apart, and both count);
- padding: labels padded (left, right, both, widths 12-40) or re-cased; right when
  ``category.unseen`` names ``padding`` or ``case`` as injected;
- rename: one label renamed; right when the ``rename`` evidence pairs the old and new;
- sentinel: unknown switched from a sentinel (0, -1) to null, or from null to a
  sentinel (-1, 999, 0); right when ``nulls.encoding`` names the sentinel;
- onset: a defect (unit, nulls, unseen label) from a random hour on, persisting or
  ending; right when ``evidence.onset.start`` is the injected hour (persists as
  injected);
- gap: 3 to 48 hours removed; right when a ``time.gap`` finding with cause
  ``outage`` starts at the injected hour.

Plus 50 clean batches from the reference's distributions (new seeds): a false
diagnosis is any finding there that names a cause or an onset.
Run: python benchmarks/bench_diagnosis.py [--seed 7]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

import pipewarden as pw
from pipewarden.checks.findings import CheckResult, Finding
from pipewarden.contracts.model import Contract
from pipewarden.profiles.dataset import DatasetProfile

N = 2000
START = datetime(2024, 1, 1)
NOW = datetime(2030, 1, 1, tzinfo=UTC)
PAYMENTS = {
    "Credit Card": 0.35,
    "Bank Transfer": 0.25,
    "Electronic check": 0.2,
    "Mailed check": 0.12,
    "Cash": 0.08,
}
STATUS = {"Approved": 0.6, "Pending": 0.25, "Rejected": 0.15}
SAME_MATH = [
    {"m_to_cm", "fraction_to_percent"},
    {"cm_to_m", "percent_to_fraction"},
    {"s_to_ms", "thousands_to_units"},
    {"ms_to_s", "units_to_thousands"},
]


def table(
    rng: np.random.Generator, n: int = N, start: datetime = START
) -> pl.DataFrame:
    """One batch of the realistic columns, hourly from ``start``."""
    age = rng.integers(18, 90, n).astype(np.float64)
    age[rng.random(n) < 0.05] = 0  # 0 stands for unknown
    income = np.round(rng.lognormal(10.8, 0.5, n), -2)
    income[rng.random(n) < 0.04] = -1  # -1 stands for unknown
    score = rng.normal(600, 60, n).round()
    score[rng.random(n) < 0.05] = np.nan  # unknown is null here
    temp_f = rng.normal(70, 8, n)
    height_in = rng.normal(67, 3.5, n)
    weight_kg = rng.normal(75, 12, n)
    return pl.DataFrame(
        {
            "ts": [start + timedelta(hours=i) for i in range(n)],
            "temp_f": temp_f,
            "temp_c": rng.normal(21, 4, n),
            "height_in": height_in,
            "height_cm": rng.normal(170, 9, n),
            "weight_kg": weight_kg,
            "weight_lb": rng.normal(165, 25, n),
            "duration_s": rng.lognormal(0.7, 0.4, n),
            "duration_ms": rng.lognormal(7.6, 0.4, n),
            "discount_pct": rng.beta(2, 8, n) * 100,
            "price": rng.lognormal(4.0, 0.5, n),
            "click_rate": rng.beta(2, 30, n),
            "salary": rng.normal(55_000, 9_000, n).round(-2),
            "age": pl.Series(age).cast(pl.Int64),
            "income": income,
            "score": pl.Series(score).fill_nan(None),
            "payment": rng.choice(list(PAYMENTS), n, p=list(PAYMENTS.values())),
            "status": rng.choice(list(STATUS), n, p=list(STATUS.values())),
        }
    )


@dataclass(frozen=True, slots=True)
class Case:
    kind: str
    name: str
    make: Callable[[np.random.Generator], pl.DataFrame]
    right: Callable[[CheckResult], bool]


def _of(result: CheckResult, check: str, column: str | None) -> list[Finding]:
    return [f for f in result.findings if f.check == check and f.column == column]


# ------------------------------------------------------------------------- units
UNIT_CASES = [
    # (column, function applied, expected conversion id)
    ("temp_f", lambda x: (x - 32) / 1.8, "celsius_to_fahrenheit"),
    ("temp_c", lambda x: x * 1.8 + 32, "fahrenheit_to_celsius"),
    ("height_in", lambda x: x * 2.54, "cm_to_in"),
    ("height_cm", lambda x: x / 2.54, "in_to_cm"),
    ("height_in", lambda x: x / 12, "ft_to_in"),
    (
        "height_in",
        lambda x: np.floor(x / 12) + np.round(x % 12) / 100,
        "feet_inches_to_in",
    ),
    ("height_cm", lambda x: x / 100, "m_to_cm"),
    ("weight_kg", lambda x: x * 2.20462, "lb_to_kg"),
    ("weight_lb", lambda x: x / 2.20462, "kg_to_lb"),
    ("duration_s", lambda x: x * 1000, "ms_to_s"),
    ("click_rate", lambda x: x * 100, "percent_to_fraction"),
    ("salary", lambda x: x / 1000, "thousands_to_units"),
]


def _same(a: str, b: str) -> bool:
    return a == b or any(a in g and b in g for g in SAME_MATH)


def unit_case(column: str, fn: Callable[[Any], Any], expected: str, i: int) -> Case:
    def make(rng: np.random.Generator) -> pl.DataFrame:
        frame = table(rng)
        share = [1.0, 0.5, 0.2, 0.1][i % 4]
        hit = rng.random(N) < share
        x = frame[column].to_numpy().astype(np.float64)
        x[hit] = fn(x[hit])
        return frame.with_columns(pl.Series(column, x))

    def right(result: CheckResult) -> bool:
        for f in _of(result, "range.out_of_bounds", column):
            ev = f.evidence or {}
            if ev.get("cause") == "unit" and _same(ev["conversion"]["id"], expected):
                return True
        return False

    return Case("unit", f"{column} {expected}", make, right)


# ----------------------------------------------------------------------- padding
PADDINGS: list[tuple[str, Callable[[str], str], str]] = [
    ("right-pad 40", lambda v: v.ljust(40), "padding"),
    ("right-pad 20", lambda v: v.ljust(20), "padding"),
    ("right-pad 30", lambda v: v.ljust(30), "padding"),
    ("left-pad 16", lambda v: v.rjust(16), "padding"),
    ("both-pad", lambda v: f"  {v}  ", "padding"),
    ("trailing space", lambda v: v + " ", "padding"),
    ("upper case", str.upper, "case"),
    ("lower case", str.lower, "case"),
    ("swap case", str.swapcase, "case"),
    ("lower + pad", lambda v: v.lower().ljust(24), "padding"),
    ("tab-padded", lambda v: v + "\t", "padding"),
]


def padding_case(name: str, fn: Callable[[str], str], cause: str, i: int) -> Case:
    column = "payment" if i % 2 == 0 else "status"

    def make(rng: np.random.Generator) -> pl.DataFrame:
        frame = table(rng)
        labels = frame[column].unique().to_list()
        return frame.with_columns(pl.col(column).replace({v: fn(v) for v in labels}))

    def right(result: CheckResult) -> bool:
        return any(
            (f.evidence or {}).get("cause") == cause
            for f in _of(result, "category.unseen", column)
        )

    return Case("padding", f"{column} {name}", make, right)


# ----------------------------------------------------------------------- renames
RENAMES = [
    ("payment", "Credit Card", "Card - Credit"),
    ("payment", "Credit Card", "credit_card"),
    ("payment", "Bank Transfer", "Bank transfer (automatic)"),
    ("payment", "Bank Transfer", "Transfer, bank"),
    ("payment", "Electronic check", "E-check"),
    ("payment", "Electronic check", "Electronic cheque"),
    ("payment", "Mailed check", "Check (mailed)"),
    ("payment", "Mailed check", "Mail check"),
    ("payment", "Cash", "Cash payment"),
    ("status", "Approved", "APPROVED_FINAL"),
    ("status", "Pending", "Pending review"),
    ("status", "Rejected", "Declined"),
]


def rename_case(column: str, old: str, new: str) -> Case:
    def make(rng: np.random.Generator) -> pl.DataFrame:
        frame = table(rng)
        return frame.with_columns(pl.col(column).replace(old, new))

    def right(result: CheckResult) -> bool:
        for f in _of(result, "category.unseen", column):
            ev = f.evidence or {}
            if ev.get("cause") == "rename" and any(
                r["old"] == old and r["new"] == new for r in ev["renames"]
            ):
                return True
        return False

    return Case("rename", f"{old!r} -> {new!r}", make, right)


# --------------------------------------------------------------------- sentinels
SENTINELS: list[tuple[str, str, float]] = [
    # (column, direction, sentinel)
    ("age", "sentinel_to_null", 0),
    ("income", "sentinel_to_null", -1),
    ("score", "null_to_sentinel", -1),
    ("score", "null_to_sentinel", 999),
    ("score", "null_to_sentinel", 0),
    ("score", "null_to_sentinel", -999),
    ("score", "null_to_sentinel", 9999),
    ("age", "sentinel_to_null", 0),
    ("income", "sentinel_to_null", -1),
    ("score", "null_to_sentinel", -9),
]


def sentinel_case(column: str, direction: str, value: float, i: int) -> Case:
    def make(rng: np.random.Generator) -> pl.DataFrame:
        frame = table(rng)
        col = pl.col(column)
        if direction == "sentinel_to_null":
            return frame.with_columns(
                pl.when(col == value).then(None).otherwise(col).alias(column)
            )
        return frame.with_columns(col.fill_null(value).alias(column))

    def right(result: CheckResult) -> bool:
        for f in result.findings:
            ev = f.evidence or {}
            if (
                f.column == column
                and ev.get("cause") == "sentinel"
                and ev.get("direction") == direction
                and ev.get("sentinel") == value
            ):
                return True
        return False

    return Case("sentinel", f"{column} {direction} {value:g} #{i}", make, right)


# ------------------------------------------------------------------------ onsets
def onset_case(i: int) -> Case:
    what = ["unit", "nulls", "unseen"][i % 3]
    persists = i % 2 == 0

    def window(rng: np.random.Generator) -> tuple[int, int]:
        start = int(rng.integers(200, 1400))
        end = N if persists else start + int(rng.integers(100, 400))
        return start, end

    state: dict[str, int] = {}

    def make(rng: np.random.Generator) -> pl.DataFrame:
        frame = table(rng)
        start, end = window(rng)
        rows = np.zeros(N, dtype=bool)
        rows[start:end] = True
        if what == "unseen":  # only Pending rows change: the first one is the onset
            rows &= frame["status"].to_numpy() == "Pending"
        state["start"] = int(np.flatnonzero(rows)[0])
        state["end"] = int(np.flatnonzero(rows)[-1])
        mask = pl.Series(rows)
        if what == "unit":
            return frame.with_columns(
                pl.when(mask)
                .then((pl.col("temp_f") - 32) / 1.8)
                .otherwise(pl.col("temp_f"))
            )
        if what == "nulls":
            return frame.with_columns(
                pl.when(mask)
                .then(None)
                .otherwise(pl.col("weight_kg"))
                .alias("weight_kg")
            )
        return frame.with_columns(
            pl.when(mask & (pl.col("status") == "Pending"))
            .then(pl.lit("On hold"))
            .otherwise(pl.col("status"))
            .alias("status")
        )

    column = {"unit": "temp_f", "nulls": "weight_kg", "unseen": "status"}[what]

    def right(result: CheckResult) -> bool:
        expected = (START + timedelta(hours=state["start"])).strftime(
            "%Y-%m-%d %H:%M:%S"
        )
        for f in result.findings:
            onset = (f.evidence or {}).get("onset")
            if (
                f.column == column
                and onset
                and f.check != "time.gap"
                and onset["start"] == expected
                and onset["persists"] == persists
            ):
                return True
        return False

    return Case(
        "onset", f"{what} {'persisting' if persists else 'ending'} #{i}", make, right
    )


# -------------------------------------------------------------------------- gaps
def gap_case(hours: int) -> Case:
    state: dict[str, int] = {}

    def make(rng: np.random.Generator) -> pl.DataFrame:
        frame = table(rng)
        start = int(rng.integers(100, N - 100))
        state["start"] = start - 1
        return frame.filter(
            ~pl.int_range(pl.len()).is_between(start, start + hours - 2)
        )

    def right(result: CheckResult) -> bool:
        expected = (START + timedelta(hours=state["start"])).strftime(
            "%Y-%m-%d %H:%M:%S"
        )
        return any(
            (f.evidence or {}).get("cause") == "outage"
            and (f.evidence or {})["onset"]["start"] == expected
            for f in _of(result, "time.gap", "ts")
        )

    return Case("gap", f"{hours} hours", make, right)


def cases() -> list[Case]:
    out = [unit_case(c, fn, e, i) for i, (c, fn, e) in enumerate(UNIT_CASES)]
    out += [padding_case(n, fn, c, i) for i, (n, fn, c) in enumerate(PADDINGS)]
    out += [rename_case(*r) for r in RENAMES]
    out += [sentinel_case(c, d, v, i) for i, (c, d, v) in enumerate(SENTINELS)]
    out += [onset_case(i) for i in range(12)]
    out += [gap_case(h) for h in (3, 4, 5, 6, 8, 10, 12, 18, 24, 36, 48)]
    return out


def diagnoses(result: CheckResult) -> list[Finding]:
    """Findings that name a cause or an onset."""
    return [
        f
        for f in result.findings
        if f.evidence and (f.evidence.get("cause") or f.evidence.get("onset"))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--clean", type=int, default=50)
    parser.add_argument(
        "--plain-names",
        action="store_true",
        help="Name the columns col0, col1, ... so no name says its unit.",
    )
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    first = table(rng)
    plain = {
        c: f"col{i}"
        for i, c in enumerate(first.columns)
        if args.plain_names and c != "ts"
    }
    back = {v: k for k, v in plain.items()}

    def checked(batch: pl.DataFrame) -> CheckResult:
        got = pw.check(batch.rename(plain), contract, reference=reference, now=NOW)
        return replace(
            got,
            findings=tuple(
                replace(f, column=back.get(f.column or "", f.column))
                for f in got.findings
            ),
        )

    reference: DatasetProfile = pw.profile(first.rename(plain))
    contract: Contract = pw.infer_contract(reference, time="ts", name="bench")
    started = time.perf_counter()
    hits: dict[str, list[bool]] = {}
    misses: list[str] = []
    for case in cases():
        result = checked(case.make(np.random.default_rng(rng.integers(2**32))))
        ok = case.right(result)
        hits.setdefault(case.kind, []).append(ok)
        if not ok:
            misses.append(f"{case.kind}: {case.name}")
    false: list[str] = []
    for _ in range(args.clean):
        result = checked(table(np.random.default_rng(rng.integers(2**32))))
        false += [f"{f.check} {f.column}: {f.message[:100]}" for f in diagnoses(result)]
    elapsed = time.perf_counter() - started
    names = ", plain column names" if args.plain_names else ""
    print(f"diagnosis benchmark (seed {args.seed}, {N:,} rows per batch{names})")
    print(f"{'kind':<10} {'variants':>8} {'named':>6} {'hit rate':>9}")
    for kind, oks in hits.items():
        print(f"{kind:<10} {len(oks):>8} {sum(oks):>6} {sum(oks) / len(oks):>9.0%}")
    print(f"clean batches: {args.clean}, false diagnoses: {len(false)}")
    for line in misses:
        print("  missed", line)
    for line in false[:10]:
        print("  false ", line)
    print(f"({elapsed:.1f} s)")


if __name__ == "__main__":
    main()
