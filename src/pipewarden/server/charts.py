"""Plotly figures for the dashboard, as plain dicts the page hands to ``Plotly.newPlot``.

Labels go through :func:`pipewarden.server.pages.label`; thresholds are drawn as
dashed horizontal lines (``shapes``) with their name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pipewarden.server.pages import label

__all__ = ["bars_figure", "history_figure", "lines_figure"]

BLUE = "#2563eb"
GREY = "#9aa5b1"
RED = "#dc2626"
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif'


def history_figure(
    title: str,
    times: Sequence[datetime],
    values: Sequence[float],
    *,
    thresholds: Sequence[tuple[str, float]] = (),
    y_format: str | None = None,
) -> dict[str, Any]:
    """A metric over time, with its alert thresholds as dashed lines."""
    trace = {
        "type": "scatter",
        "mode": "lines+markers",
        "name": label(title),
        "x": [t.isoformat() for t in times],
        "y": list(values),
        "line": {"color": BLUE, "width": 2},
        "marker": {"size": 5},
    }
    shapes, notes = [], []
    for name, value in thresholds:
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": value,
                "y1": value,
                "line": {"color": RED, "width": 1.5, "dash": "dash"},
            }
        )
        notes.append(
            {
                "xref": "paper",
                "x": 1,
                "y": value,
                "xanchor": "right",
                "yanchor": "bottom",
                "text": label(f"{name} {value:.4g}"),
                "showarrow": False,
                "font": {"color": RED, "size": 11},
            }
        )
    layout = _layout(title)
    layout.update(shapes=shapes, annotations=notes, showlegend=False)
    if y_format:
        layout["yaxis"]["tickformat"] = y_format
    return {"data": [trace], "layout": layout}


def lines_figure(
    title: str,
    times: Sequence[datetime],
    series: Mapping[str, Sequence[float | None]],
) -> dict[str, Any]:
    """Several series over the same times, one line each (gaps where None)."""
    palette = [BLUE, "#f59e0b", "#10b981", "#8b5cf6", "#ef4444", GREY]
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": label(name),
            "x": [t.isoformat() for t in times],
            "y": list(values),
            "line": {"color": palette[i % len(palette)], "width": 2},
            "marker": {"size": 4},
            "connectgaps": False,
        }
        for i, (name, values) in enumerate(series.items())
    ]
    return {"data": traces, "layout": _layout(title)}


def bars_figure(
    title: str,
    names: Sequence[str],
    current: Sequence[float | None],
    previous: Sequence[float | None] | None = None,
    *,
    x_format: str | None = None,
) -> dict[str, Any]:
    """One horizontal bar per column: this run, beside the run before."""
    labels = [label(n) if n else '""' for n in names]
    traces = []
    if previous is not None:
        traces.append(_bars("run before", labels, previous, GREY))
    traces.append(_bars("this run", labels, current, BLUE))
    layout = _layout(title, height=110 + 26 * max(1, len(names)))
    layout["barmode"] = "group"
    layout["yaxis"].update(autorange="reversed", type="category", automargin=True)
    layout["xaxis"].update(rangemode="tozero")
    if x_format:
        layout["xaxis"]["tickformat"] = x_format
    return {"data": traces, "layout": layout}


def _bars(
    name: str, labels: list[str], values: Sequence[float | None], color: str
) -> dict[str, Any]:
    return {
        "type": "bar",
        "orientation": "h",
        "name": name,
        "y": labels,
        "x": [0.0 if v is None else v for v in values],
        "marker": {"color": color},
    }


def _layout(title: str, *, height: int = 280) -> dict[str, Any]:
    axis = {"gridcolor": "#e5e7eb", "zerolinecolor": "#d1d5db", "automargin": True}
    return {
        "title": {"text": label(title), "x": 0, "font": {"size": 14}},
        "height": height,
        "margin": {"l": 56, "r": 16, "t": 64, "b": 40},
        "font": {"family": FONT, "size": 12, "color": "#1f2937"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "xaxis": dict(axis),
        "yaxis": dict(axis),
    }
