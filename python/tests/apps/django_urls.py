"""The standard app on plain Django: the middleware, the decorators and a mixin."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views import View

from cognito_auth.django.decorators import (
    allow_client_ids,
    require_all_scopes,
    require_any_scope,
    require_authentication,
    require_scopes,
)
from cognito_auth.django.mixins import CognitoScopeRequiredMixin
from cognito_auth.django.utils import get_service_principal


def text(body: str) -> HttpResponse:
    return HttpResponse(body, content_type="text/plain")


def whoami(request: HttpRequest) -> HttpResponse:
    p = get_service_principal(request)
    return text(f"client:{p.client_id}" if p is not None else "anonymous")


@require_authentication
def me(request: HttpRequest) -> HttpResponse:
    p = get_service_principal(request)
    assert p is not None
    return text(f"client:{p.client_id}")


@require_all_scopes("orders/read", "orders/list")
def orders(request: HttpRequest) -> HttpResponse:
    return text("orders")


@require_any_scope("reports/read", "reports/admin")
def reports(request: HttpRequest) -> HttpResponse:
    return text("reports")


class Items(CognitoScopeRequiredMixin, View):
    http_method_names = ["get", "head", "post", "delete"]
    scope_map = {"GET": {"items/read"}, "POST": {"items/write"}, "DELETE": {"items/admin"}}

    def get(self, request: HttpRequest) -> HttpResponse:
        return text("items")

    def post(self, request: HttpRequest) -> HttpResponse:
        return text("items")

    def delete(self, request: HttpRequest) -> HttpResponse:
        return text("items")


@allow_client_ids("partner-a")
def partners(request: HttpRequest) -> HttpResponse:
    return text("partners")


@require_scopes("orders/read")
def typed(request: HttpRequest) -> HttpResponse:
    p = get_service_principal(request)
    assert p is not None
    return text(f"typed:{p.client_id}")


urlpatterns = [
    path("whoami", whoami),
    path("me", me),
    path("orders", orders),
    path("reports", reports),
    path("items", Items.as_view()),
    path("partners", partners),
    path("typed", typed),
]
