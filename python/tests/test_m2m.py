"""TokenSource: caching, one request for any number of threads or tasks, errors, the 401
budget, bearer injection for requests and httpx, and the fleet cache on a real Redis."""

from __future__ import annotations

import asyncio
import datetime as dt
import http.server
import threading
from collections.abc import Iterator

import httpx
import pytest
import requests

import cognito_auth
from cognito_auth import (
    ConfigurationError,
    ThrottledError,
    TokenRequestError,
    TokenSource,
    Verifier,
)
from cognito_auth.testing import LocalIssuer

from conftest import service


def source(issuer: LocalIssuer, **kw: object) -> TokenSource:
    args: dict[str, object] = {"token_url": issuer.token_url, "client_id": "worker",
                               "client_secret": "worker-secret", "scopes": ["orders/read"]}
    args.update(kw)
    return TokenSource(**args)  # type: ignore[arg-type]


def test_token_is_cached_and_typed(fresh_issuer: LocalIssuer) -> None:
    src = source(fresh_issuer)
    t1 = src.token()
    t2 = src.token()
    assert t1 == t2 and fresh_issuer.token_requests() == 1
    assert t1.token_type == "Bearer" and t1.scopes == {"orders/read"}
    assert t1.authorization == f"Bearer {t1.access_token}"
    assert t1.expires_at > dt.datetime.now(dt.timezone.utc) and not t1.is_expired
    assert t1.access_token not in repr(t1) and t1.access_token not in str(t1)
    assert "worker-secret" not in repr(src)
    claims = Verifier(issuer=fresh_issuer.issuer, token_use="access",
                      allowed_clients=["worker"]).verify(t1.access_token)
    assert claims.client_id == "worker"


def test_scope_sets_are_cached_separately(fresh_issuer: LocalIssuer) -> None:
    src = source(fresh_issuer)
    a = src.token()
    b = src.token("orders/read orders/write")
    assert b.scopes == {"orders/read", "orders/write"} and a != b
    assert src.token(["orders/write", "orders/read"]) == b
    assert fresh_issuer.token_requests() == 2


def test_thousand_threads_one_request(fresh_issuer: LocalIssuer) -> None:
    fresh_issuer.fail_token_requests(delay=0.3)  # all callers arrive during the request
    src = source(fresh_issuer)
    barrier = threading.Barrier(1000)
    seen: list[str] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            barrier.wait()
            seen.append(src.token().access_token)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=call) for _ in range(1000)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(seen) == 1000 and len(set(seen)) == 1
    assert fresh_issuer.token_requests() == 1


async def test_thousand_tasks_one_request(fresh_issuer: LocalIssuer) -> None:
    fresh_issuer.fail_token_requests(delay=0.3)
    src = source(fresh_issuer)
    tokens = await asyncio.gather(*(src.atoken() for _ in range(1000)))
    assert len({t.access_token for t in tokens}) == 1
    assert fresh_issuer.token_requests() == 1


def test_refreshed_ahead_of_expiry(fresh_issuer: LocalIssuer) -> None:
    fresh_issuer.set_token_lifetime(2)
    src = source(fresh_issuer, refresh_at=0.1)
    first = src.token()
    deadline = dt.datetime.now() + dt.timedelta(seconds=5)
    while src.token() == first and dt.datetime.now() < deadline:
        threading.Event().wait(0.05)
    assert src.token() != first
    assert fresh_issuer.token_requests() >= 2


def test_endpoint_errors_are_typed(fresh_issuer: LocalIssuer) -> None:
    with pytest.raises(TokenRequestError) as info:
        source(fresh_issuer, client_secret="wrong").token()
    e = info.value
    assert e.status_code == 400 and e.error_code == "invalid_client"
    assert not e.retryable and "wrong" not in str(e)
    with pytest.raises(TokenRequestError) as info2:
        source(fresh_issuer).token("orders/delete")
    assert info2.value.error_code == "invalid_scope"


def test_retry_after_is_honoured(fresh_issuer: LocalIssuer) -> None:
    fresh_issuer.fail_token_requests(status=429, retry_after=1, count=1)
    src = source(fresh_issuer)
    started = dt.datetime.now()
    token = src.token()  # waits out the pause inside the core's retry budget
    assert token.access_token
    assert dt.datetime.now() - started >= dt.timedelta(seconds=0.9)
    assert fresh_issuer.token_requests() == 2


