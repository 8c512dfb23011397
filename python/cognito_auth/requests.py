"""Bearer tokens for `requests <https://requests.readthedocs.io>`_.

::

    import requests
    from cognito_auth import TokenSource
    from cognito_auth.requests import CognitoAuth

    tokens = TokenSource(domain="https://example.auth.eu-west-1.amazoncognito.com",
                         client_id="…", client_secret="…", scopes=["orders/read"])
    session = requests.Session()
    session.auth = CognitoAuth(tokens)
    session.get("https://api.example.com/orders")

Each request carries ``Authorization: Bearer <token>`` from the source's cache (one token
request however many threads send). A 401 answer makes the source drop that token and the
request is sent once more with a new one, within the source's 401 budget (at most one
refetch per 30 s), and only when its body can be sent again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import requests
from requests.auth import AuthBase

from cognito_auth._native import AccessToken, TokenSource

__all__ = ["CognitoAuth"]


class CognitoAuth(AuthBase):
    """``requests`` authentication with tokens of ``source`` (for ``scopes``, default the
    source's own)."""

    def __init__(self, source: TokenSource, scopes: str | Iterable[str] | None = None) -> None:
        self.source = source
        self.scopes = scopes

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        token = self.source.token(self.scopes)
        r.headers["Authorization"] = token.authorization

        def on_response(response: requests.Response, **kwargs: Any) -> requests.Response:
            return self._retry_on_401(response, token, **kwargs)

        r.register_hook("response", on_response)
        return r

    def _retry_on_401(
        self, response: requests.Response, token: AccessToken, **kwargs: Any
    ) -> requests.Response:
        if response.status_code != 401:
            return response
        body = response.request.body
        if body is not None and not isinstance(body, (bytes, str)):
            return response  # a stream cannot be sent twice
        if not self.source.token_rejected(token):
            return response
        fresh = self.source.token(self.scopes)
        response.content  # noqa: B018 - read the body so the connection can be reused
        response.close()
        retry = response.request.copy()
        retry.hooks = {"response": []}
        retry.headers["Authorization"] = fresh.authorization
        adapter = response.connection
        second: requests.Response = adapter.send(retry, **kwargs)
        second.history.append(response)
        second.request = retry
        return second

    def __repr__(self) -> str:
        return f"CognitoAuth({self.source!r})"
