"""Static files of the dashboard: plotly.js (from the plotly package: no network
needed) and our own few lines of JavaScript and CSS, cached by the browser."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter(prefix="/static", include_in_schema=False)

_CACHE = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
_OURS = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}


@cache
def _plotly() -> bytes:
    import plotly.offline

    text: str = plotly.offline.get_plotlyjs()
    return text.encode("utf-8")


@cache
def _ours(name: str) -> bytes:
    return files("pipewarden.server").joinpath("static", name).read_bytes()


@router.get("/plotly.min.js")
def plotly_js() -> Response:
    return Response(_plotly(), media_type="text/javascript", headers=_CACHE)


@router.get("/{name}")
def own_file(name: str) -> Response:
    from pipewarden.errors import RecordNotFoundError

    if name not in _OURS:
        raise RecordNotFoundError(f"No static file '{name}'.")
    return Response(_ours(name), media_type=_OURS[name], headers=_CACHE)
