"""The request body limit, as ASGI middleware: refused by Content-Length up front,
and counted while streaming for chunked bodies, before any route reads it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipewarden.server.handlers import error_body

__all__ = ["BodyLimit", "NoNulCharacters"]


class _TooLarge(HTTPException):
    """Raised while a route reads the body: an HTTPException, so FastAPI's body
    parsing lets it through and the error handlers answer 413."""


class BodyLimit:
    """Answer 413 ``body_too_large`` to any request whose body passes ``limit`` bytes."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge(413, detail=self._message())
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    def _message(self) -> str:
        return (
            f"The request body is larger than the server's limit of {self.limit:,} "
            "bytes. Send smaller batches, or start the server with a larger "
            "--max-body-mb."
        )

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(error_body("body_too_large", self._message())).encode()
        headers: list[Any] = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class NoNulCharacters:
    """Answer 400 ``bad_request`` to a request whose path or query holds a NUL
    character (also percent-encoded): no name, id or filter has one, and PostgreSQL
    text cannot hold it (the fuzzer's ``/api/runs/%2500`` was a 503 there)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _holds_nul(scope):
            body = json.dumps(
                error_body(
                    "bad_request",
                    "The request's path or query holds a NUL character (0x00), which "
                    "no name, id or filter can contain. Remove it.",
                )
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def _holds_nul(scope: Scope) -> bool:
    path = str(scope.get("path", ""))
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    return any("\x00" in unquote(unquote(text)) for text in (path, query))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
