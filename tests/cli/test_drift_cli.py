from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import pipewarden as pw
from pipewarden.cli import main


def write(path: Path, seed: int, *, shift: float = 0.0, nulls: float = 0.02) -> str:
    rng = np.random.default_rng(seed)
    n = 5_000
    x = rng.normal(10 * shift, 10, n)
    x[rng.random(n) < nulls] = np.nan
    pl.DataFrame(
        {
            "x": x,
            "c": rng.choice(["a", "b", "c"], n),
            "id": np.arange(seed * n, seed * n + n),
        }
    ).write_parquet(path)
    return str(path)


@pytest.fixture
def files(tmp_path):
    return {
        "ref": write(tmp_path / "ref.parquet", 1),
        "same": write(tmp_path / "same.parquet", 2),
        "shifted": write(tmp_path / "shifted.parquet", 3, shift=0.5, nulls=0.3),
    }


def test_no_drift_exits_0_with_a_one_line_summary(files, capsys):
    assert main(["drift", files["ref"], files["same"]]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "PASS  same.parquet vs ref.parquet: 0 of 2 compared columns drifted"
    )


def test_drift_errors_exit_1_and_list_the_drifted_columns(files, capsys):
    assert main(["drift", files["ref"], files["shifted"]]) == 1
    out = capsys.readouterr().out
    assert out.startswith(
        "FAIL  shifted.parquet vs ref.parquet: 1 of 2 compared columns drifted"
    )
    assert "wasserstein" in out and "null_rate" in out


def test_json_output_has_the_findings_shape_and_the_report(files, tmp_path):
    target = tmp_path / "out" / "drift.json"
    assert main(["drift", files["ref"], files["shifted"], "--json", str(target)]) == 1
    data = json.loads(target.read_text())
    assert data["status"] == "fail" and data["rows"] == 5_000
    assert {f["check"] for f in data["findings"]} >= {
        "drift.wasserstein",
        "drift.js",
        "drift.null_rate",
        "drift.multivariate",
    }
    assert data["skipped"] == [
        {"column": "id", "reason": "identifier: every batch brings new values"}
    ]
    assert data["columns"][0]["summary"]["type"] == "numeric"


