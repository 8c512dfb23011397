"""Web settings shared by the Django, DRF, FastAPI and Starlette integrations.

Every decision (401 / 403 / 503, ``WWW-Authenticate``, bodies) is made by the Rust core's
``Authenticator`` and ``Guard``, the same code the axum and actix-web integrations run; this
module only turns settings into the core's ``AuthConfig``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from cognito_auth import _aio, _native
from cognito_auth._native import Guard
from cognito_auth.exceptions import ConfigurationError, RequestRefused

__all__ = ["Authenticator", "Guard", "RequestRefused", "SETTINGS_KEYS", "auth_config"]

#: Upper-case setting (django-cognito-m2m's ``COGNITO_M2M`` names, plus ``TOKEN_USE``,
#: ``JWKS_URL``, ``ANY_CLIENT`` and the rest of the core's) → the core's ``AuthConfig`` key.
SETTINGS_KEYS: dict[str, str] = {
    "REGION": "region",
    "USER_POOL_ID": "user_pool_id",
    "ISSUER": "issuer",
    "JWKS_URL": "jwks_url",
    "JWKS_FILE": "jwks_file",
    "JWKS_JSON": "jwks_json",
    "TOKEN_USE": "token_use",
    "ALLOWED_CLIENT_IDS": "allowed_clients",
    "ANY_CLIENT": "any_client",
    "AUDIENCE": "audience",
    "HEADER_NAME": "header_name",
    "HEADER_PREFIX": "header_prefix",
    "REALM": "realm",
    "MODE": "mode",
    "FAIL_ON_INVALID_BEARER": "fail_on_invalid_bearer",
    "DEFAULT_SCOPE_MATCH": "default_scope_match",
    "JSON_ERROR_RESPONSES": "error_format",
    "LEEWAY": "leeway_seconds",
    "REPLICA_REGIONS": "replica_regions",
}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    raise ConfigurationError(f"expected a string or a list of strings, not {value!r}")


def _header_name(value: str) -> str:
    # Django's META key (HTTP_AUTHORIZATION, HTTP_X_API_TOKEN) or a header name.
    if value.upper().startswith("HTTP_"):
        return "-".join(p.capitalize() for p in value[5:].split("_"))
    return value


def auth_config(settings: Mapping[str, Any], *, ignore: Iterable[str] = ()) -> dict[str, Any]:
    """The core ``AuthConfig`` (as a JSON-ready dict) for upper-case ``settings``; keys in
    ``ignore`` belong to the caller (Django's user mapping, activity tracking, …). An unknown
    key is a :class:`~cognito_auth.ConfigurationError`, so a typo never weakens a check."""
    skip = set(ignore)
    out: dict[str, Any] = {}
    for key, value in settings.items():
        if key in skip:
            continue
        name = SETTINGS_KEYS.get(key)
        if name is None:
            known = ", ".join(sorted(SETTINGS_KEYS) + sorted(skip))
            raise ConfigurationError(f"unknown setting {key!r} (known: {known})")
        if value is None:
            continue
        if name in ("allowed_clients", "audience", "replica_regions"):
            value = _strings(value)
        elif name == "header_name":
            value = _header_name(str(value))
        elif name == "error_format":
            value = "json" if value else "text"
        elif name == "jwks_file":
            value = str(value)
        out[name] = value
    return out


class Authenticator(_native.Authenticator):
    """The core's request authenticator, built from upper-case settings (see
    :func:`auth_config`) or around a :class:`~cognito_auth.Verifier`.

    ``authenticate(header_values)`` returns the principal, ``None`` (anonymous, permissive
    mode) or raises :class:`~cognito_auth.RequestRefused` carrying the response to send.
    """

    @classmethod
    def from_settings(
        cls,
        settings: Mapping[str, Any],
        *,
        verifier: _native.Verifier | None = None,
        ignore: Iterable[str] = (),
    ) -> Authenticator:
        """An authenticator for these settings (the verifier's settings are refused when a
        ``verifier`` is given: they would be ignored)."""
        return cls(json.dumps(auth_config(settings, ignore=ignore)), verifier)

    async def aauthenticate(
        self, headers: Iterable[str | bytes] | None
    ) -> _native.VerifiedToken | None:
        """:meth:`authenticate` for asyncio: never blocks the event loop."""
        values = list(headers) if headers is not None else []
        done, principal = self.authenticate_now(values)
        if done:
            return principal
        result: _native.VerifiedToken | None = await _aio.run(
            self._authenticate_in_background, values
        )
        return result
