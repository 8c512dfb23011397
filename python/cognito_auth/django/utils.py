"""Request helpers: reading the principal, attaching it, responses for refusals."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.http import HttpResponse

from cognito_auth._native import Guard, VerifiedToken
from cognito_auth.exceptions import RequestRefused

from . import conf
from .activity import record
from .user_mapping import map_principal_to_user

__all__ = [
    "ResponseFactory",
    "attach_principal",
    "authenticate",
    "check",
    "get_client_id",
    "get_scopes",
    "get_service_principal",
    "is_machine_authenticated",
    "refusal_response",
]

#: ``(detail, status, headers) -> HttpResponse``, as django-cognito-m2m's.
ResponseFactory = Callable[[str, int, "dict[str, str] | None"], HttpResponse]

_DONE = "_cognito_auth_done"
_USER = "_cognito_auth_user"


def _underlying(request: Any) -> Any:
    return getattr(request, "_request", request)


def get_service_principal(request: Any) -> VerifiedToken | None:
    """The principal attached to ``request`` (a Django or DRF request), if any."""
    attrs = conf.principal_attrs()
    for r in (request, _underlying(request)):
        d = getattr(r, "__dict__", None)
        if not d:
            continue
        for name in attrs:
            value = d.get(name)
            if isinstance(value, VerifiedToken):
                return value
    return None


def get_client_id(request: Any) -> str | None:
    """The authenticated app client, if any."""
    p = get_service_principal(request)
    return p.client_id if p is not None else None


def get_scopes(request: Any) -> frozenset[str]:
    """The authenticated scopes (empty when anonymous)."""
    p = get_service_principal(request)
    return p.scopes if p is not None else frozenset()


def is_machine_authenticated(request: Any) -> bool:
    """Whether a principal is attached."""
    return get_service_principal(request) is not None


def attach_principal(request: Any, principal: VerifiedToken) -> Any:
    """Puts the principal on ``request.service_principal``, ``request.auth`` and the
    configured attribute names; maps it to a user when configured (and sets
    ``request.user``); records activity. Returns the mapped user, or ``None``."""
    underlying = _underlying(request)
    targets = (request,) if underlying is request else (request, underlying)
    for r in targets:
        for name in conf.principal_attrs():
            setattr(r, name, principal)
    user = map_principal_to_user(principal)
    setattr(underlying, _USER, user)
    if user is not None:
        for r in targets:
            r.user = user
    record(principal)
    return user


def mapped_user(request: Any) -> Any:
    """The user :func:`attach_principal` mapped the request's principal to, or ``None``."""
    return getattr(_underlying(request), _USER, None)


def authenticate(request: Any) -> VerifiedToken | None:
    """The principal of ``request`` (attached before, or authenticated now): ``None`` for
    an anonymous request the core lets pass; raises
    :class:`~cognito_auth.RequestRefused`."""
    underlying = _underlying(request)
    if getattr(underlying, _DONE, False):
        return get_service_principal(request)
    value = underlying.META.get(conf.meta_key())
    principal = conf.get_authenticator().authenticate([value] if value is not None else [])
    setattr(underlying, _DONE, True)
    if principal is not None:
        attach_principal(request, principal)
    return principal


def check(request: Any, guard: Guard) -> VerifiedToken:
    """Authenticates ``request`` and checks ``guard``; raises ``RequestRefused``."""
    principal = authenticate(request)
    guard.check(principal, request.method or "GET", conf.get_authenticator())
    assert principal is not None  # a guard refuses anonymous requests
    return principal


def refusal_response(
    refused: RequestRefused, response_factory: ResponseFactory | None = None
) -> HttpResponse:
    """The core's response for a refusal (or ``response_factory``'s)."""
    headers = (
        {"WWW-Authenticate": refused.www_authenticate}
        if refused.www_authenticate is not None
        else None
    )
    if response_factory is not None:
        return response_factory(str(refused), refused.status, headers)
    response = HttpResponse(refused.body, status=refused.status,
                            content_type=refused.content_type)
    if refused.www_authenticate is not None:
        response["WWW-Authenticate"] = refused.www_authenticate
    return response


def ordered(values: Iterable[str] | None) -> tuple[str, ...] | None:
    """``values`` in their declared order without repeats (sets, having none, sorted), or
    ``None`` when empty: the order scopes appear in ``WWW-Authenticate``."""
    if not values:
        return None
    items = sorted(values) if isinstance(values, (set, frozenset)) else list(values)
    return tuple(dict.fromkeys(str(v) for v in items if v)) or None


def _key(values: Any) -> Any:
    # Cheap, order-preserving identity of a requirement (sets compare as sets).
    if values is None:
        return None
    if isinstance(values, (set, frozenset)):
        return frozenset(values)
    if isinstance(values, str):
        return (values,)
    return tuple(values)


def guard_for(
    *,
    scopes: Iterable[str] | None = None,
    scope_match: str | None = None,
    method_scopes: Mapping[str, Iterable[str]] | None = None,
    clients: Iterable[str] | None = None,
) -> Guard:
    """A guard for these requirements, built once per distinct requirement and cached (the
    per-request cost is a dictionary lookup)."""
    key = (
        _key(scopes),
        scope_match,
        tuple((m, _key(s)) for m, s in method_scopes.items()) if method_scopes else None,
        _key(clients),
    )
    cached = _guards.get(key)
    if cached is not None:
        return cached
    scope_t = ordered(scopes)
    clients_t = ordered(clients)
    cached = Guard(
        scopes=list(scope_t) if scope_t else None,
        scope_match=scope_match,  # type: ignore[arg-type]
        method_scopes={m.upper(): list(ordered(s) or ()) for m, s in method_scopes.items()}
        if method_scopes is not None
        else None,
        clients=list(clients_t) if clients_t else None,
    )
    if len(_guards) < 4096:
        _guards[key] = cached
    return cached


_guards: dict[Any, Guard] = {}
