"""FastAPI and Starlette integration.

::

    from fastapi import FastAPI, Security
    from cognito_auth import ServicePrincipal, Verifier
    from cognito_auth.fastapi import CognitoAuth

    auth = CognitoAuth(Verifier(user_pool_id="eu-west-1_AbC123", token_use="access",
                                allowed_clients=["svc-a"]))
    app = FastAPI()

    @app.get("/orders")
    async def orders(principal: ServicePrincipal = Security(auth, scopes=["orders/read"])):
        return {"client": principal.client_id}

``Security(auth, scopes=[...])`` requires a principal with all the scopes (``auth.any``
for any of them); ``Depends(auth.optional)`` gives the principal or ``None``. Refusals are
the core's: 401 with ``WWW-Authenticate: Bearer`` (``error="invalid_token"`` for a bad
token), 403 with ``error="insufficient_scope"``, 503 when the keys cannot be fetched, JSON
bodies ``{"detail": …}`` that never name a validator's internals.

:class:`CognitoAuthMiddleware` (from :mod:`cognito_auth.starlette`, for
``app.add_middleware(CognitoAuthMiddleware, auth=auth)``) authenticates every request first (required
mode: 401 before routing; permissive: anonymous requests pass) and the dependencies then
read its principal.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Literal

from fastapi import HTTPException, Request
from fastapi.security import SecurityScopes

from cognito_auth._native import Guard, VerifiedToken, Verifier
from cognito_auth.exceptions import RequestRefused
from cognito_auth.starlette import STATE_KEY as _STATE_KEY
from cognito_auth.starlette import CognitoAuthMiddleware, Scope, header_values
from cognito_auth.web import Authenticator

__all__ = ["CognitoAuth", "CognitoAuthMiddleware"]


def _http_error(refused: RequestRefused) -> HTTPException:
    headers = {}
    if refused.www_authenticate is not None:
        headers["WWW-Authenticate"] = refused.www_authenticate
    return HTTPException(status_code=refused.status, detail=str(refused), headers=headers)


class CognitoAuth:
    """A FastAPI security dependency over the core's authenticator.

    ``verifier``: the :class:`~cognito_auth.Verifier` to use; the keyword arguments set the
    web behaviour: ``mode`` (``"required"`` or ``"permissive"``, used by
    :class:`CognitoAuthMiddleware`), ``header_name``, ``scheme``, ``realm``,
    ``fail_on_invalid_bearer``, ``allowed_clients`` (enforced for every request).
    """

    def __init__(
        self,
        verifier: Verifier,
        *,
        mode: Literal["required", "permissive"] = "required",
        header_name: str = "Authorization",
        scheme: str = "Bearer",
        realm: str | None = None,
        fail_on_invalid_bearer: bool = True,
        allowed_clients: Iterable[str] | None = None,
    ) -> None:
        config: dict[str, Any] = {
            "mode": mode,
            "header_name": header_name,
            "header_prefix": scheme,
            "fail_on_invalid_bearer": fail_on_invalid_bearer,
        }
        if realm is not None:
            config["realm"] = realm
        if allowed_clients is not None:
            config["allowed_clients"] = list(allowed_clients)
        # The verifier decides the client rule; a web allowlist narrows it for guards.
        self.authenticator = Authenticator(json.dumps(config), verifier)
        self._header = header_name.lower().encode("latin-1")
        self._guards: dict[tuple[tuple[str, ...], str], Guard] = {}

    @classmethod
    def from_env(cls, **kwargs: Any) -> CognitoAuth:
        """:class:`~cognito_auth.Verifier.from_env` and these keyword arguments."""
        from cognito_auth import Verifier as PyVerifier

        return cls(PyVerifier.from_env(), **kwargs)

    def _values(self, scope: Scope) -> list[bytes]:
        return header_values(scope, self._header)

    async def _principal(self, request: Request) -> VerifiedToken | None:
        state = request.scope.get("state") or {}
        if _STATE_KEY in state:
            principal: VerifiedToken | None = state[_STATE_KEY]
            return principal
        try:
            return await self.authenticator.aauthenticate(self._values(request.scope))
        except RequestRefused as refused:
            raise _http_error(refused) from None

    def _check(self, guard: Guard, principal: VerifiedToken | None, method: str) -> None:
        try:
            guard.check(principal, method, self.authenticator)
        except RequestRefused as refused:
            raise _http_error(refused) from None

    def _scopes_guard(self, scopes: list[str], match: Literal["all", "any"]) -> Guard:
        # One guard per distinct scope list, built on first use (not per request).
        key = (tuple(scopes), match)
        guard = self._guards.get(key)
        if guard is None:
            guard = Guard(scopes=scopes or None, scope_match=match)
            if len(self._guards) < 1024:
                self._guards[key] = guard
        return guard

    async def _require(self, request: Request, guard: Guard) -> VerifiedToken:
        principal = await self._principal(request)
        self._check(guard, principal, request.method)
        assert principal is not None  # a guard refuses anonymous requests
        return principal

    async def __call__(
        self, request: Request, security_scopes: SecurityScopes
    ) -> VerifiedToken:
        """The principal, with every scope of ``Security(auth, scopes=[...])``."""
        return await self._require(request, self._scopes_guard(security_scopes.scopes, "all"))

    async def any(self, request: Request, security_scopes: SecurityScopes) -> VerifiedToken:
        """Like the instance itself, with any one of the scopes enough."""
        return await self._require(request, self._scopes_guard(security_scopes.scopes, "any"))

    async def optional(self, request: Request) -> VerifiedToken | None:
        """The principal, or ``None`` for an anonymous request (an invalid token is still
        refused unless ``fail_on_invalid_bearer=False``)."""
        if _STATE_KEY not in (request.scope.get("state") or {}) and not self._values(
            request.scope
        ):
            return None  # no middleware ran and no header was sent: anonymous
        return await self._principal(request)

    def guard(
        self,
        *,
        scopes: Iterable[str] | None = None,
        scope_match: Literal["all", "any"] | None = None,
        method_scopes: dict[str, list[str]] | None = None,
        clients: Iterable[str] | None = None,
        any_groups: Iterable[str] | None = None,
        all_groups: Iterable[str] | None = None,
    ) -> Callable[[Request], Awaitable[VerifiedToken]]:
        """A dependency for a route's requirements (per-method scopes with ``HEAD`` as
        ``GET``, client allowlist, groups)."""
        g = Guard(
            scopes=list(scopes) if scopes is not None else None,
            scope_match=scope_match,
            method_scopes=method_scopes,
            clients=list(clients) if clients is not None else None,
            any_groups=list(any_groups) if any_groups is not None else None,
            all_groups=list(all_groups) if all_groups is not None else None,
        )

        async def dependency(request: Request) -> VerifiedToken:
            return await self._require(request, g)

        return dependency
