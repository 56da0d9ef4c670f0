from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import polars as pl

from pipewarden.contracts.model import ColumnSpec
from pipewarden.env.fingerprint import CodeVersion
from pipewarden.pipelines.run_diff import diff_runs
from pipewarden.store.records import InputFingerprint, Run
from store_helpers import (
    CODE,
    ERROR,
    T0,
    WARNING,
    contract_for,
    make_fingerprint,
    profile_of,
    result_for,
)

BEFORE = pl.DataFrame(
    {"id": [1, 2, 3, 4], "amount": [1.0, 2.0, 3.0, 4.0], "old": ["a", "b", "a", "b"]}
)
AFTER = pl.DataFrame(
    {"id": [1, 2, 3, 4], "amount": ["1", "2", None, "x"], "new": [1.0, 2.0, 3.0, 4.0]}
)


def run(data: pl.DataFrame, **overrides: object) -> Run:
    prof = profile_of(data)
    contract = contract_for(prof)
    fields: dict[str, object] = {
        "id": "r-a",
        "dataset": "orders",
        "started_at": T0,
        "finished_at": T0,
        "result": result_for(prof),
        "profile": prof,
        "contract": contract,
        "contract_digest": contract.digest,
        "environment": make_fingerprint(),
        "code": CODE,
        "inputs": (InputFingerprint("/d/a.csv", 10, T0, "aa", "sha256"),),
    }
    fields.update(overrides)
    return Run(**fields)  # type: ignore[arg-type]


def test_identical_runs_have_no_differences() -> None:
    a = run(BEFORE)

    report = diff_runs(a, replace(a, id="r-b"))

    assert report.is_empty
    assert report.contract is None


def test_data_columns_added_removed_and_changed_are_named() -> None:
    report = diff_runs(run(BEFORE), run(AFTER, id="r-b"))

    by_column = {c.column: c for c in report.columns}
    assert {c: by_column[c].change for c in by_column} == {
        "amount": "changed",
        "old": "removed",
        "new": "added",
    }
    assert by_column["amount"].changed == (
        "kind",
        "dtype",
        "null_rate",
        "mean",
        "distinct",
    )
    assert by_column["amount"].before["kind"] == "float"
    assert by_column["amount"].after["kind"] == "categorical"
    assert by_column["amount"].after["null_rate"] == 0.25


def test_contract_changes_name_columns_and_keys() -> None:
    a = run(BEFORE)
    contract = a.contract
    assert contract is not None
    columns = dict(contract.columns)
    columns.pop("old")
    columns["amount"] = columns["amount"].model_copy(update={"nullable": True})
    columns["extra"] = ColumnSpec(kind="float", dtype="Float64")
    edited = contract.model_copy(update={"columns": columns, "name": "orders-v2"})

    report = diff_runs(
        a, replace(a, id="r-b", contract=edited, contract_digest=edited.digest)
    )

    change = report.contract
    assert change is not None
    assert (change.before, change.after) == (contract.digest, edited.digest)
    assert change.added_columns == ("extra",)
    assert change.removed_columns == ("old",)
    assert change.changed_columns == {"amount": ("nullable",)}
    assert change.changed_keys == ("name",)


def test_environment_changes_come_from_env_diff() -> None:
    a = run(BEFORE)
    b = replace(
        a,
        id="r-b",
        environment=make_fingerprint(
            {"numpy": "2.2.0", "scikit-learn": "1.5.2", "polars": "1.0"}
        ),
    )

    report = diff_runs(a, b)

    assert [(c.name, c.change) for c in report.environment.changes] == [
        ("numpy", "minor"),
        ("polars", "added"),
    ]


def test_a_missing_environment_is_reported_as_unknown() -> None:
    report = diff_runs(run(BEFORE), run(BEFORE, id="r-b", environment=None))

    assert not report.environment_known and report.environment.is_empty


def test_code_and_inputs_that_changed_are_listed() -> None:
    a = run(BEFORE)
    b = replace(
        a,
        id="r-b",
        code=CodeVersion("b" * 40, "main", True),
        inputs=(
            InputFingerprint("/d/b.csv", 12, T0 + timedelta(days=1), "bb", "sha256"),
        ),
    )

    report = diff_runs(a, b)

    assert [(c.name, c.before, c.after) for c in report.code] == [
        ("commit", "a" * 40, "b" * 40),
        ("dirty", False, True),
    ]
    [change] = report.inputs
    assert change.changed == ("path", "size", "modified_at", "content_hash")


def test_inputs_of_several_files_are_matched_by_path() -> None:
    one = InputFingerprint("/d/1.parquet", 1, T0, "1", "parquet-footer")
    two = InputFingerprint("/d/2.parquet", 1, T0, "2", "parquet-footer")
    three = InputFingerprint("/d/3.parquet", 1, T0, "3", "parquet-footer")

    report = diff_runs(
        run(BEFORE, inputs=(one, two)), run(BEFORE, id="r-b", inputs=(two, three))
    )

    assert [(c.path, c.change) for c in report.inputs] == [
        ("/d/1.parquet", "removed"),
        ("/d/3.parquet", "added"),
    ]


def test_status_and_findings_that_appeared_or_went() -> None:
    prof = profile_of(BEFORE)
    a = run(BEFORE, result=result_for(prof, WARNING))
    b = run(BEFORE, id="r-b", result=result_for(prof, ERROR))

    report = diff_runs(a, b)

    assert [(c.name, c.before, c.after) for c in report.overview] == [
        ("status", "warn", "fail")
    ]
    assert report.new_findings == ("schema.missing_column:grade",)
    assert report.resolved_findings == ("nulls.rate:amount",)
    assert report.to_dict()["new_findings"] == ["schema.missing_column:grade"]
