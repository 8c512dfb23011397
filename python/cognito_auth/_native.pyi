"""Types of the compiled core (``cognito_auth._native``)."""

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from os import PathLike
from typing import Any, Literal, final

__version__: str

_Strings = str | Iterable[str]
_Done = Callable[[bool, Any], None]

class Verifier:
    """Verifies Cognito access or ID tokens against the pool's JWKS: RS256 only, issuer,
    ``token_use``, client rule, audience, scopes, groups, leeway. Thread-safe; one key cache and
    one verified-token cache shared by every thread. ``token_use`` and a client rule
    (``allowed_clients`` or ``any_client=True``) are required."""

    def __init__(
        self,
        *,
        token_use: Literal["access", "id", "any"],
        user_pool_id: str | None = None,
        region: str | None = None,
        issuer: str | None = None,
        allowed_clients: _Strings | None = None,
        any_client: bool = False,
        scopes: _Strings | None = None,
        scope_match: Literal["all", "any"] = "all",
        audience: _Strings | None = None,
        groups: _Strings | None = None,
        leeway: float = 5.0,
        replica_regions: _Strings | None = None,
        jwks_url: str | None = None,
        jwks_file: str | PathLike[str] | None = None,
        jwks_json: str | None = None,
        token_cache_size: int | None = None,
    ) -> None: ...
    @classmethod
    def from_env(cls) -> Verifier: ...
    def verify(self, token: str) -> VerifiedToken:
        """The token's claims, or raises ``NotAuthenticated`` (401), ``Forbidden`` (403:
        ``InsufficientScope``, ``ClientNotAllowed``) or ``KeysUnavailable`` (503). The GIL is
        released while keys are fetched or a signature checked."""
    def verify_now(self, token: str) -> VerifiedToken | None:
        """The answer for a token verified before (a cache lookup that never waits), or
        ``None``: then call ``verify``."""
    def _verify_in_background(self, token: str, done: _Done) -> None: ...
    def hydrate(self) -> None:
        """Fetches the signing keys now (they are fetched on first use otherwise)."""
    def add_keys(self, issuer: str, jwks_json: str) -> int:
        """Adds the keys of a JWKS document for ``issuer``; returns how many were added."""
    @property
    def issuers(self) -> list[str]: ...
    def cache_stats(self) -> dict[str, int]: ...

@final
class VerifiedToken:
    """A verified token: the caller of a request (``ServicePrincipal``). Immutable; its
    ``repr()`` never shows the token."""

    @property
    def client_id(self) -> str: ...
    @property
    def sub(self) -> str: ...
    @property
    def username(self) -> str | None: ...
    @property
    def scopes(self) -> frozenset[str]: ...
    @property
    def groups(self) -> tuple[str, ...]: ...
    @property
    def token_use(self) -> Literal["access", "id"]: ...
    @property
    def issuer(self) -> str: ...
    @property
    def audience(self) -> tuple[str, ...]: ...
    @property
    def exp(self) -> datetime: ...
    @property
    def issued_at(self) -> datetime | None: ...
    @property
    def claims(self) -> dict[str, Any]: ...
    @property
    def is_authenticated(self) -> bool: ...
    def has_scope(self, scope: str) -> bool: ...
    def has_scopes(self, *scopes: str, match: Literal["all", "any"] = "all") -> bool: ...
    def in_group(self, group: str) -> bool: ...
    def __hash__(self) -> int: ...
    def __eq__(self, other: object) -> bool: ...

