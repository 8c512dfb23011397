"""People, against the strict user-pool peer of the Rust test suite (moto cannot serve
these): server-side SRP that checks the proof (a wrong password fails), SECRET_HASH for the
user name of each step, device confirmation and remembered-device SRP, the choice-based
and passwordless flows with codes from the peer's inbox, custom-challenge rounds, the
recorded MFA-selection, e-mail MFA, revocation and unknown-challenge exchanges."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import asyncio
import json

from cognito_aws import Peer, authenticator_response, strict_peer
import conftest

from cognito_auth import Challenge, DeviceCredentials, Session, UserPool, Verifier
from cognito_auth.exceptions import (
    CodeMismatchError,
    NotAuthorizedError,
    TooManyRequestsError,
    UnknownChallengeError,
    UserPoolError,
)


@pytest.fixture(scope="module")
def peer_bin() -> Path:
    return conftest.test_bin("user_peer")


@pytest.fixture
def peer(peer_bin: Path) -> Iterator[Peer]:
    with strict_peer(peer_bin) as p:
        yield p


def pool(peer: Peer, **kw: object) -> UserPool:
    return UserPool(
        user_pool_id=peer.pool,
        client_id=peer.client,
        client_secret=peer.secret,
        endpoint=peer.url,
        **kw,  # type: ignore[arg-type]
    )


def test_srp_proof_is_checked_and_tokens_verify(peer: Peer) -> None:
    p = pool(peer)
    with pytest.raises(NotAuthorizedError) as e:
        p.sign_in(peer.alias, "Not-The-Password-1")
    assert "Not-The-Password-1" not in str(e.value)
    session = p.sign_in(peer.alias, peer.password)
    assert isinstance(session, Session)
    # The session names the internal user (USER_ID_FOR_SRP), not the alias signed in with.
    assert session.username == peer.user_id
    verifier = Verifier(
        issuer=peer.issuer, jwks_json=peer.jwks, token_use="access", allowed_clients=[peer.client]
    )
    assert verifier.verify(session.access_token()).client_id == peer.client


def test_device_confirmation_then_device_srp(peer: Peer) -> None:
    p = pool(peer)
    session = p.sign_in(peer.alias, peer.password)
    assert isinstance(session, Session)
    new_device = session.new_device
    assert new_device is not None
    creds, _necessary = session.confirm_device("laptop")
    assert (creds.device_key, creds.device_group_key) == new_device
    assert session.device_key == creds.device_key
    assert session.new_device is None
    # Once confirmed, every refresh names the device (or Cognito tracks a new one).
    session.refresh()
    assert peer.refresh_device_keys() == [creds.device_key]
    assert "device_password" in repr(creds) and creds.to_dict()["device_password"] not in repr(creds)

    stored = DeviceCredentials.from_dict(creds.to_dict())
    again = p.sign_in(peer.alias, peer.password, device=stored)
    assert isinstance(again, Session)
    log = peer.log()
    assert log.count("RespondToAuthChallenge") >= 3  # PASSWORD_VERIFIER, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER

    # A forged device password fails the device proof.
    forged = DeviceCredentials(creds.device_key, creds.device_group_key, "not-the-device-password")
    with pytest.raises(NotAuthorizedError):
        p.sign_in(peer.alias, peer.password, device=forged)


def test_choice_based_email_code_wrong_then_right(peer: Peer) -> None:
    p = pool(peer)
    step = p.sign_in(peer.alias, flow="user_auth")
    assert isinstance(step, Challenge) and step.name == "SELECT_CHALLENGE"
    assert {"password", "password_srp", "email_otp", "sms_otp"} <= set(step.available)
    step = step.choose("email_otp")
    assert isinstance(step, Challenge) and step.name == "EMAIL_OTP"
    code = peer.inbox("EMAIL")
    assert len(code) == 8
    wrong = "00000000" if code != "00000000" else "11111111"
    with pytest.raises(CodeMismatchError):
        step.answer(wrong)
    session = step.answer(code)  # the same challenge: its session was kept
    assert isinstance(session, Session)


def test_choice_based_sms_and_password_srp(peer: Peer) -> None:
    p = pool(peer)
    step = p.sign_in(peer.alias, flow="user_auth", factor="sms_otp")
    assert isinstance(step, Challenge) and step.name == "SMS_OTP"
    assert isinstance(step.answer(peer.inbox("SMS")), Session)

    step = p.sign_in(peer.alias, flow="user_auth")
    assert isinstance(step, Challenge)
    with pytest.raises(ValueError):
        step.choose("password_srp")  # needs the password
    with pytest.raises(NotAuthorizedError):
        step.choose("password_srp", password="Wrong-Password-9")
    step = p.sign_in(peer.alias, flow="user_auth")
    assert isinstance(step, Challenge)
    assert isinstance(step.choose("password_srp", password=peer.password), Session)


def test_custom_challenge_rounds(peer: Peer) -> None:
    p = pool(peer)
    answers = {"2+2": "4", "3*3": "9"}

    def question(step: object) -> str:
        assert isinstance(step, Challenge) and step.name == "CUSTOM_CHALLENGE"
        return next(v for v in step.parameters.values() if v in answers)

    # A wrong answer gets the question again (the trigger's choice); three end the sign-in.
    step = p.sign_in(peer.alias, flow="custom")
    q = question(step)
    step = step.answer("41")  # type: ignore[union-attr]
    assert question(step) == q
    step = step.answer("41")  # type: ignore[union-attr]
    with pytest.raises(NotAuthorizedError):
        step.answer("41")  # type: ignore[union-attr]

    # SRP first (the strict proof), then every round.
    step = p.sign_in(peer.alias, peer.password, flow="custom")
    rounds = 0
    while isinstance(step, Challenge):
        step = step.answer(answers[question(step)])
        rounds += 1
    assert isinstance(step, Session)
    assert rounds == 2


def test_recorded_mfa_selection_and_email_mfa(peer: Peer) -> None:
    p = pool(peer)
    step = p.sign_in("sam", "any-password", flow="password")
    assert isinstance(step, Challenge) and step.name == "SELECT_MFA_TYPE"
    assert sorted(step.options) == ["sms", "totp"]
    step = step.select_mfa("totp")
    assert isinstance(step, Challenge) and step.name == "SOFTWARE_TOKEN_MFA"
    assert isinstance(step.answer("654321"), Session)

    step = p.sign_in("emma", "any-password", flow="password")
    assert isinstance(step, Challenge) and step.name == "EMAIL_OTP"
    assert step.destination
    assert isinstance(step.answer("12345678"), Session)


def test_unknown_challenge_keeps_its_name_and_parameters(peer: Peer) -> None:
    with pytest.raises(UnknownChallengeError) as e:
        pool(peer).sign_in("future", "any-password", flow="password")
    assert e.value.name == "PALM_SCAN"
    assert e.value.parameters == {"hint": "left hand"}


def test_revocation(peer: Peer) -> None:
    p = pool(peer)
    p.restore_session(access_token="a", refresh_token="rt-original").revoke()
    with pytest.raises(UserPoolError) as e:
        p.restore_session(access_token="a", refresh_token="rt-unknown").revoke()
    assert e.value.code == "UnsupportedTokenTypeException"


def test_passkey_registration_then_passkey_sign_in(peer: Peer) -> None:
    p = pool(peer)
    session = p.sign_in(peer.alias, peer.password)
    assert isinstance(session, Session)
    options = json.loads(session.start_passkey_registration())
    assert options["rp"]["id"] == "app.example.com"
    session.complete_passkey_registration(
        authenticator_response("webauthn.create", options["challenge"], "key-1")
    )
    assert [k["credential_id"] for k in session.list_passkeys()] == ["key-1"]

    step = p.sign_in(peer.alias, flow="user_auth", factor="web_authn")
    assert isinstance(step, Challenge) and step.name == "WEB_AUTHN"
    request = json.loads(step.credential_request_options or "{}")
    # An assertion for another challenge is refused; the real one signs in.
    with pytest.raises(UserPoolError):
        step.answer(authenticator_response("webauthn.get", "not-the-challenge", "key-1"))
    step = p.sign_in(peer.alias, flow="user_auth", factor="web_authn")
    assert isinstance(step, Challenge)
    request = json.loads(step.credential_request_options or "{}")
    done = step.answer(authenticator_response("webauthn.get", request["challenge"], "key-1"))
    assert isinstance(done, Session)

    session.delete_passkey("key-1")
    assert session.list_passkeys() == []


def test_client_metadata_reaches_every_sign_in_call(peer: Peer) -> None:
    p = pool(peer, client_metadata={"app": "python", "tenant": "t-1"})
    step = p.sign_in(peer.alias, flow="user_auth", factor="email_otp")
    assert isinstance(step, Challenge)
    assert isinstance(step.answer(peer.inbox("EMAIL")), Session)
    sent = peer.metadata()
    assert len(sent) == 2  # InitiateAuth and RespondToAuthChallenge
    assert all(m == {"app": "python", "tenant": "t-1"} for m in sent)


def test_recorded_devices_listing_remembering_forgetting(peer: Peer) -> None:
    session = pool(peer).sign_in(peer.alias, peer.password)
    assert isinstance(session, Session)
    devices = session.list_devices()  # two pages
    assert [d["device_key"] for d in devices] == ["us-east-1_11111111-aaaa", "us-east-1_22222222-bbbb"]
    assert devices[0]["attributes"]["device_name"] == "laptop"
    session.remember_device(False, device_key="us-east-1_11111111-aaaa")
    session.forget_device("us-east-1_22222222-bbbb")


def test_recorded_account_calls(peer: Peer) -> None:
    p = pool(peer)
    sent = p.resend_confirmation_code("newuser")
    assert sent == {"destination": "n***@e***.com", "medium": "EMAIL", "attribute": "email"}
    assert asyncio.run(p.aresend_confirmation_code("newuser")) == sent
    with pytest.raises(TooManyRequestsError) as e:
        p.resend_confirmation_code("ratelimited")
    assert e.value.code == "LimitExceededException"

    session = p.sign_in(peer.alias, peer.password)
    assert isinstance(session, Session)
    with pytest.raises(CodeMismatchError):
        session.verify_attribute("email", "000000")
    session.verify_attribute("email", "123456")
    session.delete_user()
