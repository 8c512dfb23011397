"""Amazon Cognito authentication for Python services, on the Rust core of ``cognito-auth``.

- :class:`Verifier`: validate Cognito access and ID tokens (signature, issuer,
  ``token_use``, client allowlist, audience, scopes, groups) against the pool's JWKS.
- :class:`TokenSource`: client-credentials (M2M) tokens, cached, refreshed ahead of expiry,
  one request however many threads or tasks ask; optionally shared by a fleet through Redis.
- :class:`UserPool`: people sign in (SRP by default) through every challenge
  (:class:`Challenge`), and get a :class:`Session` whose tokens renew themselves;
  sign-up, password reset, devices, MFA. :mod:`cognito_auth.hosted_ui` (browser login with
  PKCE), :mod:`cognito_auth.identity` (identity-pool AWS credentials as a self-refreshing
  boto3 session), :mod:`cognito_auth.admin` (admin operations, on boto3).
- Integrations: :mod:`cognito_auth.requests`, :mod:`cognito_auth.httpx` (bearer
  injection), :mod:`cognito_auth.django`, :mod:`cognito_auth.drf`,
  :mod:`cognito_auth.fastapi` (resource servers), :mod:`cognito_auth.compat.m2m_cognito`
  (drop-in for m2m-cognito), :mod:`cognito_auth.testing` (a local issuer for tests).

Example::

    from cognito_auth import Verifier

    verifier = Verifier(
        user_pool_id="eu-west-1_AbC123",
        token_use="access",
        allowed_clients=["4mw9nqflq0example"],
        scopes=["orders/read"],
    )
    token = verifier.verify(raw_jwt)        # raises NotAuthenticated / Forbidden / KeysUnavailable
    print(token.client_id, sorted(token.scopes))
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# `_aio` (and asyncio, a fifth of a sync program's start-up) is imported by the async
# methods that need it, not here.
from cognito_auth import _native
from cognito_auth._native import (
    AccessToken,
    Challenge,
    DeviceCredentials,
    Session,
    TotpSetup,
    VerifiedToken,
)
from cognito_auth.exceptions import (
    ClientNotAllowed,
    CognitoAuthError,
    ConfigurationError,
    Forbidden,
    InsufficientScope,
    KeysUnavailable,
    NotAuthenticated,
    RequestRefused,
    ThrottledError,
    TokenError,
    TokenRequestError,
    UserPoolError,
)
from cognito_auth.exceptions import (
    CodeMismatchError,
    NotAuthorizedError,
    SessionExpired,
)

__version__: str = _native.__version__

#: The caller of a request, as the web integrations attach it (``request.auth``).
ServicePrincipal = VerifiedToken

__all__ = [
    "AccessToken",
    "Challenge",
    "CodeMismatchError",
    "NotAuthorizedError",
    "SessionExpired",
    "DeviceCredentials",
    "Session",
    "TotpSetup",
    "UserPool",
    "UserPoolError",
    "ClientNotAllowed",
    "CognitoAuthError",
    "ConfigurationError",
    "Forbidden",
    "InsufficientScope",
    "KeysUnavailable",
    "NotAuthenticated",
    "RequestRefused",
    "ServicePrincipal",
    "ThrottledError",
    "TokenError",
    "TokenRequestError",
    "TokenSource",
    "VerifiedToken",
    "Verifier",
    "__version__",
]


class Verifier(_native.Verifier):
    """Verifies Cognito tokens; thread-safe, one key cache and one verified-token cache
    shared by every thread. ``verify`` releases the GIL while it waits or checks a
    signature; ``await averify(...)`` never blocks the event loop.

    Keyword arguments (``token_use`` and a client rule are required):

    - ``user_pool_id`` (``<region>_<id>``, region taken from it unless ``region=``) or
      ``issuer`` (an explicit issuer URL);
    - ``token_use``: ``"access"``, ``"id"`` or ``"any"``;
    - ``allowed_clients=[...]`` or ``any_client=True``;
    - ``scopes`` with ``scope_match="all"|"any"``, ``audience``, ``groups`` (any of);
    - ``leeway`` (seconds, default 5), ``replica_regions``;
    - ``jwks_url`` / ``jwks_file`` / ``jwks_json``: where the keys come from instead of the
      pool's own JWKS URL.
    """

    @classmethod
    def from_env(cls) -> Verifier:
        """A verifier from the ``COGNITO_*`` variables: ``COGNITO_USER_POOL_ID`` (or
        ``COGNITO_ISSUER``), ``COGNITO_REGION``, ``COGNITO_TOKEN_USE`` (required),
        ``COGNITO_CLIENT_IDS`` (required; ``*`` for any), ``COGNITO_AUDIENCE``,
        ``COGNITO_REQUIRED_SCOPES``, ``COGNITO_SCOPE_MATCH``, ``COGNITO_REQUIRED_GROUPS``,
        ``COGNITO_LEEWAY_SECONDS``, ``COGNITO_JWKS_URL``, ``COGNITO_REPLICA_REGIONS``."""
        kwargs: dict[str, Any] = {"_from_env": True}
        return cls(**kwargs)

    async def averify(self, token: str) -> VerifiedToken:
        """:meth:`verify` for asyncio: a token seen before is answered at once, any other
        is verified on the core's I/O threads."""
        hit = self.verify_now(token)
        if hit is not None:
            return hit
        from cognito_auth import _aio

        result: VerifiedToken = await _aio.run(self._verify_in_background, token)
        return result


