"""Bearer tokens for the write routes, compared in constant time and never logged.

``require_token`` is the dependency every write route declares; the OpenAPI
schema then marks those routes with the ``bearer`` security scheme. The dashboard's
forms send the token as a form field (``token``) instead of a header.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pipewarden.errors import AuthError

__all__ = ["Auth", "bearer", "require_token"]

bearer = HTTPBearer(auto_error=False, scheme_name="bearer")


class Auth:
    """The server's token (or none, when it runs with --insecure)."""

    __slots__ = ("_token", "insecure")

    def __init__(self, token: str | None, *, insecure: bool) -> None:
        self._token = None if token is None else token.encode("utf-8")
        self.insecure = insecure

    def __repr__(self) -> str:  # never show the token
        return (
            f"Auth(token={'set' if self._token else 'none'}, insecure={self.insecure})"
        )

    @property
    def needs_token(self) -> bool:
        return self._token is not None

    def check(self, given: str | None) -> None:
        """Accept the given token, or raise.

        Raises:
            AuthError: A token is set and ``given`` is missing or differs.
        """
        if self._token is None:
            return  # --insecure without a token: writes are open
        if not given:
            raise AuthError(
                "This route changes the store and needs a token: send the header "
                "'Authorization: Bearer TOKEN'."
            )
        if not hmac.compare_digest(given.encode("utf-8"), self._token):
            raise AuthError(
                "The token is not the server's. Send the token the server was "
                "started with (PIPEWARDEN_TOKEN or --token-file)."
            )


def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """The dependency of every write route: the right bearer token, or 401."""
    auth: Auth = request.app.state.auth
    auth.check(None if credentials is None else credentials.credentials)
