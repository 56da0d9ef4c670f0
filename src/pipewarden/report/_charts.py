"""Plotly figures for the report, and the JSON the page hands to ``Plotly.newPlot``.

The template writes each figure with Jinja's ``tojson`` filter, which escapes it for a
<script> element; ``figure_json`` is the serialiser that filter is given. plotly.js
itself is inlined once per report (``plotly_bundle``). Nothing here fetches from the
network.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
import plotly.offline
from markupsafe import Markup

from pipewarden.report._distributions import Distribution

REFERENCE_COLOR = "#9aa5b1"
CURRENT_COLOR = "#2563eb"
FONT = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
)
LABEL_CHARS = 32
"""Category labels are cut to this many characters on the axis (hover shows all)."""
CHART_HEIGHT = 280
BAR_ROW_HEIGHT = 28
"""Height of one category (both bars) in horizontal bar charts."""


def plotly_bundle() -> Markup:
    """plotly.js, minified, to inline once per report."""
    js = plotly.offline.get_plotlyjs()
    if "</script" in js.lower():  # pragma: no cover  # plotly's bundle has none today
        js = js.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
    return Markup(js)


def figure_json(figure: go.Figure | dict[str, Any], **_: Any) -> str:
    """A figure as plotly's JSON (numpy arrays and NaN handled): the report
    environment's ``json.dumps_function``, which ``tojson`` escapes for <script>."""
    text: str = pio.to_json(figure, validate=False, pretty=False, engine="json")
    return text


def distribution_figure(dist: Distribution) -> go.Figure:
    """Reference vs current shares: a histogram, or bars per category."""
    if dist.shape == "histogram":
        return _histogram_figure(dist)
    return _bars_figure(dist)


def null_rate_figure(
    names: Sequence[str],
    reference: Sequence[float | None],
    current: Sequence[float | None],
) -> go.Figure:
    """Null rate per column, reference beside current (horizontal bars)."""
    labels = _axis_labels(names)
    hover = [plotly_text(n) for n in names]
    traces = [
        _bar(side, color, labels, [v or 0.0 for v in values], hover, vertical=False)
        for side, values, color in (
            ("reference", reference, REFERENCE_COLOR),
            ("current", current, CURRENT_COLOR),
        )
        if any(v is not None for v in values)
    ]
    layout = _layout(height=90 + BAR_ROW_HEIGHT * len(names))
    layout["barmode"] = "group"
    layout["xaxis"].update(
        tickformat="~%", rangemode="tozero", title={"text": "null rate"}
    )
    layout["yaxis"].update(autorange="reversed", type="category")
    return go.Figure({"data": traces, "layout": layout})


# ---------------------------------------------------------------- figure kinds
# Figures are built as plain specs and validated once by go.Figure(spec): building
# them with add_trace/update_layout calls is about 25 times slower.
def _histogram_figure(dist: Distribution) -> go.Figure:
    """Each side as a filled step outline over the common bins (works on log axes)."""
    hover = [plotly_text(v) for v in dist.labels]
    hover.append(hover[-1])
    widths = _widths(dist) if dist.density else None
    traces = []
    for side, shares, color in _sides(dist):
        heights = (
            [s / w for s, w in zip(shares, widths, strict=True)]
            if widths
            else list(shares)
        )
        traces.append(
            {
                "type": "scatter",
                "name": side,
                "x": list(dist.edges),
                "y": [*heights, heights[-1]],
                "mode": "lines",
                "line": {"color": color, "width": 1.5, "shape": "hv"},
                "fill": "tozeroy",
                "fillcolor": _translucent(color, 0.35 if side == "reference" else 0.25),
                "customdata": [
                    [h, v] for h, v in zip(hover, [*shares, shares[-1]], strict=True)
                ],
                "hovertemplate": "%{customdata[0]}<br>"
                + side
                + ": %{customdata[1]:.2%}<extra></extra>",
            }
        )
    layout = _layout()
    if widths:
        layout["yaxis"].update(
            showticklabels=False,
            rangemode="tozero",
            title={"text": "share per unit width"},
        )
    else:
        layout["yaxis"].update(tickformat="~%", rangemode="tozero")
    layout["xaxis"]["type"] = "log" if dist.log_scale else "linear"
    return go.Figure({"data": traces, "layout": layout})


