"""People, against moto's Cognito (a third-party emulator, started by scripts/test.sh with
real TOTP checking): SRP sign-in, every challenge moto serves (new password, MFA setup with
a real TOTP, TOTP and SMS MFA) with a wrong code then the right one, sessions that renew
themselves, sign-out, the account flows, asyncio, and secrets that never show."""

from __future__ import annotations

import asyncio
import time

import pytest
from cognito_aws import Pool, call, idp, new_pool, totp
from conftest import LoopTicker, service

from cognito_auth import Challenge, Session, UserPool, Verifier
from cognito_auth.exceptions import (
    CodeMismatchError,
    ConfigurationError,
    InvalidPasswordError,
    NotAuthorizedError,
    UserPoolError,
    WrongAnswerError,
)

PASSWORD = "Correct-Horse-9"


@pytest.fixture(scope="module")
def moto() -> str:
    return service("COGNITO_TEST_MOTO_URL")


def client(p: Pool, **kw: object) -> UserPool:
    return UserPool(
        user_pool_id=p.pool_id,
        client_id=p.client_id,
        client_secret=p.client_secret,
        endpoint=p.url,
        **kw,  # type: ignore[arg-type]
    )


def access_verifier(p: Pool) -> Verifier:
    return Verifier(
        issuer=p.issuer, jwks_url=p.jwks_url, token_use="access", allowed_clients=[p.client_id]
    )


def test_srp_sign_in_gives_a_session_whose_tokens_verify_and_renew(moto: str) -> None:
    p = new_pool(moto, secret=True)
    p.user("alice", PASSWORD, email="alice@example.com")
    pool = client(p)
    session = pool.sign_in("alice", PASSWORD)  # USER_SRP_AUTH (with SECRET_HASH)
    assert isinstance(session, Session)
    token = session.access_token()
    verified = access_verifier(p).verify(token)
    assert verified.username == "alice"
    assert verified.client_id == p.client_id
    assert session.username == "alice"
    assert session.expires_at.timestamp() > time.time() + 3000
    refresh = session.refresh_token
    assert refresh

    # Renewal: moto does not rotate, so the refresh token is kept.
    time.sleep(1.1)  # a new `iat`, so a new token
    session.refresh()
    assert session.access_token() != token
    assert session.refresh_token == refresh
    assert access_verifier(p).verify(session.access_token()).username == "alice"

    # Stored tokens that have expired renew on first use, with no call from the user.
    stored = session.to_dict()
    restored = pool.restore_session(
        access_token=stored["access_token"],
        refresh_token=stored["refresh_token"],
        username=stored["username"],
        expires_at=time.time() - 10,
    )
    assert restored.check_token(renew=False) is True
    fresh = restored.access_token()
    assert fresh != stored["access_token"]
    assert restored.expires_at.timestamp() > time.time() + 3000
    assert restored.check_token() is False


def test_wrong_password_is_not_authorized_and_never_echoed(moto: str) -> None:
    p = new_pool(moto)
    p.user("bob", PASSWORD)
    pool = client(p)
    with pytest.raises(NotAuthorizedError) as e:
        pool.sign_in("bob", "Wrong-Password-1", flow="password")
    assert e.value.code == "NotAuthorizedException"
    assert e.value.operation == "InitiateAuth"
    assert "Wrong-Password-1" not in repr(e.value) and "Wrong-Password-1" not in str(e.value)
    with pytest.raises(ValueError):
        pool.sign_in("bob", flow="srp")  # no password
    with pytest.raises(ValueError):
        pool.sign_in("bob", PASSWORD, flow="magic")


def test_new_password_required_weak_then_strong(moto: str) -> None:
    p = new_pool(moto)
    idp(
        moto,
        "AdminCreateUser",
        UserPoolId=p.pool_id,
        Username="carol",
        TemporaryPassword="Temp-Passw0rd!",
        MessageAction="SUPPRESS",
    )
    pool = client(p)
    step = pool.sign_in("carol", "Temp-Passw0rd!")
    assert isinstance(step, Challenge)
    assert step.name == "NEW_PASSWORD_REQUIRED"
    assert "session" not in repr(step).lower().replace("session=<redacted>", "")
    with pytest.raises(InvalidPasswordError):
        step.new_password("short")
    done = step.new_password(PASSWORD)  # the same challenge, answered again
    assert isinstance(done, Session)
    assert isinstance(pool.sign_in("carol", PASSWORD), Session)


def test_mfa_setup_with_a_real_totp_then_totp_mfa_wrong_then_right(moto: str) -> None:
    p = new_pool(moto, mfa="ON")
    p.user("dave", PASSWORD)
    pool = client(p)
    step = pool.sign_in("dave", PASSWORD)
    assert isinstance(step, Challenge)
    assert step.name == "MFA_SETUP"
    assert step.options == ["totp"]
    setup = step.setup_totp(issuer="Example App")
    assert setup.uri.startswith("otpauth://totp/Example%20App:dave?secret=")
    assert f"secret={setup.secret}&issuer=Example%20App" in setup.uri
    assert setup.secret not in repr(setup)
    wrong = f"{(int(totp(setup.secret)) + 1) % 1_000_000:06d}"
    with pytest.raises(UserPoolError):
        step.answer(wrong)
    done = step.answer(totp(setup.secret))
    assert isinstance(done, Session)

    # The next sign-in asks for the TOTP: a wrong code keeps the challenge.
    step = pool.sign_in("dave", PASSWORD)
    assert isinstance(step, Challenge) and step.name == "SOFTWARE_TOKEN_MFA"
    with pytest.raises(CodeMismatchError) as e:
        step.answer(wrong)
    assert wrong not in str(e.value)
    with pytest.raises(WrongAnswerError):
        step.select_mfa("sms")  # does not fit the challenge
    session = step.answer(totp(setup.secret))
    assert isinstance(session, Session)
    assert session.username == "dave"


