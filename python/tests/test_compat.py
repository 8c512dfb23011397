"""The m2m-cognito drop-in: its README's examples with only the import (and the endpoint
they name) changed, verdict parity with m2m-cognito 0.1.5 itself on the same tokens, and
django-cognito-m2m 0.3.0 from PyPI running on our validator."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import jwt
import m2m_cognito
import pytest

from cognito_auth.compat import m2m_cognito as compat
from cognito_auth.testing import LocalIssuer

from test_web_matrix import start_app

POOL = "us-west-2_AbCdEfGhI"
POOL_ISSUER = f"https://cognito-idp.us-west-2.amazonaws.com/{POOL}"
README_CLIENT = "7a8b9c0d1e2f3g4h5i6j7k8"

# m2m-cognito 0.1.5's README, "Obtain an access token" and "Validate an access token".
README_FETCH = '''
from m2m_cognito import CognitoM2MClient

client = CognitoM2MClient(
    token_url="https://your-auth-domain.example.com/oauth2/token",
    client_id="7a8b9c0d1e2f3g4h5i6j7k8",
    client_secret="your-client-secret",
)
response = client.fetch_token(scopes=["api.example.com/read", "api.example.com/write"])
bearer = response.access_token
'''

README_VALIDATE = '''
from m2m_cognito import CognitoAccessTokenValidator

validator = CognitoAccessTokenValidator(
    region="us-west-2",
    user_pool_id="us-west-2_AbCdEfGhI",
    allowed_client_ids={"7a8b9c0d1e2f3g4h5i6j7k8", "another-app-client-id"},
    required_scopes={"api.example.com/read"},
    scope_match="all",
    audience=None,  # omit or set to verify JWT aud
)
validated = validator.validate(jwt_string_from_authorization_header)
subject_client = validated.client_id
'''


@pytest.fixture(scope="module")
def pool() -> Iterator[LocalIssuer]:
    with LocalIssuer(
        issuer=POOL_ISSUER,
        clients=[(README_CLIENT, "your-client-secret",
                  ["api.example.com/read", "api.example.com/write"])],
    ) as iss:
        yield iss


def ours(snippet: str) -> str:
    changed = snippet.replace("from m2m_cognito import",
                              "from cognito_auth.compat.m2m_cognito import")
    assert changed != snippet
    return changed


def test_readme_fetch_token(pool: LocalIssuer) -> None:
    code = ours(README_FETCH).replace("https://your-auth-domain.example.com/oauth2/token",
                                      pool.token_url)
    ns: dict[str, object] = {}
    exec(compile(code, "README", "exec"), ns)  # noqa: S102 - the README's own example
    response = ns["response"]
    assert isinstance(response, compat.TokenResponse)
    assert response.token_type == "Bearer" and response.expires_in == 3600
    assert response.raw["access_token"] == ns["bearer"]
    claims = jwt.decode(str(ns["bearer"]), options={"verify_signature": False})
    assert claims["client_id"] == README_CLIENT
    assert set(claims["scope"].split()) == {"api.example.com/read", "api.example.com/write"}
    # The same snippet with m2m-cognito itself gets a token from the same endpoint.
    upstream: dict[str, object] = {}
    exec(compile(README_FETCH.replace("https://your-auth-domain.example.com/oauth2/token",
                                      pool.token_url), "README", "exec"), upstream)
    assert isinstance(upstream["response"], m2m_cognito.TokenResponse)


def test_readme_validate(pool: LocalIssuer) -> None:
    code = ours(README_VALIDATE).replace(
        "    audience=None,  # omit or set to verify JWT aud\n",
        f"    audience=None,  # omit or set to verify JWT aud\n    jwks_url={pool.jwks_url!r},\n")
    token = pool.access_token(client_id=README_CLIENT, scopes=["api.example.com/read"])
    ns: dict[str, object] = {"jwt_string_from_authorization_header": token}
    exec(compile(code, "README", "exec"), ns)  # noqa: S102
    assert ns["subject_client"] == README_CLIENT
    validated = ns["validated"]
    assert isinstance(validated, compat.ValidatedAccessToken)
    assert validated.scopes == frozenset({"api.example.com/read"})
    assert validated.claims["iss"] == POOL_ISSUER


def test_empty_scopes_and_endpoint_errors(pool: LocalIssuer) -> None:
    client = compat.CognitoM2MClient(token_url=pool.token_url, client_id=README_CLIENT,
                                     client_secret="wrong")
    with pytest.raises(compat.CognitoTokenRequestError, match="non-empty scope"):
        client.fetch_token(scopes=" ")
    with pytest.raises(compat.CognitoTokenRequestError) as info:
        client.fetch_token(scopes="api.example.com/read")
    e = info.value
    assert isinstance(e, compat.M2MCognitoError)
    assert e.status_code == 400 and e.error_code == "invalid_client"
    assert "wrong" not in str(e)


def verdicts(validator: object, tokens: dict[str, str]) -> dict[str, str]:
    out = {}
    for name, token in tokens.items():
        try:
            validator.validate(token)  # type: ignore[attr-defined]
            out[name] = "accepted"
        except Exception as e:  # noqa: BLE001
            out[name] = type(e).__name__
    return out


def test_verdicts_match_m2m_cognito(pool: LocalIssuer) -> None:
    kwargs = dict(region="us-west-2", user_pool_id=POOL,
                  allowed_client_ids={README_CLIENT}, required_scopes={"api.example.com/read"})
    theirs = m2m_cognito.CognitoAccessTokenValidator(**kwargs)  # type: ignore[arg-type]
    theirs._jwks_client = jwt.PyJWKClient(pool.jwks_url)  # the pool's keys, served locally
    mine = compat.CognitoAccessTokenValidator(jwks_url=pool.jwks_url, **kwargs)  # type: ignore[arg-type]

    def tok(**kw: object) -> str:
        args: dict[str, object] = {"client_id": README_CLIENT, "scopes": ["api.example.com/read"]}
        args.update(kw)
        return pool.access_token(**args)  # type: ignore[arg-type]

    tokens = {
        "valid": tok(),
        "expired": tok(expired=True),
        "other client": tok(client_id="stranger"),
        "missing scope": tok(scopes=["api.example.com/write"]),
        "id token": pool.id_token(client_id=README_CLIENT),
        "forged signature": tok(signing="unpublished_key"),
        "other issuer": tok(claims={"iss": "https://cognito-idp.us-west-2.amazonaws.com/x"}),
        "garbage": "not.a.jwt",
    }
    assert verdicts(mine, tokens) == verdicts(theirs, tokens) == {
        "valid": "accepted",
        "expired": "TokenValidationError",
        "other client": "TokenValidationError",
        "missing scope": "InsufficientScopeError",
        "id token": "TokenValidationError",
        "forged signature": "TokenValidationError",
        "other issuer": "TokenValidationError",
        "garbage": "TokenValidationError",
    }
    # Where m2m-cognito lets an exception of another type escape, ours stays typed.
    assert verdicts(mine, {"alg none": tok(signing="none"), "hs256": tok(signing="hs256"),
                           "huge": "a" * 100_000}) == {
        "alg none": "TokenValidationError", "hs256": "TokenValidationError",
        "huge": "TokenValidationError"}


def get(url: str, token: str | None) -> tuple[int, str]:
    req = urllib.request.Request(url)
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        body = e.read().decode()
        e.close()
        return e.code, body


def test_django_cognito_m2m_on_our_validator(pool: LocalIssuer) -> None:
    cfg = {"region": "us-west-2", "user_pool_id": POOL, "jwks_url": pool.jwks_url,
           "allowed_clients": [README_CLIENT]}
    proc, url = start_app("django-cognito-m2m", cfg)
    try:
        def tok(**kw: object) -> str:
            args: dict[str, object] = {"client_id": README_CLIENT, "scopes": ["orders/read"]}
            args.update(kw)
            return pool.access_token(**args)  # type: ignore[arg-type]

        # The matrix's token rows, as django-cognito-m2m answers them on our validator.
        rows = [
            ("/me", None, 401),
            ("/me", tok(), 200),
            ("/me", tok(expired=True), 401),
            ("/me", tok(signing="unpublished_key"), 401),
            ("/me", tok(signing="hs256"), 401),
            ("/me", tok(signing="none"), 401),
            ("/me", pool.id_token(client_id=README_CLIENT), 401),
            ("/me", tok(client_id="svc-z"), 403),
            ("/orders", tok(), 200),
            ("/orders", tok(scopes=["items/read"]), 403),
            ("/drf/orders", tok(), 200),
            ("/drf/orders", tok(scopes=["items/read"]), 403),
            ("/drf/orders", tok(expired=True), 401),
            ("/drf/orders", None, 401),
        ]
        got = [(path, get(url + path, token)[0]) for path, token, _ in rows]
        assert got == [(path, status) for path, _, status in rows]
        assert get(url + "/me", tok())[1] == f"client:{README_CLIENT}"
    finally:
        proc.kill()
        proc.wait(timeout=10)
        assert proc.stdout is not None
        proc.stdout.close()
