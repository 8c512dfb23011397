"""The pytest fixtures the package installs (users' own suites use them), LocalIssuer's
fault injection, and the Starlette middleware on a plain Starlette app."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from cognito_auth import KeysUnavailable, TokenSource, Verifier
from cognito_auth.starlette import CognitoAuthMiddleware, get_principal
from cognito_auth.testing import LocalIssuer
from cognito_auth.web import Authenticator


def test_plugin_fixtures(cognito_issuer: LocalIssuer,
                         cognito_token: Callable[..., str]) -> None:
    verifier = Verifier(issuer=cognito_issuer.issuer, token_use="access",
                        allowed_clients=["test-client"])
    token = cognito_token(client_id="test-client", scopes=["test/read"])
    assert verifier.verify(token).scopes == {"test/read"}
    src = TokenSource(token_url=cognito_issuer.token_url, client_id="test-client",
                      client_secret="test-secret", scopes="test/read test/write")
    assert src.token().scopes == {"test/read", "test/write"}


def test_issuer_faults(fresh_issuer: LocalIssuer) -> None:
    v = Verifier(issuer=fresh_issuer.issuer, token_use="access", any_client=True)
    fresh_issuer.set_jwks_status(500)
    with pytest.raises(KeysUnavailable):
        v.verify(fresh_issuer.access_token())
    fresh_issuer.set_jwks_status(None)
    assert v.verify(fresh_issuer.access_token()).client_id == "test-client"
    with pytest.raises(ValueError):
        fresh_issuer.access_token(signing="rot13")  # type: ignore[arg-type]


def test_closed_issuer_says_so() -> None:
    iss = LocalIssuer()
    iss.close()
    with pytest.raises(RuntimeError, match="closed"):
        iss.access_token()


@contextmanager
def served(app: Starlette) -> Iterator[str]:
    """``app`` under a real uvicorn server on 127.0.0.1, in a thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
    thread.start()
    try:
        while not server.started:
            time.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.mark.parametrize("mode", ["required", "permissive"])
def test_starlette_middleware(issuer: LocalIssuer, mode: str) -> None:
    auth = Authenticator.from_settings({"ISSUER": issuer.issuer, "TOKEN_USE": "access",
                                        "ALLOWED_CLIENT_IDS": ["worker"], "MODE": mode})

    async def who(request: Request) -> PlainTextResponse:
        p = get_principal(request)
        return PlainTextResponse(p.client_id if p is not None else "anonymous")

    app = Starlette(routes=[Route("/who", who)],
                    middleware=[Middleware(CognitoAuthMiddleware, authenticator=auth)])
    with served(app) as base, httpx.Client(base_url=base) as client:
        anon = client.get("/who")
        if mode == "required":
            assert anon.status_code == 401 and anon.headers["www-authenticate"] == "Bearer"
            assert anon.json() == {"detail": "Authentication credentials were not provided."}
        else:
            assert anon.text == "anonymous"
        ok = client.get("/who", headers={
            "Authorization": f"Bearer {issuer.access_token(client_id='worker')}"})
        assert ok.text == "worker"
        bad = client.get("/who", headers={
            "Authorization": f"Bearer {issuer.access_token(client_id='stranger')}"})
        assert bad.status_code == 403
        assert json.loads(bad.content) == {
            "detail": "You do not have permission to perform this action."}