class TokenSource:
    """Client-credentials tokens for one app client: cached, refreshed ahead of expiry, one
    request however many threads ask, ``Retry-After`` honoured, optionally one token for a
    fleet through Redis (``redis_url``)."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str | None = None,
        domain: str | None = None,
        token_url: str | None = None,
        scopes: _Strings | None = None,
        redis_url: str | None = None,
        redis_ca_file: str | PathLike[str] | None = None,
        refresh_at: float | None = None,
    ) -> None: ...
    @classmethod
    def from_env(cls) -> TokenSource: ...
    def token(self, scopes: _Strings | None = None) -> AccessToken:
        """A valid token for ``scopes`` (default: the source's). Raises
        ``TokenRequestError`` / ``ThrottledError``."""
    def _token_in_background(self, scopes: _Strings | None, done: _Done) -> None: ...
    def token_rejected(self, token: AccessToken) -> bool:
        """A resource server answered 401 to ``token``: drop it; ``True`` when a retry with a
        new token is worthwhile (at most one refetch per 30 s per scope set)."""
    def invalidate(self) -> None:
        """Drops every cached token."""
    @property
    def token_url(self) -> str: ...
    @property
    def client_id(self) -> str: ...

@final
class AccessToken:
    """A client-credentials access token; ``repr()`` and ``str()`` never show it."""

    @property
    def access_token(self) -> str: ...
    @property
    def authorization(self) -> str: ...
    @property
    def token_type(self) -> str: ...
    @property
    def expires_in(self) -> float: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def scopes(self) -> frozenset[str]: ...
    @property
    def is_expired(self) -> bool: ...
    def __hash__(self) -> int: ...
    def __eq__(self, other: object) -> bool: ...

class Authenticator:
    """The core's request authenticator: header values in, the principal (or ``None`` when
    anonymous in permissive mode) out, or ``RequestRefused`` carrying the response."""

    def __init__(self, config_json: str, verifier: Verifier | None = None) -> None: ...
    def authenticate(self, headers: Iterable[str | bytes] | None) -> VerifiedToken | None: ...
    def authenticate_now(
        self, headers: Iterable[str | bytes] | None
    ) -> tuple[bool, VerifiedToken | None]: ...
    def _authenticate_in_background(
        self, headers: Iterable[str | bytes] | None, done: _Done
    ) -> None: ...
    def refusal(self, kind: Literal["not_authenticated", "forbidden"]) -> BaseException: ...
    @property
    def mode(self) -> Literal["required", "permissive"]: ...
    @property
    def header_name(self) -> str: ...
    @property
    def verifier(self) -> Verifier: ...

@final
class Guard:
    """A route's requirements (scopes all/any, per-method scopes with ``HEAD`` as ``GET``,
    groups, clients); ``check`` raises ``RequestRefused`` with the core's response."""

    def __init__(
        self,
        *,
        scopes: _Strings | None = None,
        scope_match: Literal["all", "any"] | None = None,
        method_scopes: Mapping[str, _Strings] | None = None,
        unlisted_methods: Literal["deny", "allow"] = "deny",
        clients: _Strings | None = None,
        any_groups: _Strings | None = None,
        all_groups: _Strings | None = None,
    ) -> None: ...
    def check(
        self, principal: VerifiedToken | None, method: str, authenticator: Authenticator
    ) -> None: ...

@final
class LocalIssuer:
    """A Cognito-shaped issuer on 127.0.0.1 for tests: JWKS, ``/oauth2/token``, real RS256
    signatures, forged tokens on request, fault injection, request counters."""

    def __init__(
        self,
        *,
        clients: Iterable[tuple[str, str | None, list[str]]] | None = None,
        token_lifetime: int = 3600,
        pool_id: str | None = None,
        issuer: str | None = None,
    ) -> None: ...
    @property
    def issuer(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def pool_id(self) -> str: ...
    @property
    def jwks_url(self) -> str: ...
    @property
    def token_url(self) -> str: ...
    def jwks_json(self) -> str: ...
    def access_token(
        self,
        *,
        client_id: str = "test-client",
        scopes: _Strings | None = None,
        groups: _Strings | None = None,
        username: str | None = None,
        expires_in: int | None = None,
        expired: bool = False,
        claims: Mapping[str, Any] | None = None,
        signing: Literal["rs256", "unpublished_key", "hs256", "es256", "none"] = "rs256",
    ) -> str: ...
    def id_token(
        self,
        *,
        client_id: str = "test-client",
        groups: _Strings | None = None,
        username: str | None = None,
        expires_in: int | None = None,
        expired: bool = False,
        claims: Mapping[str, Any] | None = None,
        signing: Literal["rs256", "unpublished_key", "hs256", "es256", "none"] = "rs256",
    ) -> str: ...
    def add_client(
        self, client_id: str, secret: str | None = None, scopes: list[str] = ...
    ) -> None: ...
    def token_requests(self) -> int: ...
    def jwks_requests(self) -> int: ...
    def reset_counters(self) -> None: ...
    def set_token_lifetime(self, seconds: int) -> None: ...
    def rotate_key(self) -> str: ...
    def fail_token_requests(
        self,
        *,
        status: int | None = None,
        count: int = 1,
        retry_after: int | None = None,
        delay: float | None = None,
    ) -> None: ...
    def set_jwks_status(self, status: int | None = None) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> LocalIssuer: ...
    def __exit__(self, *args: object) -> bool: ...
