"""ASGI middleware for Starlette apps (and FastAPI, whose dependencies in
:mod:`cognito_auth.fastapi` read what it stores). Needs nothing but the ASGI interface::

    from starlette.applications import Starlette
    from cognito_auth import Verifier
    from cognito_auth.starlette import CognitoAuthMiddleware, get_principal
    from cognito_auth.web import Authenticator

    auth = Authenticator.from_settings({"USER_POOL_ID": "eu-west-1_AbC123",
                                        "TOKEN_USE": "access",
                                        "ALLOWED_CLIENT_IDS": ["svc-a"]})
    app = Starlette(routes=[...], middleware=[Middleware(CognitoAuthMiddleware,
                                                         authenticator=auth)])
    # in an endpoint: get_principal(request) -> ServicePrincipal | None

Every HTTP request is authenticated before routing as the authenticator's mode says
(``required``: 401 without a valid token; ``permissive``: anonymous requests pass); a
refusal is the core's response (status, ``WWW-Authenticate``, body; none for ``HEAD``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from cognito_auth._native import VerifiedToken
from cognito_auth.exceptions import RequestRefused
from cognito_auth.web import Authenticator

__all__ = ["STATE_KEY", "CognitoAuthMiddleware", "get_principal"]

#: The key of the principal in the ASGI scope's ``state`` (``request.state``).
STATE_KEY = "cognito_auth.principal"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def header_values(scope: Scope, name: bytes) -> list[bytes]:
    """Every value of header ``name`` (lower-case bytes) in an ASGI scope."""
    return [v for k, v in scope.get("headers", ()) if k == name]


def get_principal(request: Any) -> VerifiedToken | None:
    """The principal the middleware stored for ``request`` (a Starlette request or an ASGI
    scope), ``None`` when anonymous or when the middleware did not run."""
    scope = getattr(request, "scope", request)
    principal: VerifiedToken | None = (scope.get("state") or {}).get(STATE_KEY)
    return principal


class CognitoAuthMiddleware:
    """Authenticates every HTTP request with ``authenticator`` before the app sees it."""

    def __init__(self, app: ASGIApp, authenticator: Authenticator | None = None,
                 auth: Any = None) -> None:
        self.app = app
        if authenticator is None and auth is not None:
            authenticator = auth.authenticator  # a cognito_auth.fastapi.CognitoAuth
        if authenticator is None:
            raise TypeError("CognitoAuthMiddleware needs authenticator= (or auth=)")
        self.authenticator = authenticator
        self.header = authenticator.header_name.lower().encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            principal = await self.authenticator.aauthenticate(header_values(scope, self.header))
        except RequestRefused as refused:
            headers = [(k.lower().encode("latin-1"), v.encode("latin-1"))
                       for k, v in refused.headers.items()]
            headers.append((b"content-length", str(len(refused.body)).encode()))
            body = b"" if scope.get("method") == "HEAD" else refused.body
            await send({"type": "http.response.start", "status": refused.status,
                        "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        scope.setdefault("state", {})[STATE_KEY] = principal
        await self.app(scope, receive, send)
