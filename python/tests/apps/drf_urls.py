"""The standard app on Django REST framework views."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.views import APIView

from cognito_auth.drf import (
    AllowedClientIdsPermission,
    CognitoPrincipalMixin,
    HasAllCognitoScopes,
    HasAnyCognitoScope,
    HasCognitoScopes,
    MethodScopePermission,
)


def text(body: str) -> HttpResponse:
    return HttpResponse(body, content_type="text/plain")


class Base(CognitoPrincipalMixin, APIView):
    http_method_names = ["get", "head"]

    def http_method_not_allowed(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponse(status=405)


class WhoAmI(Base):
    def get(self, request: Request) -> HttpResponse:
        p = self.get_service_principal()
        return text(f"client:{p.client_id}" if p is not None else "anonymous")


class Me(Base):
    permission_classes = [HasCognitoScopes]

    def get(self, request: Request) -> HttpResponse:
        p = self.get_service_principal()
        assert p is not None
        return text(f"client:{p.client_id}")


class Orders(Base):
    permission_classes = [HasAllCognitoScopes]
    required_scopes = ["orders/read", "orders/list"]

    def get(self, request: Request) -> HttpResponse:
        return text("orders")


class Reports(Base):
    permission_classes = [HasAnyCognitoScope]
    required_scopes = ["reports/read", "reports/admin"]

    def get(self, request: Request) -> HttpResponse:
        return text("reports")


class Items(Base):
    http_method_names = ["get", "head", "post", "delete"]
    permission_classes = [MethodScopePermission]
    scope_map = {"GET": {"items/read"}, "POST": {"items/write"}, "DELETE": {"items/admin"}}

    def get(self, request: Request) -> HttpResponse:
        return text("items")

    def post(self, request: Request) -> HttpResponse:
        return text("items")

    def delete(self, request: Request) -> HttpResponse:
        return text("items")


class Partners(Base):
    permission_classes = [AllowedClientIdsPermission]
    allowed_client_ids = {"partner-a"}

    def get(self, request: Request) -> HttpResponse:
        return text("partners")


class Typed(Base):
    permission_classes = [HasCognitoScopes]
    required_scopes = {"orders/read"}

    def get(self, request: Request) -> HttpResponse:
        p = self.get_service_principal()
        assert p is not None
        return text(f"typed:{p.client_id}")


urlpatterns = [
    path("whoami", WhoAmI.as_view()),
    path("me", Me.as_view()),
    path("orders", Orders.as_view()),
    path("reports", Reports.as_view()),
    path("items", Items.as_view()),
    path("partners", Partners.as_view()),
    path("typed", Typed.as_view()),
]
