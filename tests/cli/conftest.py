"""Files and runners for the CLI tests: in-process main() and the real command."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipewarden.cli import main
from pipewarden.contracts.infer import infer_contract
from pipewarden.contracts.yaml_io import dump_contract
from pipewarden.workflows.profile import profile

AS_OF = "2024-01-06T00:00:00Z"
"""Shortly after the reference's newest row, so freshness passes."""
HEADER = "loan_id,annual_inc,grade,defaulted,issued"


@dataclass(frozen=True)
class Run:
    """What one CLI run did: exit code, standard output and standard error."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.strip().splitlines()


def _row(i: int, inc: str | None = None, grade: str | None = None) -> str:
    issued = dt.datetime(2024, 1, 1) + dt.timedelta(hours=i)
    grade = grade if grade is not None else "ABC"[i % 3]
    inc = inc if inc is not None else f"{30_000 + 250 * i}.5"
    return f"{i + 1},{inc},{grade},{int(i % 10 == 0)},{issued:%Y-%m-%d %H:%M:%S}"


def _csv(rows: Sequence[str], header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


@pytest.fixture(scope="session")
def cli_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A reference, its contract, good and bad batches, and bad contracts."""
    root = tmp_path_factory.mktemp("cli")
    good = [_row(i) for i in range(100)]
    texts: dict[str, str | bytes] = {
        "reference.csv": _csv(good),
        "good.csv": _csv(good),
        "extra_column.csv": "\n".join(
            [HEADER + ",promo_code", *(r + ",X" for r in good)]
        )
        + "\n",
        "formatted.csv": _csv(
            [
                _row(i, inc='"$33,000.00"' if i % 2 else '"$45,500.00"')
                for i in range(100)
            ]
        ),
        "empty.csv": "",
        "header_only.csv": _csv([]),
        "latin1.csv": _csv([*good[:99], _row(99, grade="caf\xe9")]).encode("latin-1"),
        "duplicate_names.csv": _csv(good, header=HEADER.replace("defaulted", "grade")),
        "unicode_names.csv": "café,名前\n1,x\n2,y\n",
        "all_null.csv": _csv([_row(i, inc="") for i in range(100)]),
        "nan_inf.csv": _csv(
            [
                _row(i, inc="NaN" if i == 0 else "inf" if i == 1 else None)
                for i in range(100)
            ]
        ),
        "long_string.csv": _csv([*good[:99], _row(99, grade="x" * 1_000_000)]),
        "mixed_types.csv": _csv([*good[:99], _row(99, inc="unknown")]),
        "malformed.yaml": "kind: pipewarden/contract\nversion: 1\ncolumns:\n  a: [\n",
        "bad_value.yaml": "kind: pipewarden/contract\nversion: 1\ncolumns:\n  a:\n"
        "    kind: float\n    dtype: Float64\n    max_null_rate: 2\n",
        "wrong_kind.yaml": "kind: great_expectations/suite\nversion: 1\n",
    }
    paths = {}
    for name, content in texts.items():
        path = root / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        paths[name] = path
    (root / "no_data").mkdir()
    paths["no_data"] = root / "no_data"
    paths["missing.csv"] = root / "missing.csv"
    reference = profile(paths["reference.csv"])
    contract = infer_contract(reference, label="defaulted", id="loan_id", name="loans")
    # The loans label is 1 : 9 by design; the info finding that tells it is tested in
    # test_profile_cli.py and tests/checks, so these batches' findings stay the ones
    # each test is about.
    assert contract.dataset.label is not None
    label = contract.dataset.label.model_copy(update={"info_below_share": 0.05})
    dataset = contract.dataset.model_copy(update={"label": label})
    contract = contract.model_copy(update={"dataset": dataset})
    paths["contract.yaml"] = root / "contract.yaml"
    dump_contract(contract, paths["contract.yaml"])
    return paths


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Callable[..., Run]:
    """Run ``pipewarden ARGS`` in this process (fast); paths are turned into text.

    It runs in an empty folder with no PIPEWARDEN_* settings, so no store or
    pipewarden.yaml of the machine running the tests takes part.
    """
    for name in [n for n in os.environ if n.startswith("PIPEWARDEN_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)

    def run(*args: object) -> Run:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def _run_real(commands: dict[str, Sequence[object]], cwd: Path) -> dict[str, Run]:
    """Run ``python -m pipewarden`` for each command, several at a time."""

    def one(args: Sequence[object]) -> Run:
        done = subprocess.run(
            [sys.executable, "-m", "pipewarden", *(str(a) for a in args)],
            capture_output=True,
            text=True,
            cwd=cwd,
            env={
                **{
                    k: v
                    for k, v in os.environ.items()
                    if not k.startswith("PIPEWARDEN_")
                },
                "COLUMNS": "250",
                "NO_COLOR": "1",
            },
            timeout=300,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        runs = dict(zip(commands, pool.map(one, commands.values()), strict=True))
    return runs


@pytest.fixture(scope="session")
def real_cli() -> Callable[[dict[str, Sequence[object]], Path], dict[str, Run]]:
    """Run the real command (``python -m pipewarden``) for a dict of named argument lists.

    Each run starts Python afresh (about two seconds), so a test module gathers its
    commands and runs them together, four at a time.
    """
    return _run_real
