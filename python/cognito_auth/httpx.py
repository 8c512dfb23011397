"""Bearer tokens for `httpx <https://www.python-httpx.org>`_, sync and async.

::

    import httpx
    from cognito_auth import TokenSource
    from cognito_auth.httpx import CognitoAuth

    auth = CognitoAuth(TokenSource.from_env())
    with httpx.Client(auth=auth) as client:
        client.get("https://api.example.com/orders")
    async with httpx.AsyncClient(auth=auth) as client:
        await client.get("https://api.example.com/orders")

A 401 answer makes the source drop that token and the request is sent once more with a new
one, within the source's 401 budget.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator, Iterable

import httpx

from cognito_auth import TokenSource

__all__ = ["CognitoAuth"]


class CognitoAuth(httpx.Auth):
    """``httpx`` authentication with tokens of ``source`` (for ``scopes``, default the
    source's own). Works with ``httpx.Client`` and ``httpx.AsyncClient``; the async flow
    never blocks the event loop."""

    def __init__(self, source: TokenSource, scopes: str | Iterable[str] | None = None) -> None:
        self.source = source
        self.scopes = scopes

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.source.token(self.scopes)
        request.headers["Authorization"] = token.authorization
        response = yield request
        if response.status_code == 401 and self.source.token_rejected(token):
            request.headers["Authorization"] = self.source.token(self.scopes).authorization
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.source.atoken(self.scopes)
        request.headers["Authorization"] = token.authorization
        response = yield request
        if response.status_code == 401 and self.source.token_rejected(token):
            fresh = await self.source.atoken(self.scopes)
            request.headers["Authorization"] = fresh.authorization
            yield request

    def __repr__(self) -> str:
        return f"CognitoAuth({self.source!r})"