def test_a_saved_profile_works_as_reference_without_the_multivariate_test(
    files, tmp_path, capsys
):
    saved = tmp_path / "ref.json"
    pw.profile(files["ref"]).save(saved)
    assert main(["drift", str(saved), files["shifted"], "--json", "-"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["multivariate"] is None


def test_fail_on_warning_and_sample_rows_zero(files):
    assert (
        main(
            [
                "drift",
                files["ref"],
                files["same"],
                "--sample-rows",
                "0",
                "--fail-on",
                "warning",
            ]
        )
        == 0
    )


def test_html_report_is_written(files, tmp_path):
    target = tmp_path / "drift.html"
    assert main(["drift", files["ref"], files["shifted"], "--html", str(target)]) == 1
    assert target.read_text().lstrip().lower().startswith("<!doctype html")


@pytest.mark.parametrize(
    "args",
    [
        ["drift", "missing.parquet", "also-missing.parquet"],
        ["drift", "{ref}", "{same}", "--correction", "holm"],
        ["drift", "{ref}", "{same}", "--fail-on", "info"],
        ["drift", "{ref}"],
    ],
)
def test_bad_usage_or_unreadable_input_exits_2(files, args, capsys):
    argv = [a.format(**files) for a in args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()


def test_the_installed_command_runs(files):
    exe = Path(sys.executable).parent / "pipewarden"
    done = subprocess.run(
        [str(exe), "drift", files["ref"], files["shifted"], "--sample-rows", "0"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "FAIL" in done.stdout


def test_contract_segments_name_the_device_behind_new_nulls(tmp_path, capsys):
    rng = np.random.default_rng(7)
    n = 20_000

    def readings(broken: bool) -> pl.DataFrame:
        device = rng.choice([str(d) for d in range(10, 20)], n)
        temp = rng.normal(20, 2, n)
        if broken:
            temp[(device == "17") & (rng.random(n) < 0.96)] = np.nan
        return pl.DataFrame({"device_id": device, "temperature": temp})

    ref, cur = tmp_path / "ref.parquet", tmp_path / "cur.parquet"
    readings(False).write_parquet(ref)
    readings(True).write_parquet(cur)
    contract = pw.infer_contract(pw.profile(ref), segments=["device_id"])
    (tmp_path / "c.yaml").write_text(pw.dump_contract(contract))
    code = main(
        [
            "drift",
            str(ref),
            str(cur),
            "--contract",
            str(tmp_path / "c.yaml"),
            "--json",
            str(tmp_path / "d.json"),
            "--sample-rows",
            "0",
        ]
    )
    assert code == 1
    assert "device_id=17" in capsys.readouterr().out
    nulls = json.loads((tmp_path / "d.json").read_text())["nulls"]
    temp = next(c for c in nulls if c["column"] == "temperature")
    assert temp["segment"] == {"device_id": "17"}


def test_without_scikit_learn_the_multivariate_test_is_skipped_not_fatal(
    files, monkeypatch, capsys
):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "sklearn" else real(name, *a),
    )
    assert main(["drift", files["ref"], files["same"]]) == 0
    assert "multivariate test skipped: it needs scikit-learn" in " ".join(
        capsys.readouterr().out.split()
    )


def _shared_share(reference: pl.DataFrame, current: pl.DataFrame, column: str) -> str:
    """How much of a column's value distribution the two sides have in common."""
    from pipewarden._text import share

    def shares(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.group_by(column).len().with_columns(pl.col("len") / frame.height)

    both = shares(reference).join(shares(current), on=column)
    return share(float(both.select(pl.min_horizontal("len", "len_right")).sum()[0, 0]))


@pytest.fixture(scope="module")
def demo_sides(tmp_path_factory):
    from pipewarden.demo import REFERENCE, data_path

    where = tmp_path_factory.mktemp("demo")
    ref, clean = data_path(REFERENCE), data_path("batch_clean.csv")
    assert (
        main(
            [
                "contract",
                "infer",
                str(ref),
                "-o",
                str(where / "c.yaml"),
                "--label",
                "failure",
                "--time",
                "ts",
            ]
        )
        == 0
    )
    pw.profile(str(ref)).save(where / "ref.json")
    pw.profile(str(clean)).save(where / "clean.json")
    return {
        "ref": str(ref),
        "clean": str(clean),
        "outage": str(data_path("batch_outage.csv")),
        "ref_json": str(where / "ref.json"),
        "clean_json": str(where / "clean.json"),
        "contract": str(where / "c.yaml"),
    }


@pytest.mark.parametrize("with_contract", [False, True])
def test_the_demo_clean_batch_is_clean_from_data(demo_sides, with_contract, capsys):
    extra = ["--contract", demo_sides["contract"]] if with_contract else []
    assert main(["drift", demo_sides["ref"], demo_sides["clean"], *extra]) == 0
    out = " ".join(capsys.readouterr().out.split())
    overlap = _shared_share(
        pl.read_csv(demo_sides["ref"]),
        pl.read_csv(demo_sides["clean"]),
        "pump_age_years",
    )
    assert out.startswith("PASS batch_clean.csv vs reference_october.csv: 0 of")
    assert "multivariate AUC 0." in out and "(drifted)" not in out
    assert (
        "Left out of the multivariate test: pump_age_years (moves with time: the "
        f"sides share {overlap} of its values, though its distribution did not "
        "drift)." in out
    )


@pytest.mark.parametrize("with_contract", [False, True])
def test_the_demo_clean_batch_is_clean_from_profiles(demo_sides, with_contract, capsys):
    extra = ["--contract", demo_sides["contract"]] if with_contract else []
    argv = ["drift", demo_sides["ref_json"], demo_sides["clean_json"], *extra]
    assert main([*argv, "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["multivariate"] is None
    assert data["notes"] == ["multivariate test skipped: a side is a saved profile"]


def test_the_demo_clean_batch_passes_its_contract_against_the_reference(demo_sides):
    argv = ["check", demo_sides["contract"], demo_sides["clean"]]
    assert main([*argv, "--reference", demo_sides["ref"]]) == 0


def test_the_demo_outage_still_fails_on_the_temperature_nulls(demo_sides, tmp_path):
    target = tmp_path / "d.json"
    argv = ["drift", demo_sides["ref"], demo_sides["outage"], "--json", str(target)]
    assert main(argv) == 1
    data = json.loads(target.read_text())
    errors = {
        (f["check"], f["column"]) for f in data["findings"] if f["severity"] == "error"
    }
    assert ("drift.null_rate", "temperature") in errors


@pytest.mark.parametrize("reference", ["saved", "one_row"])
def test_html_without_the_multivariate_test_never_races_an_import(
    files: dict[str, str], tmp_path: Path, reference: str
) -> None:
    # The real command, in a fresh process: a background scikit-learn import once
    # raced the chart code's pandas import and crashed `--html` whenever the
    # multivariate test was skipped (a saved profile, a one-row side).
    if reference == "saved":
        ref = tmp_path / "ref.json"
        pw.profile(files["ref"]).save(ref)
    else:
        ref = tmp_path / "one.parquet"
        pl.read_parquet(files["ref"]).head(1).write_parquet(ref)
    target = tmp_path / "drift.html"

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipewarden",
            "drift",
            str(ref),
            files["shifted"],
            "--html",
            str(target),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    assert target.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype")
