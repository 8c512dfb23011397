"""Verifier: every check of the core, its errors as Python exceptions, threads and asyncio."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import subprocess
import threading
from pathlib import Path

import pytest
from conftest import LoopTicker

import cognito_auth
from cognito_auth import (
    ClientNotAllowed,
    ConfigurationError,
    Forbidden,
    InsufficientScope,
    KeysUnavailable,
    NotAuthenticated,
    TokenError,
    Verifier,
)
from cognito_auth.testing import LocalIssuer


def make(issuer: LocalIssuer, **kw: object) -> Verifier:
    args: dict[str, object] = {"issuer": issuer.issuer, "token_use": "access",
                               "allowed_clients": ["worker", "other"]}
    args.update(kw)
    return Verifier(**args)  # type: ignore[arg-type]


def test_valid_token_attributes(issuer: LocalIssuer) -> None:
    v = make(issuer)
    raw = issuer.access_token(client_id="worker", scopes=["orders/read", "orders/write"],
                              groups=["ops"], username="robot")
    t = v.verify(raw)
    assert t.client_id == "worker"
    assert t.scopes == frozenset({"orders/read", "orders/write"})
    assert isinstance(t.scopes, frozenset)
    assert t.groups == ("ops",)
    assert t.username == "robot"
    assert t.token_use == "access"
    assert t.issuer == issuer.issuer
    assert t.exp.tzinfo is dt.timezone.utc
    assert t.exp > dt.datetime.now(dt.timezone.utc)
    assert t.claims["client_id"] == "worker"
    assert t.claims["cognito:groups"] == ["ops"]
    assert t.has_scope("orders/read") and not t.has_scope("orders/delete")
    assert t.has_scopes("orders/read", "x", match="any")
    assert not t.has_scopes("orders/read", "x")
    assert t.in_group("ops") and t.is_authenticated
    assert raw not in repr(t)
    assert t == v.verify(raw) and hash(t) == hash(v.verify(raw))
    assert cognito_auth.ServicePrincipal is type(t)


@pytest.mark.parametrize(
    ("kwargs", "exc", "reason", "status"),
    [
        ({"expired": True}, NotAuthenticated, "expired", 401),
        ({"signing": "unpublished_key"}, NotAuthenticated, "invalid_signature", 401),
        ({"signing": "hs256"}, NotAuthenticated, "unsupported_algorithm", 401),
        ({"signing": "es256"}, NotAuthenticated, "unsupported_algorithm", 401),
        ({"signing": "none"}, NotAuthenticated, "unsupported_algorithm", 401),
        ({"claims": {"iss": "https://evil.example.com"}}, NotAuthenticated, "wrong_issuer", 401),
        ({"claims": {"token_use": "id"}}, NotAuthenticated, "wrong_token_use", 401),
        ({"claims": {"exp": None}}, NotAuthenticated, "missing_claim", 401),
        ({"claims": {"exp": "soon"}}, NotAuthenticated, "invalid_claim", 401),
        ({"client_id": "stranger"}, ClientNotAllowed, "client_not_allowed", 403),
    ],
)
def test_rejections_are_typed(issuer: LocalIssuer, kwargs: dict[str, object],
                              exc: type[TokenError], reason: str, status: int) -> None:
    args: dict[str, object] = {"client_id": "worker"}
    args.update(kwargs)
    raw = issuer.access_token(**args)  # type: ignore[arg-type]
    with pytest.raises(exc) as info:
        make(issuer).verify(raw)
    assert info.value.reason == reason
    assert info.value.status == status
    assert raw not in str(info.value) and raw not in repr(info.value)


def test_id_token_needs_token_use_id(issuer: LocalIssuer) -> None:
    raw = issuer.id_token(client_id="worker", username="alice")
    with pytest.raises(NotAuthenticated) as info:
        make(issuer).verify(raw)
    assert info.value.reason == "wrong_token_use"
    t = make(issuer, token_use="id").verify(raw)
    assert t.token_use == "id" and t.username == "alice"
    assert make(issuer, token_use="any").verify(raw).client_id == "worker"


def test_scopes_all_and_any(issuer: LocalIssuer) -> None:
    raw = issuer.access_token(client_id="worker", scopes=["orders/read"])
    with pytest.raises(InsufficientScope) as info:
        make(issuer, scopes=["orders/read", "orders/write"]).verify(raw)
    e = info.value
    assert isinstance(e, Forbidden) and e.status == 403 and e.reason == "insufficient_scope"
    assert e.token_scopes == {"orders/read"}
    assert e.required_scopes == {"orders/read", "orders/write"}
    assert e.scope_match == "all"
    ok = make(issuer, scopes="orders/read orders/write", scope_match="any").verify(raw)
    assert ok.client_id == "worker"


def test_groups_and_audience(issuer: LocalIssuer) -> None:
    v = make(issuer, groups=["admins"])
    with pytest.raises(Forbidden) as info:
        v.verify(issuer.access_token(client_id="worker", groups=["users"]))
    assert info.value.reason == "missing_group"
    assert v.verify(issuer.access_token(client_id="worker", groups=["admins"]))
    va = make(issuer, audience=["api://orders"])
    with pytest.raises(NotAuthenticated) as info2:
        va.verify(issuer.access_token(client_id="worker", claims={"aud": "api://other"}))
    assert info2.value.reason == "wrong_audience"
    assert va.verify(issuer.access_token(client_id="worker", claims={"aud": "api://orders"}))


def test_any_client_is_explicit(issuer: LocalIssuer) -> None:
    with pytest.raises(ConfigurationError):
        Verifier(issuer=issuer.issuer, token_use="access")
    with pytest.raises(ConfigurationError):
        Verifier(issuer=issuer.issuer, token_use="access", allowed_clients=["a"], any_client=True)
    v = Verifier(issuer=issuer.issuer, token_use="access", any_client=True)
    assert v.verify(issuer.access_token(client_id="anyone")).client_id == "anyone"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"token_use": "refresh"},
        {"scope_match": "some"},
        {"leeway": -1},
        {"leeway": 10_000},
        {"user_pool_id": "eu-west-1_x", "issuer": "https://x"},
        {},
    ],
)
def test_configuration_errors(issuer: LocalIssuer, kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"issuer": issuer.issuer, "token_use": "access",
                               "any_client": True}
    args.update(kwargs)
    if not kwargs:
        args.pop("token_use")
    with pytest.raises(ConfigurationError) as info:
        Verifier(**args)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)


def test_user_pool_id_builds_the_cognito_issuer() -> None:
    v = Verifier(user_pool_id="eu-west-1_AbC123", token_use="access", any_client=True)
    assert "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123" in v.issuers
    r = Verifier(user_pool_id="eu-west-1_AbC123", token_use="access", any_client=True,
                 replica_regions=["us-east-1"])
    assert "https://cognito-idp.us-east-1.amazonaws.com/eu-west-1_AbC123" in r.issuers


def test_from_env(issuer: LocalIssuer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COGNITO_ISSUER", issuer.issuer)
    monkeypatch.setenv("COGNITO_TOKEN_USE", "access")
    monkeypatch.setenv("COGNITO_CLIENT_IDS", "worker")
    monkeypatch.setenv("COGNITO_REQUIRED_SCOPES", "orders/read")
    v = Verifier.from_env()
    assert isinstance(v, Verifier) and hasattr(v, "averify")
    assert v.verify(issuer.access_token(client_id="worker", scopes=["orders/read"]))
    with pytest.raises(InsufficientScope):
        v.verify(issuer.access_token(client_id="worker"))
    monkeypatch.delenv("COGNITO_TOKEN_USE")
    with pytest.raises(ConfigurationError):
        Verifier.from_env()


def test_offline_keys(issuer: LocalIssuer, tmp_path: object) -> None:
    import pathlib

    path = pathlib.Path(str(tmp_path)) / "jwks.json"
    path.write_text(issuer.jwks_json())
    before = issuer.jwks_requests()
    for v in (make(issuer, jwks_file=path), make(issuer, jwks_json=issuer.jwks_json())):
        assert v.verify(issuer.access_token(client_id="worker")).client_id == "worker"
    assert issuer.jwks_requests() == before


def test_keys_unavailable_is_503() -> None:
    v = Verifier(issuer="http://127.0.0.1:9", token_use="access", any_client=True)
    with LocalIssuer() as other:
        raw = other.access_token(client_id="x", claims={"iss": "http://127.0.0.1:9"})
    with pytest.raises(KeysUnavailable) as info:
        v.verify(raw)
    assert info.value.status == 503 and info.value.reason == "jwks_unavailable"


def test_key_rotation_is_followed(fresh_issuer: LocalIssuer) -> None:
    v = make(fresh_issuer)
    assert v.verify(fresh_issuer.access_token(client_id="worker"))
    fresh_issuer.rotate_key()
    assert v.verify(fresh_issuer.access_token(client_id="worker"))
    assert fresh_issuer.jwks_requests() == 2


def _segments(raw: str) -> list[str]:
    return raw.split(".")


def _b64(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def hostile(issuer: LocalIssuer) -> list[tuple[str, str, str]]:
    """Malformed and forged tokens with the reason each must be rejected for (the corpus of
    the Rust crate's bad-input tests, built here from a real token of the issuer)."""
    valid = issuer.access_token(client_id="worker")
    h, p, s = _segments(valid)
    header = json.loads(base64.urlsafe_b64decode(h + "=="))
    payload = json.loads(base64.urlsafe_b64decode(p + "=="))
    dup = base64.urlsafe_b64encode(b'{"alg":"RS256","alg":"none"}').rstrip(b"=").decode()
    return [
        ("empty", "", "malformed"),
        ("one segment", "abc", "malformed"),
        ("two segments", f"{h}.{p}", "malformed"),
        ("four segments", f"{valid}.x", "malformed"),
        ("empty signature", f"{h}.{p}.", "malformed"),
        ("only dots", "..", "malformed"),
        ("header not base64", f"!!!.{p}.{s}", "invalid_base64"),
        ("padded base64", f"{h}=.{p}.{s}", "invalid_base64"),
        ("leading space", f" {valid}", "invalid_base64"),
        ("header not JSON", f"{_b64('x')[:-1]}A.{p}.{s}", "invalid_json"),
        ("header a list", f"{_b64([1])}.{p}.{s}", "invalid_json"),
        ("duplicate key", f"{dup}.{p}.{s}", "duplicate_key"),
        ("alg none", f"{_b64({**header, 'alg': 'none'})}.{p}.", "unsupported_algorithm"),
        ("alg HS256", f"{_b64({**header, 'alg': 'HS256'})}.{p}.{s}", "unsupported_algorithm"),
        ("no kid", f"{_b64({'alg': 'RS256'})}.{p}.{s}", "missing_kid"),
        ("unknown kid", f"{_b64({**header, 'kid': 'nope'})}.{p}.{s}", "unknown_kid"),
        ("jku ignored", f"{_b64({**header, 'jku': 'https://evil/jwks.json'})}.{p}.{s}",
         "invalid_signature"),
        ("crit", f"{_b64({**header, 'crit': ['exp']})}.{p}.{s}", "unsupported_critical_header"),
        ("payload swapped after signing",
         f"{h}.{_b64({**payload, 'scope': 'orders/read orders/admin'})}.{s}",
         "invalid_signature"),
        ("signature flipped", f"{h}.{p}.{s[:-2]}AA", "invalid_signature"),
        ("huge", "a" * 100_000, "token_too_large"),
        ("NUL bytes", "\x00" * 10, "malformed"),
        ("non-ASCII", "é.é.é", "invalid_base64"),
        ("deep JSON", f"{_b64('[' * 100 + ']' * 100)}.{p}.{s}", "invalid_json"),
    ]


def test_hostile_tokens_raise_typed_errors(issuer: LocalIssuer) -> None:
    v = make(issuer)
    wrong = []
    for name, raw, reason in hostile(issuer):
        try:
            v.verify(raw)
            wrong.append(f"{name}: accepted")
        except NotAuthenticated as e:
            if e.reason != reason:
                wrong.append(f"{name}: {e.reason}, expected {reason}")
        except Exception as e:  # noqa: BLE001 - the point: nothing else may escape
            wrong.append(f"{name}: {type(e).__name__}: {e}")
    assert wrong == []


KINDS: dict[str, type[TokenError]] = {
    "not_authenticated": NotAuthenticated,
    "forbidden": Forbidden,
    "unavailable": KeysUnavailable,
}


def test_rust_corpus_raises_typed_errors(hostile_tokens_bin: Path) -> None:
    """Every case of the Rust crate's corpus (crates/cognito-auth-testsuite/src/hostile.rs),
    judged by the same verifier settings from Python: the right exception class and reason,
    never another exception, never a crash."""
    doc = json.loads(subprocess.run([str(hostile_tokens_bin)], check=True,
                                    capture_output=True, text=True).stdout)
    v = Verifier(issuer=doc["issuer"], jwks_json=doc["jwks"], token_use="access",
                 allowed_clients=[doc["client"]], scopes=[doc["scope"]])
    assert len(doc["cases"]) >= 80
    wrong = []
    for case in doc["cases"]:
        expected = KINDS[case["kind"]]
        try:
            v.verify(case["token"])
            wrong.append(f"{case['name']}: accepted")
        except TokenError as e:
            if not isinstance(e, expected) or e.reason != case["reason"]:
                wrong.append(f"{case['name']}: {type(e).__name__}/{e.reason}, expected "
                             f"{expected.__name__}/{case['reason']}")
            if case["token"] and case["token"] in str(e):
                wrong.append(f"{case['name']}: the message holds the token")
        except Exception as e:  # noqa: BLE001 - the point: nothing else may escape
            wrong.append(f"{case['name']}: {type(e).__name__}: {e}")
    assert wrong == []


def test_non_string_token_is_type_error(issuer: LocalIssuer) -> None:
    with pytest.raises(TypeError):
        make(issuer).verify(b"bytes")  # type: ignore[arg-type]


def test_threads_share_one_key_fetch(fresh_issuer: LocalIssuer) -> None:
    v = make(fresh_issuer)
    tokens = [fresh_issuer.access_token(client_id="worker", claims={"n": i}) for i in range(64)]
    errors: list[BaseException] = []

    def work(chunk: list[str]) -> None:
        try:
            for t in chunk:
                assert v.verify(t).claims["n"] >= 0
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(tokens[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert fresh_issuer.jwks_requests() == 1


async def test_averify_concurrent_tasks(fresh_issuer: LocalIssuer) -> None:
    v = make(fresh_issuer)
    tokens = [fresh_issuer.access_token(client_id="worker", claims={"n": i}) for i in range(200)]
    results = await asyncio.gather(*(v.averify(t) for t in tokens))
    assert [r.claims["n"] for r in results] == list(range(200))
    assert fresh_issuer.jwks_requests() == 1
    with pytest.raises(NotAuthenticated):
        await v.averify(fresh_issuer.access_token(client_id="worker", expired=True))
    again = await v.averify(tokens[0])  # answered from the cache, no thread hop
    assert again.claims["n"] == 0


async def test_averify_does_not_block_the_loop(fresh_issuer: LocalIssuer) -> None:
    fresh_issuer.set_jwks_status(None)
    v = make(fresh_issuer)
    async with LoopTicker() as loop:
        await asyncio.gather(*(v.averify(fresh_issuer.access_token(client_id="worker",
                                                                   claims={"n": i}))
                               for i in range(50)))
    assert loop.ticks > 0


def test_forked_child_gets_its_own_runtime(fresh_issuer: LocalIssuer) -> None:
    """gunicorn --preload forks a process whose I/O runtime already ran: the child must
    fetch keys and tokens on a runtime of its own, not wait on threads it does not have."""
    import os
    import time

    parent = make(fresh_issuer)
    assert parent.verify(fresh_issuer.access_token(client_id="worker"))  # runtime started
    token = fresh_issuer.access_token(client_id="worker", claims={"n": 1})
    fresh_issuer.rotate_key()
    rotated = fresh_issuer.access_token(client_id="worker", claims={"n": 2})
    pid = os.fork()
    if pid == 0:  # the child: keys fetched over HTTP by a new verifier and the parent's
        code = 1
        try:
            child = make(fresh_issuer)
            code = 0 if child.verify(token).claims["n"] == 1 else 2
            code = code or (0 if parent.verify(rotated).claims["n"] == 2 else 4)
            src = TokenSourceForFork(fresh_issuer)
            code = code or (0 if src.token().access_token else 3)
        finally:
            os._exit(code)
    deadline = time.monotonic() + 30
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            raise AssertionError("the forked child hung")
        time.sleep(0.05)
    assert os.waitstatus_to_exitcode(status) == 0


def TokenSourceForFork(issuer: LocalIssuer) -> cognito_auth.TokenSource:  # noqa: N802
    return cognito_auth.TokenSource(token_url=issuer.token_url, client_id="worker",
                                    client_secret="worker-secret")
