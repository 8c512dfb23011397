"""Identity-pool credentials as a self-refreshing boto3 session, and the boto3 admin module,
against moto's Cognito: boto3 clients made from the session call moto after the credentials
were forced to expire (and after the user-pool tokens had), with no user action, from
several threads at once."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from cognito_aws import Pool, call, new_pool
from conftest import service

from cognito_auth import Challenge, Session, UserPool, Verifier
from cognito_auth.admin import UserPoolAdmin
from cognito_auth.exceptions import RoleSelectionError
from cognito_auth.identity import refreshing_session
from cognito_auth.testing import LocalIssuer

boto3 = pytest.importorskip("boto3")

PASSWORD = "Correct-Horse-9"


@pytest.fixture(scope="module")
def moto() -> str:
    return service("COGNITO_TEST_MOTO_URL")


@pytest.fixture(autouse=True)
def fake_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # boto3's own clients (admin) sign with something; moto does not check it.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def identity_pool(moto: str, p: Pool) -> str:
    body, _ = call(
        moto,
        "CreateIdentityPool",
        {
            "IdentityPoolName": "py_pool",
            "AllowUnauthenticatedIdentities": False,
            "CognitoIdentityProviders": [
                {
                    "ProviderName": f"cognito-idp.us-east-1.amazonaws.com/{p.pool_id}",
                    "ClientId": p.client_id,
                }
            ],
        },
        service="AWSCognitoIdentityService",
    )
    return str(body["IdentityPoolId"])


def signed_in(p: Pool, username: str) -> tuple[UserPool, Session]:
    p.user(username, PASSWORD)
    pool = UserPool(user_pool_id=p.pool_id, client_id=p.client_id, endpoint=p.url)
    session = pool.sign_in(username, PASSWORD)
    assert isinstance(session, Session)
    return pool, session


def test_refreshing_session_survives_expiry_on_both_layers(moto: str) -> None:
    p = new_pool(moto)
    identity_pool_id = identity_pool(moto, p)
    pool, first = signed_in(p, "ivy")
    # Stored tokens that have already expired: the first credentials renew them first.
    stored = first.to_dict()
    session = pool.restore_session(
        access_token=stored["access_token"],
        id_token=stored["id_token"],
        refresh_token=stored["refresh_token"],
        username="ivy",
        expires_at=time.time() - 5,
    )
    aws = refreshing_session(identity_pool_id, tokens=session, endpoint_url=moto, margin=30)
    assert session.to_dict()["access_token"] != stored["access_token"]  # user-pool layer renewed
    assert aws.cognito_refreshes.value == 1
    assert aws.region_name == "us-east-1"

    idp = aws.client("cognito-idp", endpoint_url=moto)
    assert any(u["Id"] == p.pool_id for u in idp.list_user_pools(MaxResults=60)["UserPools"])

    # Force the AWS credentials to expire: the next call refreshes them by itself.
    creds = aws.get_credentials()
    creds._expiry_time = datetime.now(timezone.utc) - timedelta(seconds=1)
    idp.list_user_pools(MaxResults=1)
    assert aws.cognito_refreshes.value == 2

    # Again, from several threads at once: every call succeeds.
    creds._expiry_time = datetime.now(timezone.utc) - timedelta(seconds=1)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            aws.client("cognito-idp", endpoint_url=moto).list_user_pools(MaxResults=1)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert aws.cognito_refreshes.value >= 3

    meta = aws.cognito_credentials.credentials()
    assert meta["identity_id"].startswith("us-east-1:")
    assert meta["secret_key"] not in repr(aws.cognito_credentials)


def test_role_suffix_must_match_exactly_one_role(moto: str) -> None:
    roles = [
        "arn:aws:iam::123456789012:role/app-Reader",
        "arn:aws:iam::123456789012:role/legacy-Reader",
        "arn:aws:iam::123456789012:role/app-Writer",
    ]
    with LocalIssuer(pool_id="us-east-1_Roles") as iss:
        id_token = iss.id_token(username="jo", claims={"cognito:roles": roles})
        pool = UserPool(user_pool_id="us-east-1_Roles", client_id="c", endpoint=moto)
        session = pool.restore_session(
            access_token=iss.access_token(), id_token=id_token, expires_at=time.time() + 3600
        )
        with pytest.raises(RoleSelectionError) as e:
            refreshing_session("us-east-1:00000000-0000-0000-0000-000000000000", tokens=session, role_suffix="-Reader", endpoint_url=moto)
        assert sorted(e.value.candidates) == sorted(roles[:2])
        with pytest.raises(RoleSelectionError) as e:
            refreshing_session("us-east-1:00000000-0000-0000-0000-000000000000", tokens=session, role_suffix="-Admin", endpoint_url=moto)
        assert sorted(e.value.candidates) == sorted(roles)


def test_admin_users_groups_and_admin_sign_in(moto: str) -> None:
    p = new_pool(moto, secret=True)
    admin = UserPoolAdmin(p.pool_id, endpoint_url=moto)
    admin.create_group("analysts", description="read only")
    admin.create_user("kim", temporary_password="Temp-Passw0rd!", attributes={"email": "kim@example.com"})
    admin.add_user_to_group("kim", "analysts")
    assert admin.list_groups_for_user("kim") == ["analysts"]
    assert admin.list_users_in_group("analysts") == ["kim"]
    assert "analysts" in admin.list_groups()
    assert admin.get_user("kim")["attributes"]["email"] == "kim@example.com"
    assert [u["username"] for u in admin.list_users()] == ["kim"]

    pool = UserPool(
        user_pool_id=p.pool_id, client_id=p.client_id, client_secret=p.client_secret, endpoint=moto
    )
    step = admin.sign_in(pool, "kim", "Temp-Passw0rd!")
    assert isinstance(step, Challenge) and step.name == "NEW_PASSWORD_REQUIRED"
    session = step.new_password(PASSWORD)
    assert isinstance(session, Session)
    claims = Verifier(
        issuer=p.issuer, jwks_url=p.jwks_url, token_use="access", allowed_clients=[p.client_id]
    ).verify(session.access_token())
    assert claims.in_group("analysts")

    admin.remove_user_from_group("kim", "analysts")
    assert admin.list_groups_for_user("kim") == []
    admin.disable_user("kim")
    assert admin.get_user("kim")["enabled"] is False
    admin.delete_user("kim")
    assert list(admin.list_users()) == []
