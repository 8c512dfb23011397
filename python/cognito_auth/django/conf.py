"""Settings: ``COGNITO_AUTH`` (or django-cognito-m2m's ``COGNITO_M2M``) → the core's
authenticator, built once per process on first use and rebuilt when the settings change
(``override_settings`` in tests)."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.test.signals import setting_changed

from cognito_auth.exceptions import ConfigurationError
from cognito_auth.web import Authenticator

__all__ = ["DJANGO_KEYS", "get_authenticator", "get_setting", "meta_key", "values"]

#: Keys read by the Django layer itself (everything else configures the core).
DJANGO_KEYS = {
    "REQUEST_PRINCIPAL_ATTR": "service_principal",
    "REQUEST_AUTH_ATTR": "auth",
    "USER_MAPPING_ENABLED": False,
    "USER_MAPPING_STRATEGY": None,
    "USER_MAPPING_FIELD": None,
    "USER_MAPPING_CLAIM": None,
    "USER_MAPPING_CALLABLE": None,
    "USER_MAPPING_CLASS": None,
    "RETURN_USER_PROXY": False,
    "TRACK_CLIENT_ACTIVITY": False,
    "ACTIVITY_INTERVAL": 60,
    # django-cognito-m2m chose its validator with these; the core validates here.
    "VALIDATOR_CLASS": None,
    "VALIDATOR_KWARGS": None,
}

_lock = threading.Lock()
_cache: dict[str, Any] = {}


def values() -> dict[str, Any]:
    """The merged settings (Django-layer defaults, then the project's)."""
    cached = _cache.get("values")
    if cached is not None:
        merged: dict[str, Any] = cached
        return merged
    own = getattr(settings, "COGNITO_AUTH", None)
    legacy = getattr(settings, "COGNITO_M2M", None)
    if own is not None and legacy is not None:
        raise ConfigurationError("set COGNITO_AUTH or COGNITO_M2M, not both")
    merged = dict(DJANGO_KEYS)
    merged["MODE"] = "permissive"
    if legacy is not None:
        merged.update({"TOKEN_USE": "access", "HEADER_NAME": "HTTP_AUTHORIZATION"})
        merged.update(legacy)
        if merged.get("ALLOWED_CLIENT_IDS") is None and not merged.get("ANY_CLIENT"):
            merged["ANY_CLIENT"] = True
    elif own is not None:
        merged.update(own)
    else:
        raise ConfigurationError("settings.COGNITO_AUTH is not set")
    _cache["values"] = merged
    return merged


def get_setting(name: str) -> Any:
    """One merged setting."""
    return values().get(name)


def meta_key() -> str:
    """The ``request.META`` key of the token's header."""
    cached = _cache.get("meta_key")
    if cached is None:
        name = str(get_setting("HEADER_NAME") or "Authorization")
        if name.upper().startswith("HTTP_"):
            cached = name.upper()
        else:
            cached = "HTTP_" + name.upper().replace("-", "_")
        _cache["meta_key"] = cached
    key: str = cached
    return key


def principal_attrs() -> tuple[str, ...]:
    """The request attributes the principal is put on and read from."""
    cached = _cache.get("attrs")
    if cached is None:
        names = ["service_principal", "auth", get_setting("REQUEST_PRINCIPAL_ATTR"),
                 get_setting("REQUEST_AUTH_ATTR")]
        cached = tuple(dict.fromkeys(n for n in names if n))
        _cache["attrs"] = cached
    attrs: tuple[str, ...] = cached
    return attrs


def get_authenticator() -> Authenticator:
    """The process's authenticator (built on first use, after any fork)."""
    auth = _cache.get("authenticator")
    if auth is None:
        with _lock:
            auth = _cache.get("authenticator")
            if auth is None:
                settings_values = values()
                core = {k: v for k, v in settings_values.items() if k not in DJANGO_KEYS}
                auth = Authenticator.from_settings(core)
                _cache["authenticator"] = auth
    result: Authenticator = auth
    return result


def reload() -> None:
    """Forgets the cached settings and authenticator."""
    with _lock:
        _cache.clear()


def _on_setting_changed(*_: Any, setting: str = "", **__: Any) -> None:
    if setting in ("COGNITO_AUTH", "COGNITO_M2M"):
        reload()


setting_changed.connect(_on_setting_changed)
