"""The check workflow: one path for pw.check, the CLI and the server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import pipewarden as pw
import pipewarden.workflows.check as workflow
from pipewarden.errors import ConfigError
from pipewarden.workflows.check import check_batch

NOW = datetime(2024, 2, 1, tzinfo=UTC)


def _frame(shift: float = 0.0, rows: int = 400) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "region": [["n", "s"][i % 2] for i in range(rows)],
            "temp": [round(20 + (i % 50) / 5 + shift, 1) for i in range(rows)],
        }
    )


@pytest.fixture
def contract() -> pw.Contract:
    return pw.infer_contract(pw.profile(_frame()), segments=["region"], name="temps")


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


def test_check_without_a_store_records_nothing(contract: pw.Contract) -> None:
    outcome = check_batch(_frame(), contract, now=NOW)

    assert outcome.run is None
    assert outcome.store_url is None
    assert outcome.result.status == "pass"
    assert outcome.result.contract == "temps"


def test_check_with_a_store_records_the_run(
    contract: pw.Contract, store_url: str
) -> None:
    outcome = check_batch(_frame(), contract, now=NOW, dataset="temps", store=store_url)

    assert outcome.run is not None
    with pw.open_store(store_url) as store:
        assert [r.id for r in store.list_runs(dataset="temps")] == [outcome.run.id]


def test_record_false_reads_the_store_but_writes_nothing(
    contract: pw.Contract, store_url: str
) -> None:
    check_batch(_frame(), contract, now=NOW, dataset="temps", store=store_url)
    outcome = check_batch(
        _frame(shift=30.0),
        contract,
        now=NOW,
        dataset="temps",
        store=store_url,
        reference="last-pass",
        record=False,
    )

    assert outcome.run is None
    assert outcome.reference_name is not None
    assert outcome.reference_name.startswith("run:")
    assert any(f.check.startswith("drift.") for f in outcome.result.findings)
    with pw.open_store(store_url) as store:
        assert store.count_runs(dataset="temps") == 1


def test_an_open_store_is_used_and_left_open(
    contract: pw.Contract, store_url: str
) -> None:
    with pw.open_store(store_url) as store:
        first = check_batch(_frame(), contract, now=NOW, dataset="temps", store=store)
        second = check_batch(_frame(), contract, now=NOW, dataset="temps", store=store)
        assert store.count_runs(dataset="temps") == 2
    assert first.run is not None and second.run is not None


@pytest.mark.parametrize(
    ("options", "needs"),
    [
        ({"reference": "last-pass", "dataset": "temps"}, "reference='last-pass'"),
        ({"model": "churn"}, "model=NAME"),
        ({"record": True}, "record=True"),
    ],
)
def test_store_options_without_a_store_say_so(
    contract: pw.Contract, options: dict[str, object], needs: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        check_batch(_frame(), contract, **options)  # type: ignore[arg-type]  # table of keyword arguments

    assert str(caught.value) == (
        f"{needs} needs a store. Pass store='sqlite:///.pipewarden/pipewarden.db' "
        "(or --store URL)."
    )


def test_a_contract_of_the_wrong_type_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="not dict. Load one with pw.load_contract"):
        check_batch(_frame(), {"columns": {}})  # type: ignore[arg-type]  # the point


def test_segments_are_profiled_when_there_is_a_reference(contract: pw.Contract) -> None:
    reference = _frame()
    current = _frame().with_columns(
        pl.when(pl.col("region") == "s")
        .then(None)
        .otherwise(pl.col("temp"))
        .alias("temp")
    )

    outcome = check_batch(current, contract, reference=reference, now=NOW)

    assert set(outcome.current.segments) == {"region"}
    located = [f for f in outcome.result.findings if f.segment]
    assert {(f.check, f.column) for f in located} >= {("drift.null_rate", "temp")}
    assert all(f.segment == {"region": "s"} for f in located)


def test_the_rows_pass_reads_in_chunks_under_the_memory_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # temp leaves its range from row 30,000 on: the finding reads the rows again
    # (temp and ts) for its onset, a chunk at a time, as the budget allows.
    rows = 40_000
    times = pl.Series([i * 60_000_000 for i in range(rows)]).cast(pl.Datetime("us"))
    temp = [20.0 + (i % 10) if i < 30_000 else 500.0 for i in range(rows)]
    batch = pl.DataFrame({"ts": times, "temp": temp})
    path = tmp_path / "batch.parquet"
    batch.write_parquet(path, row_group_size=5_000)
    contract = pw.infer_contract(pw.profile(batch.head(20_000)), time="ts")
    whole = check_batch(path, contract, now=NOW).result
    read: list[int] = []
    real = workflow.iter_frames

    def counted(*args: Any, **kwargs: Any) -> Iterator[pl.DataFrame]:
        for frame in real(*args, **kwargs):
            read.append(frame.height)
            yield frame

    monkeypatch.setattr(workflow, "iter_frames", counted)

    budgeted = check_batch(path, contract, now=NOW, memory_budget=1 << 20).result

    (finding,) = [f for f in budgeted.findings if f.check == "range.out_of_bounds"]
    assert finding.evidence is not None
    # Row 30,000, to the step: 40,000 minutes are judged as 4,096 steps of ~10.
    assert finding.evidence["onset"]["start"].startswith("1970-01-21 20:0")
    assert budgeted.findings == whole.findings
    assert sum(read) == rows and max(read) < rows  # in chunks, every row once


class Recorded:
    """A ``Stages`` progress callback: the rows each stage reported."""

    def __init__(self) -> None:
        self.stages: list[list[Any]] = [["batch", None, 0]]

    def __call__(self, rows: int) -> None:
        self.stages[-1][2] += rows

    def stage(self, label: str, source: Any, query: str | None) -> None:
        self.stages.append([label, source, 0])


def test_progress_is_told_of_the_reference_and_of_the_rows_pass(
    tmp_path: Path,
) -> None:
    """Each source read reports its own rows, under a stage of its own: the batch,
    the reference (data), then the batch again for the columns a finding needs."""
    rows = 12_000
    times = pl.Series([i * 60_000_000 for i in range(rows)]).cast(pl.Datetime("us"))
    temp = [20.0 + (i % 10) if i < 9_000 else 500.0 for i in range(rows)]
    batch, reference = tmp_path / "batch.parquet", tmp_path / "reference.csv"
    pl.DataFrame({"ts": times, "temp": temp}).write_parquet(batch)
    pl.DataFrame({"ts": times, "temp": temp}).head(5_000).write_csv(reference)
    contract = pw.infer_contract(pw.profile(reference), time="ts")
    progress = Recorded()

    check_batch(batch, contract, reference=reference, now=NOW, progress=progress)

    assert progress.stages == [
        ["batch", None, rows],
        ["profiling the reference reference.csv", reference, 5_000],
        ["reading batch.parquet again for temp, ts", batch, rows],
    ]
    plain: list[int] = []  # a plain callback counts every row read
    check_batch(batch, contract, reference=reference, now=NOW, progress=plain.append)
    assert sum(plain) == rows + 5_000 + rows
    saved = tmp_path / "reference.json"
    pw.profile(reference).save(saved)
    progress = Recorded()
    check_batch(batch, contract, reference=saved, now=NOW, progress=progress)
    assert [stage[0] for stage in progress.stages] == [
        "batch",
        "reading batch.parquet again for temp, ts",
    ]