def test_sms_mfa_challenge_carries_the_masked_destination(moto: str) -> None:
    p = new_pool(moto, mfa="OPTIONAL")
    p.user("erin", PASSWORD, phone_number="+15555550100", email="erin@example.com")
    idp(
        moto,
        "AdminSetUserMFAPreference",
        UserPoolId=p.pool_id,
        Username="erin",
        SMSMfaSettings={"Enabled": True, "PreferredMfa": True},
    )
    step = client(p).sign_in("erin", PASSWORD)
    assert isinstance(step, Challenge) and step.name == "SMS_MFA"
    assert isinstance(step.answer("123456"), Session)


def test_account_flows(moto: str) -> None:
    p = new_pool(moto)
    pool = client(p)
    signed_up = pool.sign_up("frank", PASSWORD, {"email": "frank@example.com"})
    assert signed_up["user_confirmed"] is False
    assert signed_up["user_sub"]
    pool.confirm_sign_up("frank", "123456")  # moto accepts any code
    session = pool.sign_in("frank", PASSWORD)
    assert isinstance(session, Session)

    user = session.get_user()
    assert user["username"] == "frank"
    assert user["attributes"]["email"] == "frank@example.com"
    session.update_attributes({"name": "Frank"})
    assert session.get_user()["attributes"]["name"] == "Frank"

    # (moto checks passwords on USER_PASSWORD_AUTH only, never SRP proofs: the strict peer
    # of test_user_peer.py does.)
    session.change_password(PASSWORD, "Another-Passw0rd")
    with pytest.raises(NotAuthorizedError):
        pool.sign_in("frank", PASSWORD, flow="password")
    session = pool.sign_in("frank", "Another-Passw0rd", flow="password")
    assert isinstance(session, Session)

    # Password reset: the code travels in moto's response header.
    pool.forgot_password("frank")
    _, headers = call(moto, "ForgotPassword", {"ClientId": p.client_id, "Username": "frank"})
    code = headers["x-moto-forgot-password-confirmation-code"]
    pool.confirm_forgot_password("frank", code, "Third-Passw0rd")
    with pytest.raises(NotAuthorizedError):
        pool.sign_in("frank", "Another-Passw0rd", flow="password")
    session = pool.sign_in("frank", "Third-Passw0rd", flow="password")
    assert isinstance(session, Session)

    # The same flows from asyncio.
    async def flows() -> None:
        up = await pool.asign_up("grace", PASSWORD, {"email": "grace@example.com"})
        assert up["user_confirmed"] is False
        await pool.aconfirm_sign_up("grace", "123456")
        await pool.aforgot_password("grace")
        _, h = call(moto, "ForgotPassword", {"ClientId": p.client_id, "Username": "grace"})
        await pool.aconfirm_forgot_password(
            "grace", h["x-moto-forgot-password-confirmation-code"], "Fourth-Passw0rd"
        )

    asyncio.run(flows())
    assert isinstance(pool.sign_in("grace", "Fourth-Passw0rd", flow="password"), Session)

    # Global sign-out: the session's tokens stop working.
    session.sign_out()
    with pytest.raises(NotAuthorizedError):
        session.get_user()


def test_asyncio_sign_in_and_challenges_never_block_the_loop(moto: str) -> None:
    p = new_pool(moto, mfa="ON")
    p.user("gina", PASSWORD)
    pool = client(p)

    async def main() -> tuple[int, str]:
        async with LoopTicker() as loop:
            step = await pool.asign_in("gina", PASSWORD)
            assert isinstance(step, Challenge)
            setup = await asyncio.to_thread(step.setup_totp)
            session = await step.aanswer(totp(setup.secret))
            assert isinstance(session, Session)
            token = await session.aaccess_token()
            await session.arefresh()
        return loop.ticks, token

    ticks, token = asyncio.run(main())
    assert ticks > 3
    assert access_verifier(p).verify(token).username == "gina"


def test_secrets_never_show(moto: str, capfd: pytest.CaptureFixture[str]) -> None:
    p = new_pool(moto, secret=True)
    p.user("hank", PASSWORD)
    pool = client(p)
    session = pool.sign_in("hank", PASSWORD)
    assert isinstance(session, Session)
    texts = [repr(pool), repr(session), str(session)]
    for secret in [
        PASSWORD,
        p.client_secret or "",
        session.access_token(),
        session.refresh_token or "",
        session.id_token() or "",
    ]:
        assert secret
        for t in texts:
            assert secret not in t
    out, err = capfd.readouterr()
    assert PASSWORD not in out + err and session.access_token() not in out + err


def test_configuration_errors_before_any_request() -> None:
    with pytest.raises(ConfigurationError):
        UserPool(user_pool_id="not-a-pool", client_id="x")
    with pytest.raises(ConfigurationError):
        UserPool(user_pool_id="us-east-1_abc")
    pool = UserPool(user_pool_id="us-east-1_abc", client_id="x", endpoint="http://127.0.0.1:9/")
    with pytest.raises(UserPoolError) as e:
        pool.sign_in("u", "p")
    assert type(e.value).__name__ == "UserPoolUnreachable"
