"""Django and DRF in process (pytest-django): the middleware's modes, the decorators,
settings (COGNITO_AUTH and django-cognito-m2m's COGNITO_M2M), user mapping and client
activity tracking in a real database (SQLite; PostgreSQL in a second run of this module)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import AsyncClient, Client

from cognito_auth import ConfigurationError, VerifiedToken
from cognito_auth.django import activity
from cognito_auth.django.models import ServiceClientActivity
from cognito_auth.testing import LocalIssuer

pytestmark = pytest.mark.django_db


@pytest.fixture
def cognito(settings: Any, issuer: LocalIssuer) -> Iterator[dict[str, Any]]:
    cfg: dict[str, Any] = {"ISSUER": issuer.issuer, "TOKEN_USE": "access",
                           "ALLOWED_CLIENT_IDS": ["worker", "other"]}
    settings.COGNITO_AUTH = cfg
    yield cfg


def configure(settings: Any, **extra: Any) -> None:
    settings.COGNITO_AUTH = {**settings.COGNITO_AUTH, **extra}


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_permissive_by_default(client: Client, cognito: dict[str, Any],
                               issuer: LocalIssuer) -> None:
    assert client.get("/whoami").content == b"anonymous"
    ok = client.get("/whoami", **bearer(issuer.access_token(client_id="worker")))
    assert ok.content == b"client:worker"
    bad = client.get("/whoami", **bearer(issuer.access_token(client_id="worker",
                                                             expired=True)))
    assert bad.status_code == 401
    assert bad["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert bad["Content-Type"] == "application/json"
    assert json.loads(bad.content) == {"detail": "Invalid or expired token."}


def test_lenient_and_required_modes(client: Client, settings: Any, cognito: dict[str, Any],
                                    issuer: LocalIssuer) -> None:
    expired = bearer(issuer.access_token(client_id="worker", expired=True))
    configure(settings, FAIL_ON_INVALID_BEARER=False)
    assert client.get("/whoami", **expired).content == b"anonymous"
    configure(settings, MODE="required")
    r = client.get("/whoami")
    assert r.status_code == 401 and r["WWW-Authenticate"] == "Bearer"


def test_decorators_and_response_factory(client: Client, cognito: dict[str, Any],
                                         issuer: LocalIssuer) -> None:
    from django.urls import path

    from cognito_auth.django.decorators import require_scopes

    def factory(detail: str, status: int, headers: dict[str, str] | None) -> HttpResponse:
        return HttpResponse(f"custom:{status}:{detail}", status=status, headers=headers)

    @require_scopes("orders/write", response_factory=factory)
    def view(request: Any) -> HttpResponse:
        return HttpResponse("written")

    from django.test.utils import override_settings

    urls = type("urls", (), {"urlpatterns": [path("w", view)]})
    with override_settings(ROOT_URLCONF=urls):
        r = client.get("/w", **bearer(issuer.access_token(client_id="worker",
                                                          scopes=["orders/read"])))
        assert r.status_code == 403
        assert r.content.startswith(b"custom:403:")
        assert r["WWW-Authenticate"].startswith('Bearer error="insufficient_scope"')
        ok = client.get("/w", **bearer(issuer.access_token(client_id="worker",
                                                           scopes=["orders/write"])))
        assert ok.content == b"written"


def test_keys_unavailable_is_503(client: Client, settings: Any, cognito: dict[str, Any],
                                 issuer: LocalIssuer) -> None:
    configure(settings, JWKS_URL="http://127.0.0.1:9/jwks.json")
    r = client.get("/me", **bearer(issuer.access_token(client_id="worker")))
    assert r.status_code == 503
    assert json.loads(r.content) == {"detail": "Authentication is temporarily unavailable."}


def test_unknown_setting_is_refused(client: Client, settings: Any,
                                    cognito: dict[str, Any]) -> None:
    configure(settings, ALLOWED_CLIENTS=["typo"])
    with pytest.raises(ConfigurationError, match="ALLOWED_CLIENTS"):
        client.get("/whoami")


def test_legacy_cognito_m2m_settings(client: Client, settings: Any) -> None:
    pool_issuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Legacy1"
    with LocalIssuer(issuer=pool_issuer) as legacy:
        del settings.COGNITO_AUTH
        settings.COGNITO_M2M = {"REGION": "eu-west-1", "USER_POOL_ID": "eu-west-1_Legacy1",
                                "JWKS_URL": legacy.jwks_url}
        # No ALLOWED_CLIENT_IDS: any client of the pool, as django-cognito-m2m means it.
        r = client.get("/me", **bearer(legacy.access_token(client_id="anyone")))
        assert r.content == b"client:anyone"
        # TOKEN_USE defaults to access tokens.
        r = client.get("/me", **bearer(legacy.id_token(client_id="anyone")))
        assert r.status_code == 401


def test_user_mapping(client: Client, settings: Any, cognito: dict[str, Any],
                      issuer: LocalIssuer) -> None:
    from django.urls import path

    def view(request: Any) -> HttpResponse:
        return HttpResponse(f"{type(request.user).__name__}:{request.user}")

    user = User.objects.create(username="worker")
    from django.test.utils import override_settings

    urls = type("urls", (), {"urlpatterns": [path("u", view)]})
    token = bearer(issuer.access_token(client_id="worker"))
    with override_settings(ROOT_URLCONF=urls):
        configure(settings, USER_MAPPING_ENABLED=True, USER_MAPPING_STRATEGY="client_id_field",
                  USER_MAPPING_FIELD="username")
        assert client.get("/u", **token).content == f"User:{user.username}".encode()
        configure(settings, USER_MAPPING_ENABLED=False, RETURN_USER_PROXY=True)
        assert client.get("/u", **token).content == b"ServicePrincipalProxyUser:worker"


def map_by_callable(principal: VerifiedToken) -> Any:
    return User.objects.filter(username=f"svc-{principal.client_id}").first()


class MapByClass:
    def map_principal_to_user(self, principal: VerifiedToken) -> Any:
        return User.objects.filter(email=principal.claims.get("owner")).first()


def test_user_mapping_strategies(client: Client, settings: Any, cognito: dict[str, Any],
                                 issuer: LocalIssuer) -> None:
    from django.test.utils import override_settings
    from django.urls import path

    def view(request: Any) -> HttpResponse:
        return HttpResponse(str(getattr(request, "user", "none")))

    User.objects.create(username="svc-worker")
    User.objects.create(username="owned", email="ops@example.com")
    urls = type("urls", (), {"urlpatterns": [path("u", view)]})
    token = bearer(issuer.access_token(client_id="worker", claims={"owner": "ops@example.com"}))
    with override_settings(ROOT_URLCONF=urls):
        configure(settings, USER_MAPPING_ENABLED=True, USER_MAPPING_STRATEGY="claim_field",
                  USER_MAPPING_FIELD="email", USER_MAPPING_CLAIM="owner")
        assert client.get("/u", **token).content == b"owned"
        configure(settings, USER_MAPPING_STRATEGY="callable",
                  USER_MAPPING_CALLABLE="test_django.map_by_callable")
        assert client.get("/u", **token).content == b"svc-worker"
        configure(settings, USER_MAPPING_STRATEGY="class",
                  USER_MAPPING_CLASS="test_django.MapByClass")
        assert client.get("/u", **token).content == b"owned"
        configure(settings, USER_MAPPING_STRATEGY="claim_field", USER_MAPPING_CLAIM=None)
        with pytest.raises(ConfigurationError):
            client.get("/u", **token)


def test_activity_is_recorded_and_coalesced(client: Client, settings: Any,
                                            cognito: dict[str, Any],
                                            issuer: LocalIssuer) -> None:
    configure(settings, TRACK_CLIENT_ACTIVITY=True, ACTIVITY_INTERVAL=3600)
    activity._pending.clear()
    worker = bearer(issuer.access_token(client_id="worker"))
    other = bearer(issuer.access_token(client_id="other"))
    for _ in range(5):
        assert client.get("/me", **worker).status_code == 200
    assert client.get("/me", **other).status_code == 200
    rows = {a.client_id: a for a in ServiceClientActivity.objects.all()}
    assert set(rows) == {"worker", "other"}
    assert rows["worker"].requests == 1  # one write for five requests
    activity.flush()
    rows = {a.client_id: a for a in ServiceClientActivity.objects.all()}
    assert rows["worker"].requests == 5 and rows["other"].requests == 1
    assert rows["worker"].last_seen_at >= rows["worker"].first_seen_at


async def test_async_middleware(async_client: AsyncClient, cognito: dict[str, Any],
                                issuer: LocalIssuer) -> None:
    r = await async_client.get("/whoami", headers={
        "Authorization": f"Bearer {issuer.access_token(client_id='worker')}"})
    assert r.content == b"client:worker"
    r = await async_client.get("/whoami", headers={"Authorization": "Bearer a b"})
    assert r.status_code == 401


@pytest.mark.urls("apps.drf_urls")
def test_drf_request_auth_is_the_principal(client: Client, settings: Any,
                                           cognito: dict[str, Any],
                                           issuer: LocalIssuer) -> None:
    settings.MIDDLEWARE = []
    settings.REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": ["cognito_auth.drf.CognitoAuthentication"],
        "DEFAULT_PERMISSION_CLASSES": [],
        "UNAUTHENTICATED_USER": None,
    }
    from django.urls import path
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from cognito_auth.drf import HasCognitoScopes

    class View(APIView):
        permission_classes = [HasCognitoScopes]
        required_scopes = ["orders/read"]

        def get(self, request: Any) -> Response:
            assert isinstance(request.auth, VerifiedToken)
            return Response({"client": request.auth.client_id,
                             "scopes": sorted(request.auth.scopes)})

    from django.test.utils import override_settings

    urls = type("urls", (), {"urlpatterns": [path("v", View.as_view())]})
    with override_settings(ROOT_URLCONF=urls):
        ok = client.get("/v", **bearer(issuer.access_token(client_id="worker",
                                                           scopes=["orders/read"])))
        assert ok.json() == {"client": "worker", "scopes": ["orders/read"]}
        no = client.get("/v", **bearer(issuer.access_token(client_id="worker")))
        assert no.status_code == 403
        assert no["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="orders/read"'
        anon = client.get("/v")
        assert anon.status_code == 401 and anon["WWW-Authenticate"] == "Bearer"
