"""A drop-in for `m2m-cognito <https://pypi.org/project/m2m-cognito/>`_ 0.1.5: the same
classes, constructor arguments, attributes and exceptions, on the Rust core.

Switch by changing one import::

    # from m2m_cognito import CognitoM2MClient, CognitoAccessTokenValidator
    from cognito_auth.compat.m2m_cognito import CognitoM2MClient, CognitoAccessTokenValidator

What changes underneath: the validator keeps one JWKS cache and a verified-token cache, pins
RS256, never takes keys from token headers, checks ``token_use`` and raises typed errors for
hostile tokens; the client caches tokens until shortly before they expire (one request
however many threads ask) instead of requesting one per call. One addition: ``jwks_url=``
on the validator, for tests and private endpoints.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import cognito_auth
from cognito_auth._native import AccessToken

__all__ = [
    "CognitoAccessTokenValidator",
    "CognitoM2MClient",
    "CognitoTokenRequestError",
    "InsufficientScopeError",
    "M2MCognitoError",
    "TokenResponse",
    "TokenValidationError",
    "ValidatedAccessToken",
]

ScopeMatch = Literal["all", "any"]


class M2MCognitoError(Exception):
    """Base exception for all errors of this module."""


class CognitoTokenRequestError(M2MCognitoError):
    """The token endpoint answered with an error or an invalid payload, or could not be
    reached."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        error_code: str | None = None,
        error_description: str | None = None,
        response_body: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error_code = error_code
        self.error_description = error_description
        self.response_body = response_body


class TokenValidationError(M2MCognitoError):
    """The access token failed a structural, cryptographic or policy check."""


class InsufficientScopeError(TokenValidationError):
    """The token is valid but lacks required scopes."""

    def __init__(
        self,
        message: str,
        *,
        token_scopes: frozenset[str],
        required_scopes: frozenset[str],
    ) -> None:
        super().__init__(message)
        self.token_scopes = token_scopes
        self.required_scopes = required_scopes


@dataclass(frozen=True)
class TokenResponse:
    """A successful client-credentials response."""

    access_token: str
    expires_in: int | None
    token_type: str | None
    raw: dict[str, Any]


@dataclass(frozen=True)
class ValidatedAccessToken:
    """A validated access token: ``client_id``, ``scopes`` and every claim."""

    client_id: str
    scopes: frozenset[str]
    claims: dict[str, Any]


def _scope_list(scopes: str | Sequence[str]) -> list[str]:
    if isinstance(scopes, str):
        return [p for p in scopes.split() if p]
    return [str(s).strip() for s in scopes if str(s).strip()]


class CognitoM2MClient:
    """Client-credentials tokens from a Cognito ``/oauth2/token`` endpoint."""

    def __init__(self, *, token_url: str, client_id: str, client_secret: str) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        try:
            self._source = cognito_auth.TokenSource(
                token_url=token_url, client_id=client_id, client_secret=client_secret
            )
        except cognito_auth.ConfigurationError as e:
            raise CognitoTokenRequestError(str(e)) from None

    def __repr__(self) -> str:
        return f"CognitoM2MClient(token_url={self.token_url!r}, client_id={self.client_id!r})"

    def fetch_token(
        self,
        *,
        scopes: str | Sequence[str],
        timeout: float | tuple[float, float] = 30.0,
    ) -> TokenResponse:
        """An access token for ``scopes`` (served from the cache while it is fresh).
        ``timeout`` is accepted for compatibility; the core's own timeouts apply (10 s per
        request, retries with backoff for 5xx, 429 and connection failures)."""
        del timeout
        wanted = _scope_list(scopes)
        if not wanted:
            raise CognitoTokenRequestError(
                "At least one non-empty scope is required for fetch_token."
            )
        try:
            token: AccessToken = self._source.token(wanted)
        except cognito_auth.TokenRequestError as e:
            raise CognitoTokenRequestError(
                str(e),
                status_code=e.status_code,
                error_code=e.error_code,
                error_description=e.error_description,
                response_body=e.response_body,
            ) from None
        except cognito_auth.ConfigurationError as e:
            raise CognitoTokenRequestError(str(e)) from None
        expires_in = int(token.expires_in)
        raw: dict[str, Any] = {
            "access_token": token.access_token,
            "expires_in": expires_in,
            "token_type": token.token_type,
        }
        return TokenResponse(
            access_token=token.access_token,
            expires_in=expires_in,
            token_type=token.token_type,
            raw=raw,
        )


class CognitoAccessTokenValidator:
    """Validates RS256 access tokens of one Cognito user pool."""

    def __init__(
        self,
        *,
        region: str,
        user_pool_id: str,
        allowed_client_ids: Collection[str] | None = None,
        required_scopes: Collection[str] = (),
        scope_match: ScopeMatch = "all",
        audience: str | None = None,
        jwks_url: str | None = None,
    ) -> None:
        if scope_match not in ("all", "any"):
            raise ValueError("scope_match must be 'all' or 'any'.")
        self.region = region
        self.user_pool_id = user_pool_id
        self.allowed_client_ids = (
            frozenset(allowed_client_ids) if allowed_client_ids is not None else None
        )
        self.required_scopes = frozenset(required_scopes)
        self.scope_match: ScopeMatch = scope_match
        self.audience = audience
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        self.jwks_url = jwks_url or f"{self.issuer}/.well-known/jwks.json"
        self._verifier = cognito_auth.Verifier(
            issuer=self.issuer,
            jwks_url=self.jwks_url,
            token_use="access",
            # m2m-cognito: no allowlist means any client of the pool.
            allowed_clients=sorted(self.allowed_client_ids)
            if self.allowed_client_ids is not None
            else None,
            any_client=self.allowed_client_ids is None,
            audience=[audience] if audience is not None else None,
            scopes=sorted(self.required_scopes) or None,
            scope_match=scope_match,
        )

    def validate(self, token: str) -> ValidatedAccessToken:
        """Validates ``token`` (no ``Bearer`` prefix); raises :class:`TokenValidationError`
        or :class:`InsufficientScopeError`."""
        if not isinstance(token, str):
            raise TokenValidationError("Invalid access token: not a string.")
        try:
            verified = self._verifier.verify(token)
        except cognito_auth.InsufficientScope as e:
            raise InsufficientScopeError(
                "Token is missing one or more required scopes."
                if self.scope_match == "all"
                else "Token did not include any of the required scopes.",
                token_scopes=e.token_scopes,
                required_scopes=self.required_scopes,
            ) from None
        except cognito_auth.ClientNotAllowed:
            raise TokenValidationError("Token client_id is not allowed.") from None
        except cognito_auth.TokenError as e:
            raise TokenValidationError(f"Invalid access token: {e}") from None
        return ValidatedAccessToken(
            client_id=verified.client_id, scopes=verified.scopes, claims=verified.claims
        )
