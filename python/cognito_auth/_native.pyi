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
        self,
        client_id: str,
        secret: str | None = None,
        scopes: list[str] = ...,
        callback_urls: list[str] = ...,
    ) -> None: ...
    def set_login_user(self, username: str) -> None: ...
    def fail_next_login(self, code: str) -> None: ...
    def set_refresh_token_rotation(self, on: bool) -> None: ...
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


_Step = Session | Challenge

@final
class DeviceCredentials:
    """What a remembered device needs to skip MFA; ``repr()`` hides the password."""

    def __init__(self, device_key: str, device_group_key: str, device_password: str) -> None: ...
    @staticmethod
    def from_dict(d: Mapping[str, str]) -> DeviceCredentials: ...
    def to_dict(self) -> dict[str, str]: ...
    @property
    def device_key(self) -> str: ...
    @property
    def device_group_key(self) -> str: ...

@final
class TotpSetup:
    """A TOTP secret and its ``otpauth://`` URI; ``repr()`` hides both."""

    @property
    def secret(self) -> str: ...
    @property
    def uri(self) -> str: ...

@final
class Challenge:
    """A sign-in step to complete; a wrong code leaves it as it was."""

    @property
    def name(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def parameters(self) -> dict[str, str]: ...
    @property
    def destination(self) -> str | None: ...
    @property
    def options(self) -> list[Literal["totp", "sms", "email"]]: ...
    @property
    def available(self) -> list[str]: ...
    @property
    def required_attributes(self) -> list[str]: ...
    @property
    def user_attributes(self) -> dict[str, str]: ...
    @property
    def credential_request_options(self) -> str | None: ...
    def answer(
        self,
        value: str,
        *,
        attributes: Mapping[str, str] | None = None,
        password: str | None = None,
    ) -> _Step:
        """Answers with a code, a new password, an MFA method, a factor, a custom answer
        or a passkey assertion, as the challenge asks; returns the next step."""
    async def aanswer(
        self,
        value: str,
        *,
        attributes: Mapping[str, str] | None = None,
        password: str | None = None,
    ) -> _Step: ...
    def new_password(self, password: str, attributes: Mapping[str, str] | None = None) -> _Step: ...
    def select_mfa(self, method: str) -> _Step:
        """``SELECT_MFA_TYPE``: ``"totp"``, ``"sms"`` or ``"email"``."""
    def choose(self, factor: str, password: str | None = None) -> _Step: ...
    def setup_totp(self, issuer: str | None = None) -> TotpSetup:
        """``MFA_SETUP``: a TOTP secret for this sign-in; then ``answer(code)``."""

@final
class Session:
    """A signed-in person's tokens, renewed ahead of expiry; ``repr()`` shows no token."""

    @property
    def username(self) -> str | None: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def new_device(self) -> tuple[str, str] | None: ...
    @property
    def device_key(self) -> str | None: ...
    @property
    def refresh_token(self) -> str | None: ...
    def access_token(self) -> str:
        """The access token, renewed first when less than the margin is left."""
    async def aaccess_token(self) -> str: ...
    def id_token(self) -> str | None: ...
    async def aid_token(self) -> str | None: ...
    def refresh(self) -> None: ...
    async def arefresh(self) -> None: ...
    def check_token(self, renew: bool = True) -> bool:
        """Whether the access token had expired (renewed first with ``renew=True``)."""
    def sign_out(self) -> None:
        """``GlobalSignOut``: every token of the user stops working."""
    async def asign_out(self) -> None: ...
    def revoke(self) -> None:
        """Revokes the refresh token and the access tokens issued from it."""
    async def arevoke(self) -> None: ...
    def confirm_device(self, device_name: str) -> tuple[DeviceCredentials, bool]: ...
    def remember_device(self, remembered: bool = True, device_key: str | None = None) -> None: ...
    def forget_device(self, device_key: str | None = None) -> None: ...
    def list_devices(self) -> list[dict[str, Any]]: ...
    def get_user(self) -> dict[str, Any]: ...
    def update_attributes(self, attributes: Mapping[str, str]) -> list[dict[str, str | None]]: ...
    def send_attribute_code(self, attribute: str) -> dict[str, str | None]: ...
    def verify_attribute(self, attribute: str, code: str) -> None: ...
    def change_password(self, old: str, new: str) -> None: ...
    def delete_user(self) -> None: ...
    def associate_totp(self, issuer: str | None = None) -> TotpSetup: ...
    def verify_totp(self, code: str, friendly_name: str | None = None) -> None: ...
    def set_mfa_preference(
        self,
        *,
        totp: Literal["preferred", "enabled", "disabled"] | None = None,
        sms: Literal["preferred", "enabled", "disabled"] | None = None,
        email: Literal["preferred", "enabled", "disabled"] | None = None,
    ) -> None: ...
    def start_passkey_registration(self) -> str:
        """WebAuthn ``PublicKeyCredentialCreationOptions`` (JSON) for the authenticator."""
    def complete_passkey_registration(self, credential: str) -> None: ...
    def list_passkeys(self) -> list[dict[str, Any]]: ...
    def delete_passkey(self, credential_id: str) -> None: ...
    def to_dict(self) -> dict[str, Any]:
        """The tokens for a token store (secrets: store them like a password)."""

class UserPool:
    """A user-pool app client for people (see ``cognito_auth.UserPool``)."""

    def __init__(
        self,
        *,
        user_pool_id: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        region: str | None = None,
        endpoint: str | None = None,
        verify_tokens: bool = False,
        jwks_url: str | None = None,
        client_metadata: Mapping[str, str] | None = None,
        refresh_margin: float = 300.0,
    ) -> None: ...
    @property
    def user_pool_id(self) -> str: ...
    @property
    def client_id(self) -> str: ...
    @property
    def region(self) -> str: ...
    def sign_in(
        self,
        username: str,
        password: str | None = None,
        *,
        flow: Literal["srp", "password", "user_auth", "custom"] = "srp",
        factor: str | None = None,
        device: DeviceCredentials | None = None,
    ) -> _Step:
        """Signs in (SRP by default); returns a ``Session`` or a ``Challenge``."""
    async def asign_in(
        self,
        username: str,
        password: str | None = None,
        *,
        flow: Literal["srp", "password", "user_auth", "custom"] = "srp",
        factor: str | None = None,
        device: DeviceCredentials | None = None,
    ) -> _Step: ...
    def restore_session(
        self,
        *,
        access_token: str,
        refresh_token: str | None = None,
        id_token: str | None = None,
        username: str | None = None,
        expires_at: float = 0.0,
        device_key: str | None = None,
    ) -> Session: ...
    def sign_up(
        self, username: str, password: str, attributes: Mapping[str, str] | None = None
    ) -> dict[str, Any]: ...
    async def asign_up(
        self, username: str, password: str, attributes: Mapping[str, str] | None = None
    ) -> dict[str, Any]: ...
    def confirm_sign_up(self, username: str, code: str) -> None: ...
    async def aconfirm_sign_up(self, username: str, code: str) -> None: ...
    def resend_confirmation_code(self, username: str) -> dict[str, str | None]: ...
    async def aresend_confirmation_code(self, username: str) -> dict[str, str | None]: ...
    def forgot_password(self, username: str) -> dict[str, str | None]: ...
    async def aforgot_password(self, username: str) -> dict[str, str | None]: ...
    def confirm_forgot_password(self, username: str, code: str, new_password: str) -> None: ...
    async def aconfirm_forgot_password(
        self, username: str, code: str, new_password: str
    ) -> None: ...
    def secret_hash(self, username: str) -> str | None: ...
    def continue_sign_in(self, response: Mapping[str, Any], username: str) -> _Step: ...

@final
class LoginTokens:
    """Tokens from a hosted-UI login, renewed at the domain ahead of expiry."""

    @property
    def refresh_token(self) -> str | None: ...
    @property
    def expires_at(self) -> datetime: ...
    def access_token(self) -> str: ...
    async def aaccess_token(self) -> str: ...
    def id_token(self) -> str | None: ...
    def refresh(self) -> None: ...
    def revoke(self) -> None: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class HostedUi:
    """A Cognito domain's hosted UI for one app client."""

    def __init__(
        self,
        *,
        domain: str,
        client_id: str,
        client_secret: str | None = None,
        redirect_uri: str | None = None,
        scopes: list[str] | None = None,
        refresh_margin: float = 300.0,
    ) -> None: ...
    def login(
        self,
        *,
        timeout: float = 300.0,
        open_browser: bool = True,
        opener: Callable[[str], object] | None = None,
        print_url: bool = True,
        identity_provider: str | None = None,
        login_hint: str | None = None,
        prompt: Literal["login", "none"] | None = None,
    ) -> LoginTokens: ...
    def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> LoginTokens: ...
    def restore(self, refresh_token: str) -> LoginTokens: ...

@final
class IdentityCredentials:
    """AWS credentials from an identity pool for a person's tokens, fresh on both layers."""

    def __init__(
        self,
        identity_pool_id: str,
        *,
        tokens: Session | LoginTokens,
        user_pool_id: str | None = None,
        region: str | None = None,
        role_suffix: str | None = None,
        role_arn: str | None = None,
        account_id: str | None = None,
        endpoint: str | None = None,
        margin: float = 300.0,
    ) -> None: ...
    def credentials(self, margin: float | None = None) -> dict[str, str]: ...
    async def acredentials(self, margin: float | None = None) -> dict[str, str]: ...
    def credential_process_json(self) -> str: ...
    @property
    def margin(self) -> float: ...
