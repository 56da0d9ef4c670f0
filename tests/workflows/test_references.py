"""Shared, versioned reference sets: add, list, get, diff, and ``ref:NAME[@VERSION]``
wherever a reference is accepted (check, drift, a model's training profile)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import pipewarden as pw
from pipewarden.contracts.infer import infer_contract
from pipewarden.errors import ConfigError, RecordNotFoundError
from pipewarden.pipelines.run_diff import column_changes
from pipewarden.store import Store, open_store
from pipewarden.workflows.references import (
    add_reference,
    diff_references,
    get_reference,
    list_references,
    parse_reference,
)

ADDER = Path(__file__).parents[1] / "store" / "reference_adder_process.py"
PYTHONPATH = [
    str(ADDER.parents[1]),
    *os.environ.get("PYTHONPATH", "").split(os.pathsep),
]


def _frame(
    n: int, *, seed: int, shift: float = 0.0, extra: bool = False
) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    data = {
        "id": np.arange(n),
        "amount": rng.normal(100.0 + shift, 15.0, n),
        "grade": rng.choice(["A", "B", "C"], n, p=[0.5, 0.3, 0.2]),
        "age": rng.integers(18, 80, n),
    }
    if extra:
        data["promo"] = rng.choice(["X", "Y"], n)
    return pl.DataFrame(data)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "ref": tmp_path / "ref.parquet",
        "ref2": tmp_path / "ref2.parquet",
        "batch": tmp_path / "batch.parquet",
    }
    _frame(3000, seed=1).write_parquet(paths["ref"])
    _frame(2000, seed=2, shift=4.0, extra=True).write_parquet(paths["ref2"])
    _frame(2500, seed=3, shift=9.0).write_parquet(paths["batch"])
    contract = infer_contract(pw.profile(paths["ref"]), name="loans")
    paths["contract"] = tmp_path / "contract.yaml"
    pw.dump_contract(contract, paths["contract"])
    return paths


def test_versions_are_numbered_and_keep_the_profile_and_provenance(
    store: Store, files: dict[str, Path]
) -> None:
    first = add_reference(
        "validation",
        files["ref"],
        note="first cut",
        contract=files["contract"],
        store=store,
        environ={"PIPEWARDEN_USER": "ana"},
    )
    second = add_reference("validation", files["ref2"], store=store, user="ben")
    other = add_reference("holdout", files["batch"], store=store, user="ana")
    assert (first.version, second.version, other.version) == (1, 2, 1)

    stored = get_reference("validation@1", store=store)
    assert stored.profile.to_dict() == pw.profile(files["ref"]).to_dict()
    assert stored.summary.rows == 3000 and stored.summary.columns == 4
    assert (stored.summary.added_by, stored.summary.note) == ("ana", "first cut")
    assert stored.summary.contract_name == "loans"
    assert stored.summary.contract_digest == pw.load_contract(files["contract"]).digest
    assert stored.summary.status == "pass"
    (source,) = stored.inputs
    assert source.path.endswith("ref.parquet") and source.content_hash

    newest = get_reference("validation", store=store)
    assert (newest.version, newest.summary.rows, newest.summary.added_by) == (
        2,
        2000,
        "ben",
    )
    assert newest.summary.contract_name is None
    listed = [(s.name, s.version, s.rows) for s in list_references(store=store)]
    assert listed == [
        ("holdout", 1, 2500),
        ("validation", 1, 3000),
        ("validation", 2, 2000),
    ]
    assert [s.version for s in list_references("validation", store=store)] == [1, 2]


def test_the_public_api_is_pw_references(
    tmp_path: Path, files: dict[str, Path]
) -> None:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    added = pw.references.add("v", files["ref"], store=url, user="u")
    assert pw.references.get("v@1", store=url).profile == added.profile
    assert [s.label for s in pw.references.list(store=url)] == ["v@1"]
    assert pw.references.diff("v@1", "v@1", store=url).is_empty


def test_a_check_against_ref_at_1_gives_the_findings_of_the_original_file(
    store: Store, files: dict[str, Path]
) -> None:
    add_reference("validation", files["ref"], store=store, user="u")
    add_reference("validation", files["ref2"], store=store, user="u")  # newest
    direct = pw.check(files["batch"], files["contract"], reference=files["ref"])
    pinned = pw.check(
        files["batch"], files["contract"], reference="ref:validation@1", store=store
    )
    newest = pw.check(
        files["batch"], files["contract"], reference="ref:validation", store=store
    )
    assert any(f.check.startswith("drift.") for f in direct.findings)
    assert pinned.to_dict() == direct.to_dict()
    against_ref2 = pw.check(files["batch"], files["contract"], reference=files["ref2"])
    assert newest.to_dict() == against_ref2.to_dict() != direct.to_dict()


def test_a_recorded_check_names_the_version_it_compared_with(
    store: Store, files: dict[str, Path]
) -> None:
    add_reference("validation", files["ref"], store=store, user="u")
    pw.check(
        files["batch"],
        files["contract"],
        reference="ref:validation",
        store=store,
        dataset="loans",
    )
    (summary,) = store.list_runs(dataset="loans")
    assert store.get_run(summary.id).reference == "ref:validation@1"


def test_drift_against_ref_at_1_gives_the_findings_of_the_original_file(
    store: Store, files: dict[str, Path]
) -> None:
    add_reference("validation", files["ref"], store=store, user="u")
    direct = pw.compare(files["ref"], files["batch"], sample_rows=0)
    stored = pw.compare("ref:validation@1", files["batch"], sample_rows=0, store=store)
    assert direct.drifted_columns == ["amount"]
    assert [f.to_dict() for f in stored.findings] == [
        f.to_dict() for f in direct.findings
    ]
    assert stored.reference == "ref:validation@1"


def test_a_model_s_training_profile_can_be_a_reference_set(
    store: Store, files: dict[str, Path]
) -> None:
    add_reference("training", files["ref"], store=store, user="u")
    record = pw.register_model(
        "churn", "1", b"model bytes", training_data="ref:training@1", store=store
    )
    assert record.training_profile == get_reference("training@1", store=store).profile
    assert record.inputs == ("id", "amount", "grade", "age")


def test_the_diff_of_two_versions_says_what_changed(
    store: Store, files: dict[str, Path]
) -> None:
    add_reference("v", files["ref"], store=store, user="u", note="a")
    add_reference("v", files["ref2"], store=store, user="u", note="b")
    report = diff_references("v@1", "v@2", store=store)
    overview = {c.name: (c.before, c.after) for c in report.overview}
    assert overview == {"rows": (3000, 2000), "columns": (4, 5)}
    by_column = {c.column: c for c in report.columns}
    assert by_column["promo"].change == "added"
    amount = by_column["amount"]
    assert "mean" in amount.changed
    ref, ref2 = pl.read_parquet(files["ref"]), pl.read_parquet(files["ref2"])
    assert amount.before["mean"] == pytest.approx(
        float(np.mean(ref["amount"].to_numpy()))
    )
    assert amount.after["mean"] == pytest.approx(
        float(np.mean(ref2["amount"].to_numpy()))
    )
    expected = column_changes(pw.profile(files["ref"]), pw.profile(files["ref2"]))
    assert [c.to_dict() for c in report.columns] == [c.to_dict() for c in expected]
    assert [c.change for c in report.inputs] == ["changed"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ref:v", ("v", None)), ("ref:v@12", ("v", 12)), ("a/b-c.d@1", ("a/b-c.d", 1))],
)
def test_reference_names_parse(text: str, expected: tuple[str, int | None]) -> None:
    assert parse_reference(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ref:v@0", "'ref:v@0' has version '0'; a version is a whole number from 1"),
        ("ref:v@x", "'ref:v@x' has version 'x'; a version is a whole number from 1"),
        ("ref:", "'ref:' is not a reference set name"),
        ("ref:a b", "'ref:a b' is not a reference set name"),
    ],
)
def test_malformed_references_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match="^" + message):
        parse_reference(text)


def test_unknown_sets_and_versions_and_missing_stores_are_one_line_errors(
    store: Store, files: dict[str, Path]
) -> None:
    add_reference("v", files["ref"], store=store, user="u")
    with pytest.raises(RecordNotFoundError, match="Reference set 'v' has no version 7"):
        get_reference("v@7", store=store)
    with pytest.raises(RecordNotFoundError, match="No reference set 'w'"):
        pw.check(files["batch"], files["contract"], reference="ref:w", store=store)
    with pytest.raises(ConfigError, match="reference='ref:v' needs a store"):
        pw.check(files["batch"], files["contract"], reference="ref:v")
    with pytest.raises(ConfigError, match="The reference set 'ref:v' is read from a"):
        pw.compare("ref:v", files["batch"])


def test_two_processes_adding_at_once_get_distinct_versions(
    store_url: str, tmp_path: Path
) -> None:
    count = 25
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(PYTHONPATH)}
    with open_store(store_url):  # migrated before the two start
        pass
    processes = [
        subprocess.Popen(
            [sys.executable, str(ADDER), store_url, "shared", str(count), str(go), tag],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for tag in ("ana", "ben")
    ]
    go.touch()
    seen: dict[str, list[int]] = {}
    for tag, process in zip(("ana", "ben"), processes, strict=True):
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        seen[tag] = [int(line.split()[1]) for line in out.splitlines()]
    versions = seen["ana"] + seen["ben"]
    assert sorted(versions) == list(range(1, 2 * count + 1))
    with open_store(store_url) as store:
        kept = store.list_references("shared")
    assert [s.version for s in kept] == list(range(1, 2 * count + 1))
    by_version = {s.version: s.added_by for s in kept}
    assert [v for v in seen["ana"] if by_version[v] != "ana"] == []
    assert [v for v in seen["ben"] if by_version[v] != "ben"] == []


@pytest.mark.postgres
def test_a_writer_that_lost_the_race_for_a_version_takes_the_next(
    tmp_path: Path,
) -> None:
    """PostgreSQL: another transaction holds version 1 uncommitted; our add reads no
    version, waits on the unique index, is refused when the other commits, and
    retries as version 2."""
    import threading

    import sqlalchemy as sa

    from pipewarden.store.reference_records import ReferenceVersion
    from pipewarden.store.reference_tables import ReferenceSetRow
    from store_helpers import database_of, frame, postgres_schema_url, profile_of

    prof = profile_of(frame(30))
    with postgres_schema_url() as url, open_store(url) as store:
        first = add_reference("race", prof, store=store, user="ana")
        template: ReferenceVersion = first
        with database_of(store).connect() as other:
            other.execute(sa.delete(ReferenceSetRow))
            other.commit()
            holding = other.begin()
            other.execute(
                sa.insert(ReferenceSetRow),
                [ReferenceSetRow.values_of(template, version=1, compression=0)],
            )
            done: dict[str, object] = {}
            adder = threading.Thread(
                target=lambda: done.update(
                    added=add_reference("race", prof, store=store, user="ben")
                )
            )
            adder.start()
            adder.join(timeout=1.0)  # blocked on the row the other holds
            assert adder.is_alive()
            holding.commit()
            adder.join(timeout=60)
        added = done["added"]
        assert isinstance(added, ReferenceVersion)
        assert added.version == 2
        assert [(s.version, s.added_by) for s in store.list_references("race")] == [
            (1, "ana"),
            (2, "ben"),
        ]
