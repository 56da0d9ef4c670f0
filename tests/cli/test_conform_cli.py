"""pipewarden conform: model-ready rows out, the rest quarantined, nothing lost."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from sklearn.linear_model import LogisticRegression

from pipewarden.contracts.yaml_io import dump_contract, load_contract

Cli = Callable[..., Any]
N = 300


def _reference(seed: int, rows: int = N) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "customer_id": np.arange(rows),
            "age": rng.integers(18, 80, rows),
            "income": rng.lognormal(10.5, 0.4, rows).round(2),
            "tenure": rng.integers(1, 120, rows),
            "plan": rng.choice(["basic", "plus", "premium"], rows),
            "churn": (rng.random(rows) < 0.3).astype(int),
        }
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("conform")
    _reference(1).write_csv(root / "reference.csv")
    batch = _reference(2, rows=40)
    messy = batch.with_columns(
        pl.col("income").map_elements(lambda x: f"${x:,.2f}", return_dtype=pl.String),
        pl.lit("SPRING").alias("promo_code"),  # a column the contract never saw
    ).drop("tenure", "churn")  # a column gone missing; scoring data has no label
    messy.write_csv(root / "messy.csv")
    broken = batch.with_columns(pl.col("age").cast(pl.String)).with_columns(
        pl.when(pl.col("customer_id") == 3)
        .then(pl.lit("unknown"))
        .otherwise(pl.col("age"))
        .alias("age")
    )
    broken.write_csv(root / "broken.csv")
    return root


def _with_policy(contract: Path, edited: Path, **policies: str) -> None:
    """The contract with some of its batch policies changed, as a user would edit it."""
    data = load_contract(contract).to_dict()
    data["policies"].update(policies)
    dump_contract(type(load_contract(contract)).from_dict(data), edited)


def test_a_new_user_conforms_a_messy_csv_and_scores_it(
    workdir: Path,
    real_cli: Callable[[dict[str, Sequence[object]], Path], dict[str, Any]],
) -> None:
    infer = ["contract", "infer", "reference.csv", "-o", "contract.yaml",
             "--label", "churn", "--id", "customer_id"]  # fmt: skip
    first = real_cli({"infer": infer}, workdir)
    assert first["infer"].code == 0, first["infer"].err
    runs = real_cli(
        {"conform": ["conform", "contract.yaml", "messy.csv", "-o", "input.parquet"]},
        workdir,
    )
    assert runs["conform"].code == 0, runs["conform"].err
    said = " ".join(runs["conform"].out.split())
    assert "40 │ in" in said and "40 │ out" in said and "0 │ quarantined" in said
    assert "promo_code" in said and "tenure" in said

    reference = pl.read_csv(workdir / "reference.csv")
    features = ["age", "income", "tenure"]
    model = LogisticRegression(max_iter=1000).fit(
        reference.select(features).to_numpy(), reference["churn"].to_numpy()
    )
    conformed = pl.read_parquet(workdir / "input.parquet")
    assert conformed.columns == ["customer_id", "age", "income", "tenure", "plan"]
    assert conformed.schema["income"] == pl.Float64
    messy = pl.read_csv(workdir / "messy.csv")
    assert conformed["income"].to_list() == [
        float(x.strip("$").replace(",", "")) for x in messy["income"]
    ]
    assert len(model.predict(conformed.select(features).to_numpy())) == 40


def test_a_missing_column_the_contract_will_not_fill_exits_2(
    workdir: Path,
    tmp_path: Path,
    real_cli: Callable[[dict[str, Sequence[object]], Path], dict[str, Any]],
) -> None:
    _with_policy(_inferred(workdir, tmp_path), tmp_path / "strict.yaml",
                 missing_columns="fail")  # fmt: skip
    args = ["conform", tmp_path / "strict.yaml", "messy.csv", "-o", "strict.parquet"]
    runs = real_cli({"strict": args}, workdir)
    assert runs["strict"].code == 2
    assert runs["strict"].err.strip() == (
        "error: Column 'tenure' is in the contract but missing from the batch. Restore "
        "it upstream, or set `policies.missing_columns: fill` in the contract to fill "
        "it as `conform.on_missing` says."
    )
    assert not (workdir / "strict.parquet").exists()


def test_counts_and_reasons_are_printed(
    cli: Cli, workdir: Path, tmp_path: Path
) -> None:
    contract = tmp_path / "contract.yaml"
    data = load_contract(_inferred(workdir, tmp_path)).to_dict()
    data["columns"]["age"]["conform"]["on_coerce_error"] = "quarantine"
    dump_contract(
        type(load_contract(contract.parent / "inferred.yaml")).from_dict(data), contract
    )
    run = cli(
        "conform",
        contract,
        workdir / "broken.csv",
        "-o",
        tmp_path / "out.csv",
        "--quarantine",
        tmp_path / "q.jsonl",
    )
    assert run.code == 0, run.err
    assert "40 │ in" in run.out
    assert "39 │ out" in run.out
    assert "1 │ quarantined" in run.out
    assert "schema.type_mismatch age: value cannot be read as Int64" in run.out
    assert pl.read_csv(tmp_path / "out.csv").height == 39
    quarantine = pl.read_ndjson(tmp_path / "q.jsonl")
    assert quarantine.select("age", "row", "check").rows() == [
        ("unknown", 3, "schema.type_mismatch")
    ]


def test_quarantined_rows_go_beside_the_output_when_no_path_is_given(
    cli: Cli, workdir: Path, tmp_path: Path
) -> None:
    inferred = _inferred(workdir, tmp_path)
    data = load_contract(inferred).to_dict()
    data["columns"]["age"]["conform"]["on_coerce_error"] = "quarantine"
    contract = tmp_path / "strict.yaml"
    dump_contract(type(load_contract(inferred)).from_dict(data), contract)
    run = cli(
        "conform", contract, workdir / "broken.csv", "-o", tmp_path / "out.parquet"
    )
    assert run.code == 0
    beside = tmp_path / "out.quarantine.parquet"
    assert pl.read_parquet(beside).height == 1
    said = f"1 quarantined row(s) written to {beside} (nothing is lost"
    assert "".join(said.split()) in "".join(run.out.split())


def test_no_quarantine_file_when_nothing_was_quarantined(
    cli: Cli, workdir: Path, tmp_path: Path
) -> None:
    run = cli(
        "conform",
        _inferred(workdir, tmp_path),
        workdir / "reference.csv",
        "-o",
        tmp_path / "out.parquet",
    )
    assert run.code == 0
    assert not (tmp_path / "out.quarantine.parquet").exists()
    assert pl.read_parquet(tmp_path / "out.parquet").height == N


def test_an_unknown_output_extension_is_a_usage_error(
    cli: Cli, workdir: Path, tmp_path: Path
) -> None:
    run = cli(
        "conform",
        _inferred(workdir, tmp_path),
        workdir / "reference.csv",
        "-o",
        tmp_path / "out.xlsx",
    )
    assert run.code == 2
    assert run.err.strip() == (
        f"error: Cannot tell the format of '{tmp_path / 'out.xlsx'}' from its "
        "extension. End it with .parquet, .csv, .jsonl or .arrow."
    )


def test_unexpected_column_fail_policy_exits_2(
    cli: Cli, workdir: Path, tmp_path: Path
) -> None:
    inferred = _inferred(workdir, tmp_path)
    data = load_contract(inferred).to_dict()
    data["policies"] = {"unexpected_columns": "fail", "missing_columns": "fill"}
    contract = tmp_path / "fail.yaml"
    dump_contract(type(load_contract(inferred)).from_dict(data), contract)
    run = cli("conform", contract, workdir / "messy.csv", "-o", tmp_path / "o.parquet")
    assert run.code == 2
    assert run.err.startswith("error: Column 'promo_code' is not in the contract")


def _inferred(workdir: Path, tmp_path: Path) -> Path:
    from pipewarden.contracts.infer import infer_contract
    from pipewarden.workflows.profile import profile

    path = tmp_path / "inferred.yaml"
    if not path.exists():
        contract = infer_contract(profile(workdir / "reference.csv"), label="churn")
        dump_contract(contract, path)
    return path


def _quarantining(workdir: Path, tmp_path: Path) -> Path:
    """The inferred contract, quarantining rows whose age cannot be read."""
    inferred = _inferred(workdir, tmp_path)
    data = load_contract(inferred).to_dict()
    data["columns"]["age"]["conform"]["on_coerce_error"] = "quarantine"
    contract = tmp_path / "strict.yaml"
    dump_contract(type(load_contract(inferred)).from_dict(data), contract)
    return contract


def test_output_and_quarantine_at_one_path_are_refused(
    cli: Cli, workdir: Path, tmp_path: Path
) -> None:
    contract = _quarantining(workdir, tmp_path)
    run = cli(
        "conform", contract, workdir / "broken.csv", "-o", "out.parquet",
        "--quarantine", "./out.parquet",
    )  # fmt: skip
    assert (run.code, run.out) == (2, "")
    assert run.err_lines == [
        "error: 'out.parquet' is the output of both -o and --quarantine. Choose a "
        "different path for each."
    ]
    assert not (tmp_path / "out.parquet").exists()


def test_a_clean_run_removes_the_default_quarantine_of_an_earlier_run(
    cli: Cli, workdir: Path, tmp_path: Path
) -> None:
    contract = _quarantining(workdir, tmp_path)
    first = cli("conform", contract, workdir / "broken.csv", "-o", "out.parquet")
    assert first.code == 0
    assert pl.read_parquet(tmp_path / "out.quarantine.parquet").height == 1

    clean = cli("conform", contract, workdir / "reference.csv", "-o", "out.parquet")

    assert clean.code == 0
    assert not (tmp_path / "out.quarantine.parquet").exists()
    assert pl.read_parquet(tmp_path / "out.parquet").height == N
    assert clean.out.splitlines()[-1] == (
        "Removed out.quarantine.parquet, the quarantine of an earlier run: this run "
        "quarantined no rows."
    )


def test_a_clean_run_empties_a_named_quarantine(
    cli: Cli, workdir: Path, tmp_path: Path
) -> None:
    contract = _quarantining(workdir, tmp_path)
    args = ("-o", "out.parquet", "--quarantine", "q.parquet")
    assert cli("conform", contract, workdir / "broken.csv", *args).code == 0
    assert pl.read_parquet(tmp_path / "q.parquet").height == 1

    clean = cli("conform", contract, workdir / "reference.csv", *args)

    assert clean.code == 0
    assert pl.read_parquet(tmp_path / "q.parquet").height == 0
    assert "0 │ quarantined -> q.parquet" in clean.out


def test_the_default_quarantine_may_not_be_the_data(
    cli: Cli, workdir: Path, tmp_path: Path
) -> None:
    contract = _quarantining(workdir, tmp_path)
    batch = tmp_path / "out.quarantine.parquet"
    pl.read_csv(workdir / "reference.csv").write_parquet(batch)
    before = batch.read_bytes()

    run = cli("conform", contract, batch, "-o", "out.parquet")

    assert run.code == 2
    assert run.err_lines == [
        "error: 'out.quarantine.parquet' is both an input and the output of "
        "--quarantine (by default beside -o). Choose another output path."
    ]
    assert batch.read_bytes() == before


def test_infinite_values_out_of_range_give_json_with_nulls(cli: Cli) -> None:
    # conform --json crashed (ValueError: Out of range float values are not JSON
    # compliant) when an infinity fell outside a column's range.
    from pipewarden.contracts.infer import infer_contract
    from pipewarden.workflows.profile import profile

    dump_contract(
        infer_contract(profile(pl.DataFrame({"x": [1.0, 2.0, 3.0]}))), Path("c.yaml")
    )
    Path("inf.csv").write_text("x\n2.0\n-inf\ninf\n")

    run = cli("conform", "c.yaml", "inf.csv", "-o", "out.csv", "--json", "-")

    assert run.code == 0
    (finding,) = [
        f
        for f in json.loads(run.out)["findings"]
        if f["check"] == "range.out_of_bounds"
    ]
    assert finding["value"] == {"min": None, "max": None, "count": 2}
