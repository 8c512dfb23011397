"""Serves the project's standard web app (the table in
crates/cognito-auth-testsuite/src/web_matrix) built on the Python package, on 127.0.0.1.

    python -m apps.serve <fastapi|drf|django|django-cognito-m2m> '<AuthConfig JSON>'

Prints ``PORT <n>`` once listening, then serves until killed. Each configuration runs in a
process of its own, as a deployed app would (Django's settings are per process).
"""

from __future__ import annotations

import json
import socket
import sys
from typing import Any


def settings_of(cfg: dict[str, Any]) -> dict[str, Any]:
    """The app's ``COGNITO_AUTH`` for the matrix's AuthConfig."""
    out: dict[str, Any] = {
        "ISSUER": cfg["issuer"],
        "TOKEN_USE": cfg["token_use"],
        "ALLOWED_CLIENT_IDS": cfg["allowed_clients"],
        "MODE": cfg["mode"],
        "FAIL_ON_INVALID_BEARER": cfg["fail_on_invalid_bearer"],
    }
    if cfg.get("jwks_url"):
        out["JWKS_URL"] = cfg["jwks_url"]
    return out


def fastapi_app(cfg: dict[str, Any]) -> Any:
    from fastapi import Depends, FastAPI, Security
    from fastapi.responses import PlainTextResponse, Response
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from cognito_auth import ServicePrincipal, Verifier
    from cognito_auth.fastapi import CognitoAuth, CognitoAuthMiddleware

    verifier = Verifier(issuer=cfg["issuer"], jwks_url=cfg.get("jwks_url"),
                        token_use=cfg["token_use"], allowed_clients=cfg["allowed_clients"])
    auth = CognitoAuth(verifier, mode=cfg["mode"],
                       fail_on_invalid_bearer=cfg["fail_on_invalid_bearer"])
    app = FastAPI()
    app.add_middleware(CognitoAuthMiddleware, auth=auth)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Any, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:  # the standard app answers 405 without a body
            return Response(status_code=405)
        from fastapi.exception_handlers import http_exception_handler

        return await http_exception_handler(request, exc)

    text = PlainTextResponse

    @app.get("/whoami", response_class=text)
    async def whoami(p: ServicePrincipal | None = Depends(auth.optional)) -> str:
        return f"client:{p.client_id}" if p is not None else "anonymous"

    @app.get("/me", response_class=text)
    async def me(p: ServicePrincipal = Security(auth)) -> str:
        return f"client:{p.client_id}"

    @app.get("/orders", response_class=text)
    async def orders(p: ServicePrincipal = Security(auth, scopes=["orders/read",
                                                                  "orders/list"])) -> str:
        return "orders"

    @app.get("/reports", response_class=text)
    async def reports(p: ServicePrincipal = Security(auth.any, scopes=["reports/read",
                                                                       "reports/admin"])) -> str:
        return "reports"

    @app.api_route("/items", methods=["GET", "HEAD"], response_class=text)
    async def items_read(p: ServicePrincipal = Security(auth, scopes=["items/read"])) -> str:
        return "items"

    @app.post("/items", response_class=text)
    async def items_write(p: ServicePrincipal = Security(auth, scopes=["items/write"])) -> str:
        return "items"

    @app.delete("/items", response_class=text)
    async def items_admin(p: ServicePrincipal = Security(auth, scopes=["items/admin"])) -> str:
        return "items"

    @app.get("/partners", response_class=text)
    async def partners(p: ServicePrincipal = Depends(auth.guard(clients=["partner-a"]))) -> str:
        return "partners"

    @app.get("/typed", response_class=text)
    async def typed(p: ServicePrincipal = Security(auth, scopes=["orders/read"])) -> str:
        return f"typed:{p.client_id}"

    return app


def configure_django(cfg: dict[str, Any], *, drf: bool) -> None:
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF="apps.drf_urls" if drf else "apps.django_urls",
        SECRET_KEY="matrix",
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth",
                        "rest_framework", "cognito_auth.django"],
        MIDDLEWARE=[] if drf else ["cognito_auth.django.middleware.CognitoAuthMiddleware"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        COGNITO_AUTH=settings_of(cfg),
        REST_FRAMEWORK={
            "DEFAULT_AUTHENTICATION_CLASSES": ["cognito_auth.drf.CognitoAuthentication"],
            "DEFAULT_PERMISSION_CLASSES": [],
            "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
            "UNAUTHENTICATED_USER": None,
        },
        LOGGING_CONFIG=None,
    )
    django.setup()


def configure_django_cognito_m2m(cfg: dict[str, Any]) -> None:
    """django-cognito-m2m 0.3.0 (from PyPI) with its validator switched to ours."""
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF="apps.dcm_urls",
        SECRET_KEY="matrix",
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth",
                        "rest_framework", "django_cognito_m2m"],
        # Its middleware and DRF authentication catch authentication errors only: a token of
        # a client outside the allowlist is a 500 there (with m2m-cognito's validator too).
        # Its decorators answer 403, so the app uses those.
        MIDDLEWARE=[],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        COGNITO_M2M={
            "REGION": cfg["region"],
            "USER_POOL_ID": cfg["user_pool_id"],
            "VALIDATOR_CLASS": "cognito_auth.compat.m2m_cognito.CognitoAccessTokenValidator",
            "VALIDATOR_KWARGS": {"jwks_url": cfg["jwks_url"],
                                 "allowed_client_ids": cfg["allowed_clients"]},
        },
        LOGGING_CONFIG=None,
    )
    django.setup()


def main() -> None:
    framework, cfg_json = sys.argv[1], sys.argv[2]
    cfg = json.loads(cfg_json)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    if framework == "fastapi":
        import uvicorn

        config = uvicorn.Config(fastapi_app(cfg), log_level="warning", lifespan="off")
        server = uvicorn.Server(config)
        sock.listen(128)
        print(f"PORT {port}", flush=True)
        server.run(sockets=[sock])
        return
    if framework == "django-cognito-m2m":
        configure_django_cognito_m2m(cfg)
    else:
        configure_django(cfg, drf=framework == "drf")
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    sock.close()
    server = ThreadedWSGIServer(("127.0.0.1", port), Quiet)
    server.set_app(get_wsgi_application())
    print(f"PORT {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
