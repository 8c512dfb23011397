"""Django REST framework: authentication and permissions with django-cognito-m2m's names
and view attributes (``required_scopes``, ``scope_match``, ``scope_map``,
``action_scope_map``, ``allowed_client_ids``), on the core's decisions::

    REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": ["cognito_auth.drf.CognitoAuthentication"],
    }

    class OrderView(APIView):
        permission_classes = [HasCognitoScopes]
        required_scopes = {"orders/read"}

Refusals keep the core's status, ``WWW-Authenticate`` and ``{"detail": …}`` body: 401 for
a missing or bad token, 403 for a missing scope or client, 503 when the keys cannot be
fetched. ``request.auth`` is the principal (:class:`~cognito_auth.ServicePrincipal`).
"""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from cognito_auth._native import Guard, VerifiedToken
from cognito_auth.django import conf
from cognito_auth.django.utils import (
    authenticate,
    get_service_principal,
    guard_for,
    mapped_user,
)
from cognito_auth.exceptions import RequestRefused

__all__ = [
    "AllowedClientIdsPermission",
    "CognitoAPIException",
    "CognitoAuthentication",
    "CognitoM2MAuthentication",
    "CognitoPrincipalMixin",
    "HasAllCognitoScopes",
    "HasAnyCognitoScope",
    "HasCognitoScopes",
    "MethodScopePermission",
]


class CognitoAPIException(APIException):
    """A refusal of the core as a DRF exception: its status, detail and
    ``WWW-Authenticate``."""

    def __init__(self, refused: RequestRefused) -> None:
        super().__init__(detail=str(refused), code=refused.reason)
        self.status_code = refused.status
        self.auth_header = refused.www_authenticate


class CognitoAuthentication(BaseAuthentication):
    """Authenticates the bearer token; ``(user, principal)`` where ``user`` is the mapped
    user, the proxy user (``RETURN_USER_PROXY``) or ``AnonymousUser``."""

    def authenticate(self, request: Request) -> tuple[Any, VerifiedToken] | None:
        try:
            principal = authenticate(request)
        except RequestRefused as refused:
            raise CognitoAPIException(refused) from None
        if principal is None:
            return None
        mapped = mapped_user(request)
        return (mapped if mapped is not None else _anonymous(), principal)

    def authenticate_header(self, request: Request) -> str:
        refusal = conf.get_authenticator().refusal("not_authenticated")
        header = getattr(refusal, "www_authenticate", None)
        return str(header or "Bearer")


#: django-cognito-m2m's name.
CognitoM2MAuthentication = CognitoAuthentication


def _anonymous() -> Any:
    # Imported on first use: auth's models need the app registry, which importing this
    # module (from settings, say) must not.
    global _ANONYMOUS
    if _ANONYMOUS is None:
        from django.contrib.auth.models import AnonymousUser

        _ANONYMOUS = AnonymousUser
    return _ANONYMOUS()


_ANONYMOUS: Any = None


def _check(request: Request, guard: Guard) -> bool:
    try:
        guard.check(get_service_principal(request), request.method or "GET",
                    conf.get_authenticator())
    except RequestRefused as refused:
        raise CognitoAPIException(refused) from None
    return True


def _scope_match(view: Any) -> str:
    if hasattr(view, "get_scope_match"):
        return str(view.get_scope_match())
    return str(getattr(view, "scope_match", None) or conf.get_setting("DEFAULT_SCOPE_MATCH")
               or "all")


def _required(view: Any) -> Any:
    if hasattr(view, "get_required_scopes"):
        return view.get_required_scopes()
    return getattr(view, "required_scopes", None) or ()


def _handles(view: Any, method: str) -> bool:
    m = method.lower()
    return m in getattr(view, "http_method_names", ()) and hasattr(view, m)


class HasCognitoScopes(BasePermission):
    """``view.required_scopes`` with ``view.scope_match`` (or the default match)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return _check(request, guard_for(scopes=_required(view),
                                         scope_match=_scope_match(view)))


class HasAllCognitoScopes(BasePermission):
    """Every scope of ``view.required_scopes``."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return _check(request, guard_for(scopes=_required(view), scope_match="all"))


class HasAnyCognitoScope(BasePermission):
    """Any scope of ``view.required_scopes``."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return _check(request, guard_for(scopes=_required(view), scope_match="any"))


class MethodScopePermission(BasePermission):
    """``view.action_scope_map`` (viewsets) or ``view.scope_map`` per HTTP method, ``HEAD``
    as ``GET``. A method the view handles but the map does not list is refused (403); a
    method it does not handle is left to DRF's 405, after authentication."""

    def has_permission(self, request: Request, view: Any) -> bool:
        method = request.method or "GET"
        action_map = getattr(view, "action_scope_map", None) or {}
        action = getattr(view, "action", None)
        if action and action in action_map:
            return _check(request, guard_for(scopes=action_map[action],
                                             scope_match=_scope_match(view)))
        if not _handles(view, method):
            return _check(request, guard_for())
        scope_map = {k.upper(): v for k, v in (getattr(view, "scope_map", None) or {}).items()}
        return _check(request, guard_for(method_scopes=scope_map,
                                         scope_match=_scope_match(view)))


class AllowedClientIdsPermission(BasePermission):
    """``view.allowed_client_ids`` (or ``ALLOWED_CLIENT_IDS``)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        allowed = getattr(view, "allowed_client_ids", None)
        if allowed is None:
            allowed = conf.get_setting("ALLOWED_CLIENT_IDS")
        return _check(request, guard_for(clients=allowed))


class CognitoPrincipalMixin:
    """View helpers: ``get_service_principal()`` and the requirement getters the
    permissions read."""

    scope_match: str | None = None
    required_scopes: set[str] | None = None
    scope_map: dict[str, set[str]] | None = None
    action_scope_map: dict[str, set[str]] | None = None
    allowed_client_ids: set[str] | None = None
    request: Request

    def get_service_principal(self) -> VerifiedToken | None:
        return get_service_principal(self.request)

    def get_scope_match(self) -> str:
        return self.scope_match or str(conf.get_setting("DEFAULT_SCOPE_MATCH") or "all")

    def get_required_scopes(self) -> Any:
        return self.required_scopes or ()

    def get_allowed_client_ids(self) -> Any:
        allowed = self.allowed_client_ids
        if allowed is None:
            allowed = conf.get_setting("ALLOWED_CLIENT_IDS")
        return allowed or None
