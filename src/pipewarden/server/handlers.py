"""HTTP meaning of errors: one table from error to status and code, and the handlers.

Every error the server answers with is JSON ``{"error": CODE, "message": ...}``
(the dashboard's pages show the same message in HTML). The core never imports
FastAPI: this table is where ``RecordNotFoundError`` becomes 404.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from pipewarden.errors import (
    AlertError,
    AuthError,
    ConfigError,
    ConformError,
    ContractError,
    DriftError,
    MigrationRequiredError,
    PipewardenError,
    ProfileError,
    RecordNotFoundError,
    SourceError,
    StoreError,
)

__all__ = ["ERRORS", "HTTP_CODES", "error_body", "install_handlers"]

logger = logging.getLogger(__name__)

ERRORS: tuple[tuple[type[PipewardenError], int, str], ...] = (
    (AuthError, 401, "unauthorized"),
    (RecordNotFoundError, 404, "not_found"),
    (MigrationRequiredError, 503, "store_needs_upgrade"),
    (StoreError, 503, "store_unavailable"),
    (AlertError, 409, "conflict"),
    (ContractError, 422, "invalid_contract"),
    (SourceError, 422, "unreadable_data"),
    (ConformError, 422, "cannot_conform"),
    (ProfileError, 422, "invalid_profile"),
    (DriftError, 422, "cannot_compare"),
    (ConfigError, 400, "bad_request"),
    (PipewardenError, 400, "bad_request"),
)
"""Error class -> (HTTP status, error code), most specific first."""

HTTP_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
}
"""Codes of errors raised by the HTTP layer itself (unknown route, wrong method...)."""


def status_of(exc: PipewardenError) -> tuple[int, str]:
    """The HTTP status and error code of a pipewarden error."""
    for kind, status, code in ERRORS:
        if isinstance(exc, kind):
            return status, code
    return 400, "bad_request"  # pragma: no cover - PipewardenError is in the table


def error_body(code: str, message: str) -> dict[str, str]:
    return {"error": code, "message": message}


def install_handlers(app: FastAPI) -> None:
    """Answer every error with the JSON of the table (HTML for dashboard pages)."""

    @app.exception_handler(PipewardenError)
    async def pipewarden_error(request: Request, exc: PipewardenError) -> Response:
        status, code = status_of(exc)
        message = _one_line(str(exc))
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return _respond(request, status, code, message, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(
        request: Request, exc: RequestValidationError
    ) -> Response:
        return _respond(request, 422, "invalid_request", _validation_text(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"No route {request.url.path}. See /docs for the API."
        return _respond(request, exc.status_code, code, message, exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        return _respond(
            request,
            500,
            "internal_error",
            f"The server failed unexpectedly ({type(exc).__name__}). This is a bug: "
            "please report it with the server log.",
        )


def _respond(
    request: Request,
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    if _wants_page(request):
        from pipewarden.server.pages import render_error

        return render_error(request, status, code, message)
    return JSONResponse(
        error_body(code, message),
        status_code=status,
        headers=None if headers is None else dict(headers),
    )


def _wants_page(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/metrics", "/openapi", "/docs", "/static/")):
        return False
    return "text/html" in request.headers.get("accept", "")


def _validation_text(exc: RequestValidationError) -> str:
    errors: list[Any] = list(exc.errors())
    if not errors:
        return "The request is not valid."
    first = errors[0]
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return f"Invalid request: {where or 'body'}: {first.get('msg', 'invalid')}{more}."


def _one_line(text: str) -> str:
    return text.splitlines()[0] if text else text
