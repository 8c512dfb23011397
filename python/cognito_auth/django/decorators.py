"""Decorators for function views (django-cognito-m2m's names and arguments)::

    @require_scopes("orders/read")
    def orders(request): ...

Each authenticates the request (unless the middleware did) and checks the core's guard:
401 without a valid token, 403 (``WWW-Authenticate: Bearer error="insufficient_scope"``)
without the scopes or client.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from asgiref.sync import iscoroutinefunction, sync_to_async

from cognito_auth._native import Guard
from cognito_auth.exceptions import RequestRefused

from .utils import ResponseFactory, check, guard_for, refusal_response

__all__ = [
    "allow_client_ids",
    "require_all_scopes",
    "require_any_scope",
    "require_authentication",
    "require_scopes",
]

V = TypeVar("V", bound=Callable[..., Any])


def _protect(view: V, make_guard: Callable[[], Guard],
             response_factory: ResponseFactory | None) -> V:
    if iscoroutinefunction(view):

        @wraps(view)
        async def async_wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                await sync_to_async(check)(request, make_guard())
            except RequestRefused as refused:
                return refusal_response(refused, response_factory)
            return await view(request, *args, **kwargs)

        return cast(V, async_wrapped)

    @wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            check(request, make_guard())
        except RequestRefused as refused:
            return refusal_response(refused, response_factory)
        return view(request, *args, **kwargs)

    return cast(V, wrapped)


def require_authentication(
    view_func: V | None = None, *, response_factory: ResponseFactory | None = None
) -> Any:
    """A valid token is required (usable with or without parentheses)."""

    def decorator(func: V) -> V:
        return _protect(func, lambda: guard_for(), response_factory)

    if view_func is not None:
        return decorator(view_func)
    return decorator


def require_scopes(
    *scopes: str, match: str = "all", response_factory: ResponseFactory | None = None
) -> Callable[[V], V]:
    """A valid token with all (``match="all"``) or any of ``scopes``."""
    required = tuple(s for s in scopes if s)

    def decorator(func: V) -> V:
        return _protect(func, lambda: guard_for(scopes=required, scope_match=match),
                        response_factory)

    return decorator


def require_any_scope(
    *scopes: str, response_factory: ResponseFactory | None = None
) -> Callable[[V], V]:
    """A valid token with any of ``scopes``."""
    return require_scopes(*scopes, match="any", response_factory=response_factory)


def require_all_scopes(
    *scopes: str, response_factory: ResponseFactory | None = None
) -> Callable[[V], V]:
    """A valid token with all of ``scopes``."""
    return require_scopes(*scopes, match="all", response_factory=response_factory)


def allow_client_ids(
    *client_ids: str, response_factory: ResponseFactory | None = None
) -> Callable[[V], V]:
    """A valid token of one of these app clients (403 ``client_not_allowed`` otherwise)."""
    allowed = tuple(c for c in client_ids if c)

    def decorator(func: V) -> V:
        return _protect(func, lambda: guard_for(clients=allowed), response_factory)

    return decorator
