"""Raw AWS-JSON calls to moto's server (what the tests set up pools, users and identity
pools with), a real RFC 6238 TOTP, and the strict user-pool peer of the Rust test suite."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class AwsError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


def call(
    url: str, target: str, body: dict[str, Any], service: str = "AWSCognitoIdentityProviderService"
) -> tuple[dict[str, Any], dict[str, str]]:
    """POST one AWS-JSON call; returns the body and the response headers."""
    req = urllib.request.Request(
        url.rstrip("/") + "/",
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"{service}.{target}",
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"{}"), dict(r.headers)
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = {"raw": raw.decode(errors="replace")}
        raise AwsError(e.code, parsed) from None


def idp(url: str, target: str, **body: Any) -> dict[str, Any]:
    return call(url, target, body)[0]


@dataclass
class Pool:
    url: str
    pool_id: str
    client_id: str
    client_secret: str | None

    @property
    def jwks_url(self) -> str:
        return f"{self.url.rstrip('/')}/{self.pool_id}/.well-known/jwks.json"

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.us-east-1.amazonaws.com/{self.pool_id}"

    def user(self, username: str, password: str, **attributes: str) -> None:
        """A confirmed user with a permanent password."""
        idp(
            self.url,
            "AdminCreateUser",
            UserPoolId=self.pool_id,
            Username=username,
            MessageAction="SUPPRESS",
            UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
        )
        idp(
            self.url,
            "AdminSetUserPassword",
            UserPoolId=self.pool_id,
            Username=username,
            Password=password,
            Permanent=True,
        )


def new_pool(url: str, *, secret: bool = False, mfa: str = "OFF", **pool: Any) -> Pool:
    """A user pool of the test's own, with an app client allowing every user flow."""
    body: dict[str, Any] = {"PoolName": f"py-{uuid.uuid4().hex[:10]}", "MfaConfiguration": mfa}
    body.update(pool)
    pool_id = idp(url, "CreateUserPool", **body)["UserPool"]["Id"]
    if mfa != "OFF":
        idp(
            url,
            "SetUserPoolMfaConfig",
            UserPoolId=pool_id,
            SoftwareTokenMfaConfiguration={"Enabled": True},
            MfaConfiguration=mfa,
        )
    client = idp(
        url,
        "CreateUserPoolClient",
        UserPoolId=pool_id,
        ClientName="app",
        GenerateSecret=secret,
        ExplicitAuthFlows=[
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_ADMIN_USER_PASSWORD_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
    )["UserPoolClient"]
    return Pool(url, pool_id, client["ClientId"], client.get("ClientSecret"))


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238: SHA-1, 30-second steps, six digits (what authenticator apps compute)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


@dataclass
class Peer:
    url: str
    control: str
    pool: str
    client: str
    secret: str
    alias: str
    user_id: str
    password: str
    issuer: str
    jwks: str

    def inbox(self, channel: str) -> str:
        with urllib.request.urlopen(f"{self.control}/inbox/{channel}", timeout=5) as r:
            return str(r.read().decode())

    def metadata(self) -> list[Any]:
        with urllib.request.urlopen(f"{self.control}/metadata", timeout=5) as r:
            result: list[Any] = json.loads(r.read())
            return result

    def refresh_device_keys(self) -> list[str | None]:
        with urllib.request.urlopen(f"{self.control}/refresh-device-keys", timeout=5) as r:
            result: list[str | None] = json.loads(r.read())
            return result

    def log(self) -> list[str]:
        with urllib.request.urlopen(f"{self.control}/log", timeout=5) as r:
            result: list[str] = json.loads(r.read())
            return result


@contextmanager
def strict_peer(binary: Path) -> Iterator[Peer]:
    """The Rust test suite's strict user-pool peer (server-side SRP, devices, choice-based
    flows, recorded exchanges), in a child process stopped on exit."""
    proc = subprocess.Popen(
        [str(binary)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        yield Peer(**info)
    finally:
        if proc.stdin:
            proc.stdin.close()
        if proc.stdout:
            proc.stdout.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def authenticator_response(kind: str, challenge: str, credential_id: str) -> str:
    """What a platform authenticator returns (``PublicKeyCredential`` as JSON), binding the
    challenge in ``clientDataJSON`` (the peer checks type, challenge and credential id)."""

    def b64(b: bytes) -> str:
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

    client_data = json.dumps(
        {"type": kind, "challenge": challenge, "origin": "https://app.example.com"}
    ).encode()
    return json.dumps(
        {
            "id": credential_id,
            "rawId": credential_id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(client_data),
                "authenticatorData": b64(bytes(37)),
                "signature": b64(bytes([1]) * 64),
            },
            "clientExtensionResults": {},
        }
    )
