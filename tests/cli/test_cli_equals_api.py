"""The CLI says what the library says: for the same inputs, `--json` equals `to_dict()`.

Each command is parse -> call the workflow -> print, so these hold by construction;
they fail when a face grows its own copy of a workflow again. Two bugs of that kind
are pinned here: `drift --label` ignored (label.shift missing, "label": null) and
`check --reference` losing the segment of a finding.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from scipy import stats

import pipewarden as pw
from pipewarden.contracts.yaml_io import dump_contract

Cli = Callable[..., Any]
NOW = "2024-03-01T00:00:00+00:00"


def _frame(
    seed: int, *, rows: int, positive: float, south_nulls: float
) -> pl.DataFrame:
    """Readings on four regions; few distinct values, so quantiles are exact."""
    rng = np.random.default_rng(seed)
    region = rng.choice(["n", "s", "e", "w"], size=rows)
    temp = np.round(rng.normal(25, 4, size=rows), 1)
    south = (region == "s") & (rng.random(rows) < south_nulls)
    return pl.DataFrame(
        {
            "region": region,
            "temp": pl.Series(temp).set(pl.Series(south), None),
            "amount": rng.integers(0, 500, size=rows),
            "y": (rng.random(rows) < positive).astype(np.int64),
        }
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("equal")
    paths = {
        "reference": root / "reference.csv",
        "current": root / "current.csv",
        "contract": root / "contract.yaml",
        "profile": root / "reference.json",
    }
    _frame(1, rows=6000, positive=0.10, south_nulls=0.0).write_csv(paths["reference"])
    _frame(2, rows=6000, positive=0.25, south_nulls=0.6).write_csv(paths["current"])
    reference = pw.profile(paths["reference"])
    reference.save(paths["profile"])
    contract = pw.infer_contract(reference, label="y", segments=["region"])
    dump_contract(contract, paths["contract"])
    return paths


def _json(cli: Cli, tmp_path: Path, *args: object) -> dict[str, Any]:
    out = tmp_path / "out.json"
    run = cli(*args, "--json", out)
    assert run.code in (0, 1), run.err
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def test_check_json_equals_the_api(
    cli: Cli, files: dict[str, Path], tmp_path: Path
) -> None:
    cli_json = _json(
        cli,
        tmp_path,
        "check",
        files["contract"],
        files["current"],
        "--reference",
        files["reference"],
        "--as-of",
        NOW,
    )
    api = pw.check(
        str(files["current"]),
        str(files["contract"]),
        reference=str(files["reference"]),
        now=pw_time(NOW),
    )

    assert cli_json == _plain(api.to_dict())


def test_check_with_a_reference_names_the_segment(
    cli: Cli, files: dict[str, Path], tmp_path: Path
) -> None:
    cli_json = _json(
        cli,
        tmp_path,
        "check",
        files["contract"],
        files["current"],
        "--reference",
        files["reference"],
        "--as-of",
        NOW,
    )

    segments = {
        (f["check"], f["column"]): f["segment"]
        for f in cli_json["findings"]
        if f["segment"]
    }
    assert segments[("drift.null_rate", "temp")] == {"region": "s"}


def test_drift_json_equals_the_api(
    cli: Cli, files: dict[str, Path], tmp_path: Path
) -> None:
    cli_json = _json(
        cli, tmp_path, "drift", files["reference"], files["current"], "--label", "y"
    )
    api = pw.compare(str(files["reference"]), str(files["current"]), label="y")

    assert cli_json == _plain(api.to_dict())


def test_drift_label_is_compared_as_a_label_shift(
    cli: Cli, files: dict[str, Path], tmp_path: Path
) -> None:
    cli_json = _json(
        cli, tmp_path, "drift", files["reference"], files["current"], "--label", "y"
    )

    assert cli_json["label"]["column"] == "y"
    assert cli_json["label"]["check"] == "label.shift"
    assert cli_json["label"]["drifted"] is True
    assert "y" not in {c["column"] for c in cli_json["columns"]}


def test_drift_with_a_contract_takes_its_label(
    cli: Cli, files: dict[str, Path], tmp_path: Path
) -> None:
    cli_json = _json(
        cli,
        tmp_path,
        "drift",
        files["reference"],
        files["current"],
        "--contract",
        files["contract"],
    )
    api = pw.compare(
        str(files["reference"]), str(files["current"]), contract=str(files["contract"])
    )

    assert cli_json["label"]["column"] == "y"
    assert cli_json == _plain(api.to_dict())


def test_drift_against_a_saved_profile_equals_the_api(
    cli: Cli, files: dict[str, Path], tmp_path: Path
) -> None:
    cli_json = _json(cli, tmp_path, "drift", files["profile"], files["current"])
    api = pw.compare(str(files["profile"]), str(files["current"]))

    assert cli_json == _plain(api.to_dict())
    assert cli_json["multivariate"] is None


def test_profile_output_equals_the_api(
    cli: Cli, files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "profile.json"
    assert cli("profile", files["current"], "-o", out).code == 0

    api = pw.profile(str(files["current"]))
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(api.to_json())


def test_conform_json_equals_the_api(
    cli: Cli, files: dict[str, Path], tmp_path: Path
) -> None:
    cli_json = _json(
        cli,
        tmp_path,
        "conform",
        files["contract"],
        files["current"],
        "-o",
        tmp_path / "conformed.parquet",
    )
    api = pw.conform(str(files["current"]), str(files["contract"]))

    assert cli_json == _plain(api.to_dict())
    assert cli_json["conform"]["rows_in"] == 6000


def pw_time(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text)


def _plain(data: dict[str, Any]) -> Any:
    """What the CLI's JSON writer makes of a dict (non-JSON values as strings)."""
    return json.loads(json.dumps(data, default=str, allow_nan=False))