def _widths(dist: Distribution) -> list[float]:
    """Bin widths in axis units (decades on a log axis), never zero."""
    edges = dist.edges
    if dist.log_scale:
        edges = tuple(math.log10(e) for e in edges)
    widths = [b - a for a, b in pairwise(edges)]
    smallest = min((w for w in widths if w > 0), default=1.0)
    return [w if w > 0 else smallest for w in widths]


def _bars_figure(dist: Distribution) -> go.Figure:
    labels = _axis_labels(dist.labels)
    hover = [plotly_text(v) for v in dist.labels]
    vertical = dist.numeric or (len(labels) <= 8 and max(map(len, labels)) <= 12)
    traces = [
        _bar(side, color, labels, list(shares), hover, vertical=vertical)
        for side, shares, color in _sides(dist)
    ]
    height = CHART_HEIGHT if vertical else 90 + BAR_ROW_HEIGHT * len(labels)
    layout = _layout(height=max(CHART_HEIGHT, height))
    layout.update(barmode="group", bargap=0.15 if len(labels) > 4 else 0.45)
    values, categories = ("yaxis", "xaxis") if vertical else ("xaxis", "yaxis")
    layout[values].update(tickformat="~%", rangemode="tozero")
    layout[categories]["type"] = "category"
    if not vertical:
        layout["yaxis"]["autorange"] = "reversed"
    return go.Figure({"data": traces, "layout": layout})


def _bar(
    side: str,
    color: str,
    labels: list[str],
    shares: list[float],
    hover: list[str],
    *,
    vertical: bool,
) -> dict[str, Any]:
    value_axis = "y" if vertical else "x"
    return {
        "type": "bar",
        "name": side,
        "x": labels if vertical else shares,
        "y": shares if vertical else labels,
        "orientation": "v" if vertical else "h",
        "marker": {"color": color},
        "customdata": hover,
        "hovertemplate": "%{customdata}<br>"
        + side
        + ": %{"
        + value_axis
        + ":.2%}<extra></extra>",
    }


def _translucent(color: str, alpha: float) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _sides(dist: Distribution) -> list[tuple[str, tuple[float, ...], str]]:
    out = []
    if dist.reference is not None:
        out.append(("reference", dist.reference, REFERENCE_COLOR))
    if dist.current is not None:
        out.append(("current", dist.current, CURRENT_COLOR))
    return out


def _layout(*, height: int = CHART_HEIGHT) -> dict[str, Any]:
    def axis() -> dict[str, Any]:
        return {
            "gridcolor": "#e5e7eb",
            "zerolinecolor": "#d1d5db",
            "linecolor": "#d1d5db",
            "automargin": True,
        }

    return {
        "template": "none",
        "height": height,
        "margin": {"l": 56, "r": 16, "t": 36, "b": 40},
        "font": {"family": FONT, "size": 12, "color": "#1f2937"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "hoverlabel": {"font": {"family": FONT}},
        "xaxis": axis(),
        "yaxis": axis(),
    }


def plotly_text(text: str) -> str:
    """Text that plotly shows literally: it reads '<b>', '<a href>' and entities in
    labels and hover text, so '<', '>' and '&' become entities."""
    return html.escape(text, quote=False)


def _axis_labels(values: Sequence[str]) -> list[str]:
    """Category labels cut to LABEL_CHARS, kept distinct so bars never merge."""
    out: list[str] = []
    seen: set[str] = set()
    for v in values:
        label = v if len(v) <= LABEL_CHARS else v[: LABEL_CHARS - 1] + "\u2026"
        label = plotly_text(label) if label else '""'
        base, n = label, 2
        while label in seen:
            label = f"{base} ({n})"
            n += 1
        seen.add(label)
        out.append(label)
    return out
