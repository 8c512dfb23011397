"""The DRF app of the server-CPU benchmark (a WSGI module for gunicorn).

Environment: BENCH_VARIANT (``ours``: /open and /protected with cognito_auth.drf;
``django-cognito-m2m``: /open and /protected with django-cognito-m2m 0.3.0 and m2m-cognito's
own validator, its keys served locally), BENCH_ISSUER, BENCH_JWKS_URL, BENCH_CLIENT.
"""

from __future__ import annotations

import os
from typing import Any

import django
from django.conf import settings

VARIANT = os.environ["BENCH_VARIANT"]
ISSUER = os.environ["BENCH_ISSUER"]
JWKS_URL = os.environ["BENCH_JWKS_URL"]
CLIENT = os.environ["BENCH_CLIENT"]
REGION, POOL = ISSUER.rsplit("/", 1)[1].split("_")[0], ISSUER.rsplit("/", 1)[1]

if VARIANT == "ours":
    auth_class = "cognito_auth.drf.CognitoAuthentication"
    extra: dict[str, Any] = {"COGNITO_AUTH": {
        "ISSUER": ISSUER, "JWKS_URL": JWKS_URL, "TOKEN_USE": "access",
        "ALLOWED_CLIENT_IDS": [CLIENT]}}
else:
    auth_class = "django_cognito_m2m.drf.authentication.CognitoM2MAuthentication"
    extra = {"COGNITO_M2M": {
        "REGION": REGION, "USER_POOL_ID": POOL, "ALLOWED_CLIENT_IDS": [CLIENT],
        "VALIDATOR_CLASS": "drf_app.LocalKeysValidator"}}

settings.configure(
    DEBUG=False, ALLOWED_HOSTS=["*"], ROOT_URLCONF="drf_app", SECRET_KEY="bench",
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
    MIDDLEWARE=[], DATABASES={}, LOGGING_CONFIG=None,
    REST_FRAMEWORK={"DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
                    "UNAUTHENTICATED_USER": None},
    **extra,
)
django.setup()

import jwt  # noqa: E402
import m2m_cognito  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402


class LocalKeysValidator(m2m_cognito.CognitoAccessTokenValidator):
    """m2m-cognito's validator, unchanged, with the pool's keys served on loopback."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._jwks_client = jwt.PyJWKClient(JWKS_URL)


if VARIANT == "ours":
    from cognito_auth.drf import HasCognitoScopes
else:
    from django_cognito_m2m.drf.permissions import HasCognitoScopes  # type: ignore[no-redef]


class Open(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    def get(self, request: Any) -> Response:
        return Response({"orders": [1, 2, 3]})


class Protected(APIView):
    authentication_classes = [django.utils.module_loading.import_string(auth_class)]
    permission_classes = [HasCognitoScopes]
    required_scopes = ["orders/read"]

    def get(self, request: Any) -> Response:
        return Response({"orders": [1, 2, 3]})


urlpatterns = [path("open", Open.as_view()), path("protected", Protected.as_view())]
application = get_wsgi_application()