def test_alerts_list_json_equals_the_api(cli: Cli, tmp_path: Path) -> None:
    from pipewarden.checks.findings import Severity
    from pipewarden.monitor.alerts import resolve_alert, sync_alerts
    from pipewarden.monitor.rules import Observation, RuleSet
    from pipewarden.workflows.alerts import list_alerts

    url = f"sqlite:///{tmp_path / 'alerts.db'}"
    rules = RuleSet.default()
    at = pw_time(NOW)
    with pw.open_store(url) as store:
        for name in ("a", "b", "c"):
            seen = [
                Observation(
                    f"dataset:{name}", at, "nulls.rate", severity=Severity.ERROR
                )
            ]
            sync_alerts(store, rules, rules.evaluate(seen), seen, now=at)
        resolve_alert(store, 2, by="ana", now=at)
    for status, count in ((None, 2), ("all", 3), ("resolved", 1)):
        option = [] if status is None else ["--status", status]
        run = cli("alerts", "list", "--store", url, "--json", *option)
        assert run.code == 0, run.err
        with pw.open_store(url) as store:
            api = list_alerts(store, status=status)
        assert len(api) == count
        assert json.loads(run.out) == [_plain(a.to_dict()) for a in api]


def test_models_compare_json_equals_compare_models(cli: Cli, tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    y = rng.normal(0, 2, 400)
    frame = pl.DataFrame(
        {
            "id": [f"i{k}" for k in range(400)],
            "site": rng.choice(["a", "b"], 400),
            "y": y,
            "p1": y + rng.normal(0, 1, 400),
            "p2": y + rng.normal(0, 0.8, 400),
        }
    )
    url = f"sqlite:///{tmp_path / 'cmp.db'}"
    for version, column in (("1", "p1"), ("2", "p2")):
        pw.register_model("m", version, column.encode(), store=url)
        pw.log_predictions(f"m:{version}", frame, id="id", prediction=column, store=url)
    pw.log_labels("m:1", frame, id="id", label="y", store=url)

    run = cli(
        "models",
        "compare",
        "m:1",
        "m:2",
        "--metric",
        "rmse",
        "--store",
        url,
        "--json",
        "-",
    )

    assert run.code == 0
    assert json.loads(run.out) == json.loads(
        json.dumps(pw.compare_models("m:1", "m:2", metric="rmse", store=url).to_dict())
    )


def test_reference_sets_in_the_cli_equal_the_api(
    cli: Cli, files: dict[str, Path], tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path / 'refs.db'}"
    added = cli(
        "references",
        "add",
        "base",
        files["reference"],
        "--contract",
        files["contract"],  # its segments are profiled with the reference
        "--store",
        store,
        "--json",
    )
    assert added.code == 0, added.err
    assert json.loads(added.out)["version"] == 1
    pw.references.add("base", files["current"], store=store, user="api")

    listed = cli("references", "list", "--store", store, "--json")
    assert json.loads(listed.out) == _plain(
        [s.to_dict() for s in pw.references.list(store=store)]
    )
    diffed = cli("references", "diff", "base@1", "base@2", "--store", store, "--json")
    assert json.loads(diffed.out) == _plain(
        pw.references.diff("base@1", "base@2", store=store).to_dict()
    )

    checked = _json(
        cli,
        tmp_path,
        "check",
        files["contract"],
        files["current"],
        "--reference",
        "ref:base@1",
        "--as-of",
        NOW,
        "--store",
        store,
        "--no-record",
    )
    from_file = pw.check(
        str(files["current"]),
        str(files["contract"]),
        reference=str(files["reference"]),
        now=pw_time(NOW),
    )
    assert checked == _plain(from_file.to_dict())

    drifted = _json(
        cli, tmp_path, "drift", "ref:base@1", files["current"], "--store", store
    )
    api = pw.compare("ref:base@1", str(files["current"]), store=store)
    assert drifted == _plain(api.to_dict())
    assert drifted["reference"] == "ref:base@1"


def test_contract_import_export_and_schema_equal_the_api(
    cli: Cli, files: dict[str, Path], tmp_path: Path
) -> None:
    """export -> import round trip through the CLI equals the API's, both ways."""
    schema = tmp_path / "schema.yaml"
    assert cli("contract", "export", files["contract"], "--out", schema).code == 0
    exported = pw.export_contract(files["contract"])
    assert schema.read_text(encoding="utf-8") == exported.text

    imported = tmp_path / "imported.yaml"
    ran = cli("contract", "import", schema, "--out", imported)
    api = pw.import_contract(schema)
    assert ran.code == 0
    assert pw.load_contract(imported) == api.contract
    assert [line for line in ran.out.splitlines() if line.startswith("not mapped")] == [
        f"not mapped: {line}" for line in api.unmapped
    ]
    printed = cli("contract", "import", schema)
    assert printed.out == api.to_yaml()

    ran = cli("contract", "schema")
    assert json.loads(ran.out) == pw.contract_json_schema()


def test_models_compare_of_a_split_with_an_expected_share_equals_the_api(
    cli: Cli, tmp_path: Path
) -> None:
    rng = np.random.default_rng(10)
    y = rng.normal(0, 2, 400)
    frame = pl.DataFrame(
        {"id": [f"i{k}" for k in range(400)], "y": y, "p": y + rng.normal(0, 1, 400)}
    )
    url = f"sqlite:///{tmp_path / 'split.db'}"
    for version, part in (("1", frame.head(250)), ("2", frame.tail(150))):
        pw.register_model("m", version, version.encode(), store=url)
        pw.log_predictions(f"m:{version}", part, id="id", prediction="p", store=url)
        pw.log_labels(f"m:{version}", part, id="id", label="y", store=url)

    run = cli(
        *("models", "compare", "m:1", "m:2", "--store", url),
        *("--expected-share", "0.6", "--json", "-"),
    )

    assert run.code == 0
    api = pw.compare_models("m:1", "m:2", expected_share=0.6, store=url).to_dict()
    assert api["sample_ratio"]["expected_share"] == 0.6
    assert json.loads(run.out) == json.loads(json.dumps(api))
    shown = cli(
        *("models", "compare", "m:1", "m:2", "--store", url), "--expected-share", "0.6"
    )
    p = stats.chisquare([250, 150], [240, 160]).pvalue
    assert (
        f"Traffic: 250 champion and 150 challenger rows, against an expected 60% for "
        f"the champion (sample-ratio p = {p:.2g})."
    ) in shown.out.splitlines()
    bad = cli(
        *("models", "compare", "m:1", "m:2", "--store", url), "--expected-share", "0"
    )
    assert (bad.code, bad.err_lines) == (
        2,
        [
            "error: --expected-share 0 is not a share: give the champion's expected "
            "share of the traffic, between 0 and 1 (e.g. 0.9 when the challenger gets 10%)."
        ],
    )