class TokenSource(_native.TokenSource):
    """Client-credentials tokens for one app client: cached, refreshed ahead of expiry
    (at ``refresh_at`` of their lifetime, default 0.75), one request however many threads
    or tasks ask, ``Retry-After`` honoured, and with ``redis_url=`` one token for the whole
    fleet (``rediss://`` for TLS, ``?cluster=true`` for Redis Cluster).

    ``token()`` is synchronous and thread-safe; ``await atoken()`` is its asyncio twin.
    """

    @classmethod
    def from_env(cls) -> TokenSource:
        """A source from ``COGNITO_DOMAIN`` or ``COGNITO_TOKEN_URL``, ``COGNITO_CLIENT_ID``,
        ``COGNITO_CLIENT_SECRET``, ``COGNITO_SCOPES`` and, to share tokens through Redis,
        ``COGNITO_M2M_REDIS_URL``."""
        kwargs: dict[str, Any] = {"_from_env": True}
        return cls(**kwargs)

    async def atoken(self, scopes: str | Iterable[str] | None = None) -> AccessToken:
        """:meth:`token` for asyncio (never blocks the event loop)."""
        from cognito_auth import _aio

        result: AccessToken = await _aio.run(self._token_in_background, scopes)
        return result


class UserPool(_native.UserPool):
    """A user-pool app client for people. Thread-safe; share one per app client.

    Keyword arguments: ``user_pool_id`` (``<region>_<id>``) and ``client_id`` (required),
    ``client_secret`` (``SECRET_HASH`` is then sent on every call that needs it),
    ``region`` (default: the pool id's prefix), ``endpoint`` (emulators, VPC endpoints),
    ``verify_tokens=True`` (issued tokens are verified against the pool's keys before they
    are returned; ``jwks_url=`` for emulators), ``client_metadata`` (``ClientMetadata`` for
    Lambda triggers, on every call that takes it), ``refresh_margin`` (seconds before expiry
    at which a session renews its tokens; 300).

    Example::

        from cognito_auth import Session, UserPool

        pool = UserPool(user_pool_id="eu-west-1_AbC123", client_id="4mw9nqflq0example")
        step = pool.sign_in("alice", "correct horse")      # SRP: the password stays here
        while not isinstance(step, Session):
            step = step.answer(input(f"{step.name}: "))     # a wrong code: ask again
        token = step.access_token()                          # renewed ahead of expiry
    """

    @classmethod
    def from_env(cls) -> UserPool:
        """A client from ``COGNITO_USER_POOL_ID``, ``COGNITO_CLIENT_ID``,
        ``COGNITO_CLIENT_SECRET``, ``COGNITO_REGION`` and ``COGNITO_IDP_ENDPOINT``."""
        kwargs: dict[str, Any] = {"_from_env": True}
        return cls(**kwargs)
