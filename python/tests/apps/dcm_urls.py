"""django-cognito-m2m's own decorators and DRF classes, unchanged, on our validator."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django_cognito_m2m.django.decorators import require_authentication, require_scopes
from django_cognito_m2m.drf.authentication import CognitoM2MAuthentication
from django_cognito_m2m.drf.permissions import HasCognitoScopes
from rest_framework.request import Request
from rest_framework.views import APIView


@require_authentication
def me(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"client:{request.service_principal.client_id}",  # type: ignore[attr-defined]
                        content_type="text/plain")


@require_scopes("orders/read")
def orders(request: HttpRequest) -> HttpResponse:
    return HttpResponse("orders", content_type="text/plain")


class DrfOrders(APIView):
    authentication_classes = [CognitoM2MAuthentication]
    permission_classes = [HasCognitoScopes]
    required_scopes = {"orders/read"}

    def get(self, request: Request, *args: Any) -> HttpResponse:
        return HttpResponse("orders", content_type="text/plain")


urlpatterns = [path("me", me), path("orders", orders), path("drf/orders", DrfOrders.as_view())]
