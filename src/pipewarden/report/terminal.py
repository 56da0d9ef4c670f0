"""What a Rich console prints for each result: the notebook's content as Rich tables.

``to_rich`` renders the context of ``report.notebook.context_of`` (the same facts and
tables the notebook shows), with each distribution as a one-line bar chart of block
characters. Data values go in as ``Text``, never as markup, so a value such as
``[bold]`` prints as written.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from pipewarden.report.notebook import Displayable, context_of

__all__ = ["to_rich"]

STATUS_STYLE = {"pass": "bold green", "warn": "bold yellow", "fail": "bold red"}
BADGE_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
BLOCKS = " \u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"


def to_rich(obj: Displayable) -> RenderableType:
    """A Rich renderable showing a result, for ``__rich__``.

    Args:
        obj: A profile, contract, check result, drift report, conform result or
            conformed record.

    Returns:
        A group: a heading line, the facts, then each table.
    """
    context = context_of(obj)
    parts: list[RenderableType] = [_heading(context), _facts(context["facts"])]
    for section in context["sections"]:
        parts.append(_section(section))
    parts.extend(Text(note, style="italic dim") for note in context.get("notes", ()))
    return Group(*parts)


def _heading(context: dict[str, Any]) -> Text:
    head = Text(context["kind"], style="dim")
    status = context["status"]
    if status:
        head.append("  ").append(status.upper(), style=STATUS_STYLE[status])
    return head.append("  ").append(context["title"], style="bold")


def _facts(facts: list[tuple[str, str]]) -> Text:
    line = Text()
    for i, (label, value) in enumerate(facts):
        if i:
            line.append("  ")
        line.append(f"{label} ", style="dim").append(value)
    return line


def _section(section: dict[str, Any]) -> RenderableType:
    if not section["rows"]:
        return Text(section["empty"] or f"{section['title']}: none", style="dim")
    table = Table(title=section["title"], title_justify="left", box=box.SIMPLE_HEAD)
    for header in section["headers"]:
        table.add_column(header, overflow="fold")
    for row in section["rows"]:
        table.add_row(*(_cell(c) for c in row))
    if not section["hidden"]:
        return table
    more = Text(
        f"and {section['hidden']} more rows (to_dict() holds them all)",
        style="italic dim",
    )
    return Group(table, more)


def _cell(cell: dict[str, Any]) -> Text:
    chart = cell["chart"]
    if chart is not None:
        return Text(_spark(chart["spark"]), style="blue")
    return Text(cell["text"], style=BADGE_STYLE.get(cell["badge"], ""))


def _spark(shares: list[float]) -> str:
    top = len(BLOCKS) - 1
    return "".join(BLOCKS[min(top, round(s * top))] for s in shares)
