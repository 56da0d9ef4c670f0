"""Rendering the dashboard: one Jinja environment (autoescaped), security headers.

Every value reaches the page through Jinja's autoescape (text) or ``tojson`` (chart
data inside ``<script type="application/json">``, which never runs); chart labels
are escaped once more for plotly, which reads a few HTML tags in labels. The pages
carry a Content-Security-Policy that allows scripts from this server only, so
even a value that slipped through could not run.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from pipewarden import _text
from pipewarden._version import __version__

__all__ = ["CSP", "render", "render_error"]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""Scripts only from this server (plotly.js and dashboard.js), no inline script."""
_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("pipewarden.server", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["ago"] = ago
    env.filters["number"] = number
    return env


def render(
    request: Request, template: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A dashboard page, with what every page shows (the insecure banner...)."""
    auth = request.app.state.auth
    context.update(
        insecure=auth.insecure and not auth.needs_token,
        needs_token=auth.needs_token,
        version=__version__,
        path=request.url.path,
    )
    text = _environment().get_template(template).render(**context)
    return HTMLResponse(text, status_code=status_code, headers=_HEADERS)


def render_error(
    request: Request, status: int, code: str, message: str
) -> HTMLResponse:
    return render(
        request,
        "error.html.j2",
        status_code=status,
        title=code,
        code=code,
        message=message,
    )


def when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def ago(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    seconds = (datetime.now(UTC) - moment).total_seconds()
    if seconds < 0:
        return "in " + _text.duration(-seconds)
    return _text.duration(seconds) + " ago"


def number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return str(value)


def label(text: str) -> str:
    """Text plotly shows literally (it reads '<b>', '<a href>' and entities)."""
    return html.escape(text, quote=False)
