"""A real kernel executes a notebook that displays each result: every cell output
carries text/html (from _repr_html_) and a short text/plain (the one-line repr)."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"
NAMES = ["profile", "contract", "check", "drift", "conform", "record"]


@pytest.fixture(scope="module")
def executed() -> nbformat.NotebookNode:
    setup = (
        "import sys\n"
        f"sys.path[:0] = [{str(SRC)!r}, {str(HERE)!r}]\n"
        "from display_data import results\n"
        "shown = results()"
    )
    cells = [nbformat.v4.new_code_cell(setup)]
    cells += [nbformat.v4.new_code_cell(f"shown[{name!r}]") for name in NAMES]
    notebook = nbformat.v4.new_notebook(cells=cells)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(HERE)}},
    )
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    client.execute()
    return notebook


@pytest.mark.parametrize("index", range(len(NAMES)), ids=NAMES)
def test_each_result_displays_html_and_a_one_line_repr(
    executed: nbformat.NotebookNode, index: int
) -> None:
    cell = executed.cells[index + 1]
    [output] = [o for o in cell.outputs if o.output_type == "execute_result"]
    html = output.data["text/html"]
    text = output.data["text/plain"]

    assert html.startswith('<div class="pipewarden-result">')
    assert "<script" not in html and "<img" not in html
    assert len(text) < 200 and "\n" not in text
    assert not [o for o in cell.outputs if o.output_type == "error"]