def test_throttled_while_paused(fresh_issuer: LocalIssuer) -> None:
    fresh_issuer.fail_token_requests(status=429, retry_after=600, count=1)
    src = source(fresh_issuer)
    with pytest.raises(TokenRequestError) as first:
        src.token()
    assert first.value.status_code == 429 and first.value.retry_after == 600
    with pytest.raises(ThrottledError):
        src.token()
    assert fresh_issuer.token_requests() == 1  # nothing sent inside the pause


@pytest.mark.parametrize(
    "kwargs",
    [
        {"token_url": None},
        {"domain": "https://x.auth.eu-west-1.amazoncognito.com"},
        {"token_url": "ftp://x/oauth2/token"},
        {"refresh_at": 1.5},
        {"redis_url": "http://127.0.0.1:6379"},
    ],
)
def test_configuration_errors(issuer: LocalIssuer, kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        source(issuer, **kwargs)


def test_from_env(issuer: LocalIssuer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COGNITO_TOKEN_URL", issuer.token_url)
    monkeypatch.setenv("COGNITO_CLIENT_ID", "worker")
    monkeypatch.setenv("COGNITO_CLIENT_SECRET", "worker-secret")
    monkeypatch.setenv("COGNITO_SCOPES", "orders/read")
    src = TokenSource.from_env()
    assert isinstance(src, TokenSource) and hasattr(src, "atoken")
    assert src.token().scopes == {"orders/read"}


class Api:
    """A resource server on 127.0.0.1 that verifies tokens with the core and refuses the
    ones listed in ``revoked`` (as a server that rotated its keys would)."""

    def __init__(self, issuer: LocalIssuer) -> None:
        verifier = Verifier(issuer=issuer.issuer, token_use="access", any_client=True)
        self.revoked: set[str] = set()
        self.seen: list[str] = []
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                header = self.headers.get("Authorization", "")
                token = header.removeprefix("Bearer ")
                api.seen.append(token)
                ok = False
                if token not in api.revoked:
                    try:
                        verifier.verify(token)
                        ok = True
                    except cognito_auth.TokenError:
                        pass
                body = b"ok" if ok else b"no"
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api(fresh_issuer: LocalIssuer) -> Iterator[Api]:
    a = Api(fresh_issuer)
    yield a
    a.close()


def test_requests_auth_retries_once_on_401(fresh_issuer: LocalIssuer, api: Api) -> None:
    from cognito_auth.requests import CognitoAuth

    src = source(fresh_issuer)
    with requests.Session() as s:
        s.auth = CognitoAuth(src)
        assert s.get(api.url, timeout=5).status_code == 200
        api.revoked.add(api.seen[-1])
        r = s.get(api.url, timeout=5)
        assert r.status_code == 200 and len(r.history) == 1
        assert fresh_issuer.token_requests() == 2
        # Within the 401 budget a second refusal is passed on, no third request.
        api.revoked.add(api.seen[-1])
        assert s.get(api.url, timeout=5).status_code == 401
        assert fresh_issuer.token_requests() == 2


def test_httpx_auth_sync_and_async(fresh_issuer: LocalIssuer, api: Api) -> None:
    from cognito_auth.httpx import CognitoAuth

    src = source(fresh_issuer)
    auth = CognitoAuth(src)
    with httpx.Client(auth=auth) as c:
        assert c.get(api.url).status_code == 200
        api.revoked.add(api.seen[-1])
        assert c.get(api.url).status_code == 200

    async def run() -> int:
        async with httpx.AsyncClient(auth=auth) as c:
            return (await c.get(api.url)).status_code

    assert asyncio.run(run()) == 200
    assert fresh_issuer.token_requests() == 2


def test_fleet_shares_one_token_through_redis(fresh_issuer: LocalIssuer) -> None:
    url = service("COGNITO_TEST_REDIS_URL")
    # Two sources are two processes of a fleet: they share nothing but Redis.
    scopes = ["orders/read", "orders/write"]
    a = source(fresh_issuer, redis_url=url, scopes=scopes)
    b = source(fresh_issuer, redis_url=url, scopes=scopes)
    ta = a.token()
    tb = b.token()
    assert ta.access_token == tb.access_token
    assert fresh_issuer.token_requests() == 1


def test_fleet_falls_back_when_redis_is_down(fresh_issuer: LocalIssuer) -> None:
    src = source(fresh_issuer, redis_url="redis://127.0.0.1:9")
    assert src.token().access_token  # each process pays for its own token, still works
