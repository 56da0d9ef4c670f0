"""pipewarden check --html: the report is written, and each input is profiled once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from report_data import make_frame

import pipewarden as pw
import pipewarden.workflows.profile as api
from pipewarden.cli import main
from pipewarden.contracts.yaml_io import dump_contract


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "reference": tmp_path / "reference.parquet",
        "current": tmp_path / "current.parquet",
        "contract": tmp_path / "contract.yaml",
    }
    make_frame(1).write_parquet(paths["reference"])
    make_frame(2, shift=5.0, null_share=0.2).write_parquet(paths["current"])
    contract = pw.infer_contract(pw.profile(paths["reference"]))
    dump_contract(contract, paths["contract"])
    return paths


def test_check_writes_an_html_report_profiling_each_input_once(
    files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Any] = []
    real_profile = api.profile

    def counting_profile(data: Any, **kwargs: Any) -> pw.DatasetProfile:
        calls.append(data)
        return real_profile(data, **kwargs)

    monkeypatch.setattr(api, "profile", counting_profile)
    out = tmp_path / "reports" / "check.html"
    code = main(
        [
            "check",
            str(files["contract"]),
            str(files["current"]),
            "--reference",
            str(files["reference"]),
            "--html",
            str(out),
        ]
    )
    assert code == 1  # 20% nulls in 'amount' break the inferred contract
    assert sorted(map(str, calls)) == sorted(
        [str(files["current"]), str(files["reference"])]
    )
    page = out.read_text(encoding="utf-8")
    assert 'id="status">FAIL</span>' in page
    assert "current.parquet" in page
    assert "nulls.rate" in page
    assert page.count('class="pw-figure"') >= 5
    assert "<script src" not in page


def test_check_html_without_reference(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "check.html"
    code = main(
        ["check", str(files["contract"]), str(files["reference"]), "--html", str(out)]
    )
    assert code == 0
    page = out.read_text(encoding="utf-8")
    assert 'id="status">' in page
    assert "Null rate (reference)" not in page
