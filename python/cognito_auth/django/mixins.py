"""Mixins for class-based views (django-cognito-m2m's names and attributes):
``required_scopes``, ``scope_match``, ``scope_map`` (per HTTP method, ``HEAD`` as ``GET``),
``allowed_client_ids``, ``authentication_required``, ``response_factory``.

A method the view does not handle is still authenticated first, then answered 405 by
Django, whatever its scopes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from cognito_auth._native import VerifiedToken
from cognito_auth.exceptions import RequestRefused

from . import conf
from .utils import ResponseFactory, authenticate, guard_for, refusal_response

__all__ = [
    "BaseCognitoViewMixin",
    "CognitoAuthenticationRequiredMixin",
    "CognitoClientIdRequiredMixin",
    "CognitoScopeRequiredMixin",
]


class BaseCognitoViewMixin:
    """Enforces the view's requirements before ``dispatch``."""

    authentication_required: bool = False
    required_scopes: Iterable[str] | None = None
    scope_match: str | None = None
    scope_map: dict[str, Iterable[str]] | None = None
    allowed_client_ids: Iterable[str] | None = None
    response_factory: ResponseFactory | None = None
    request: HttpRequest

    def get_scope_match(self) -> str:
        return self.scope_match or str(conf.get_setting("DEFAULT_SCOPE_MATCH") or "all")

    def get_required_scopes(self) -> Iterable[str]:
        return self.required_scopes or ()

    def get_scope_map(self) -> dict[str, Iterable[str]]:
        return {k.upper(): v for k, v in (self.scope_map or {}).items()}

    def get_allowed_client_ids(self) -> Iterable[str]:
        return self.allowed_client_ids or ()

    def get_response_factory(self) -> ResponseFactory | None:
        return self.response_factory

    def get_service_principal(self) -> VerifiedToken | None:
        return authenticate(self.request)

    def _handles(self, request: HttpRequest) -> bool:
        method = (request.method or "GET").lower()
        names: list[str] = getattr(self, "http_method_names", [])
        return method in names and hasattr(self, method)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.request = request
        scope_map = self.get_scope_map()
        needed = (
            self.authentication_required
            or bool(self.get_required_scopes())
            or bool(scope_map)
            or bool(self.get_allowed_client_ids())
        )
        if needed:
            try:
                principal = authenticate(request)
                guard = guard_for()
                if self._handles(request):
                    guard = guard_for(
                        scopes=self.get_required_scopes(),
                        scope_match=self.get_scope_match(),
                        method_scopes=scope_map or None,
                        clients=self.get_allowed_client_ids(),
                    )
                guard.check(principal, request.method or "GET", conf.get_authenticator())
            except RequestRefused as refused:
                return refusal_response(refused, self.get_response_factory())
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        return response


class CognitoAuthenticationRequiredMixin(BaseCognitoViewMixin):
    """A valid token is required."""

    authentication_required = True


class CognitoScopeRequiredMixin(BaseCognitoViewMixin):
    """A valid token with ``required_scopes`` (or ``scope_map``'s) is required."""

    authentication_required = True


class CognitoClientIdRequiredMixin(BaseCognitoViewMixin):
    """A valid token of one of ``allowed_client_ids`` is required."""

    authentication_required = True
