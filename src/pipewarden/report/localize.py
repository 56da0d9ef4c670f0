"""The localization report: one small self-contained HTML page, escaped, offline.

Renders the ``localize --json`` document (a plain dict), so ``report`` stays free of
the store and of ``pipelines``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

__all__ = ["render_localization"]

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222}
h1{font-size:1.3em}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:left}
.lead{font-size:1.1em;background:#fff6e0;padding:.8em;border-left:4px solid #e0a000}
"""


def render_localization(data: Mapping[str, Any]) -> str:
    """The HTML page of a localization (``Localization.to_dict()``)."""
    parts = [
        Markup("<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"),
        Markup("<title>pipewarden localize {}</title>").format(data["run"]),
        Markup("<style>{}</style></head><body>").format(Markup(_STYLE)),
        Markup("<h1>Where the change began: {}</h1>").format(data["pipeline"]),
        Markup("<p class='lead'>{}</p>").format(data["headline"]),
        Markup("<p>Run {} compared with {}.</p>").format(data["run"], data["baseline"]),
    ]
    stage = data.get("stage")
    if stage:
        parts.append(
            Markup("<p>Stage <b>{}</b>: {}</p>").format(stage["name"], stage["message"])
        )
    parts.append(
        _table(
            "Columns",
            ("column", "first changed in", "score", "what changed"),
            [
                (c["column"], c["stage"], f"{c['score']:.1f}", c["message"])
                for c in data["columns"]
            ],
        )
    )
    parts.append(
        _table(
            "Segments",
            ("segment", "share of the change"),
            [
                (
                    ", ".join(f"{k} = {v}" for k, v in s["segment"].items()),
                    f"{s['share']:.0%}",
                )
                for s in data["segments"]
            ],
        )
    )
    changes = data["changes"]
    rows = []
    if changes.get("code"):
        rows.append(("code", changes["code"]["before"], changes["code"]["after"]))
    rows.extend(
        (f"{c['kind']} {c['name']}", c["before"], c["after"])
        for c in changes.get("environment", [])
    )
    rows.extend(
        (f"rows of {c['stage']}", c["before"], c["after"])
        for c in changes.get("rows", [])
    )
    parts.append(_table("Other changes", ("what", "before", "after"), rows))
    parts.append(Markup("</body></html>\n"))
    return str(Markup("").join(parts))


def _table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Markup:
    if not rows:
        return Markup("")
    head = Markup("").join(Markup("<th>{}</th>").format(h) for h in header)
    body = Markup("").join(
        Markup("<tr>{}</tr>").format(
            Markup("").join(
                Markup("<td>{}</td>").format("-" if v is None else v) for v in row
            )
        )
        for row in rows
    )
    return Markup("<h2>{}</h2><table><tr>{}</tr>{}</table>").format(
        escape(title), head, body
    )
