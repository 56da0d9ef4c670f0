"""Every example of the documentation runs (the convention: docs/writing-docs.md).

Per page of ``docs/``, in a fresh folder holding the demo data: ``python`` blocks run in
one namespace, in page order; in ``console`` blocks each ``$ pipewarden ...`` line runs
as that command, must exit 0 (or the ``[exit N]`` written under it), and must print the
output lines shown under it (runs of whitespace folded). ``text`` blocks are not run.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import shutil
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipewarden.cli import main
from pipewarden.demo import data_path

DOCS = Path(__file__).parents[2] / "docs"
DEMO_FILES = {
    "reference.csv": "reference_october.csv",
    "batch.csv": "batch_clean.csv",
    "batch_schema_change.csv": "batch_schema_change.csv",
    "batch_outage.csv": "batch_outage.csv",
}
_FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
_EXIT = re.compile(r"^\[exit (\d+)\]$")


@dataclass(frozen=True)
class Block:
    language: str
    code: str
    line: int


@dataclass(frozen=True)
class Command:
    args: list[str]
    expected_output: list[str]
    exit_code: int


def blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    return [
        Block(m[1], m[2], text.count("\n", 0, m.start()) + 1)
        for m in _FENCE.finditer(text)
        if m[1] in ("python", "console")
    ]


def commands(block: Block) -> list[Command]:
    found: list[Command] = []
    for raw in block.code.splitlines():
        line = raw.strip()
        if line.startswith("$ "):
            args = shlex.split(line[2:])
            assert args[0] == "pipewarden", f"only pipewarden commands run: {line}"
            found.append(Command(args[1:], [], 0))
        elif (m := _EXIT.match(line)) is not None:
            found[-1] = Command(found[-1].args, found[-1].expected_output, int(m[1]))
        elif line:
            found[-1].expected_output.append(line)
    return found


def _folded(text: str) -> str:
    return " ".join(text.split())


PAGES = sorted(p for p in DOCS.glob("**/*.md") if blocks(p))


def test_the_pages_have_examples() -> None:
    names = {p.name for p in PAGES}
    assert {"getting-started.md", "contracts.md", "interop.md", "json.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_example_of_the_page_runs(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for target, name in DEMO_FILES.items():
        shutil.copy(data_path(name), tmp_path / target)
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("PIPEWARDEN_")]:
        monkeypatch.delenv(name)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for block in blocks(page):
        where = f"{page.name}, line {block.line}"
        if block.language == "python":
            code = compile(block.code, where, "exec")
            with redirect_stdout(io.StringIO()):
                exec(code, namespace)  # noqa: S102 (the documentation's own examples)
            continue
        for command in commands(block):
            out, err = io.StringIO(), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err):
                code = main(command.args)
            printed = _folded(out.getvalue() + "\n" + err.getvalue())
            shown = f"{where}: pipewarden {' '.join(command.args)}"
            assert code == command.exit_code, f"{shown} exited {code}: {printed}"
            for expected in command.expected_output:
                assert _folded(expected) in printed, (
                    f"{shown} did not print {expected!r}"
                )


def test_the_runner_catches_a_wrong_example(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```console\n$ pipewarden contract schema --out s.json\n[exit 1]\n```\n"
        "```python\nassert 1 == 2\n```\n```text\nnot run\n```\n"
    )
    found = blocks(page)
    assert [b.language for b in found] == ["console", "python"]
    assert commands(found[0]) == [
        Command(["contract", "schema", "--out", "s.json"], [], 1)
    ]
