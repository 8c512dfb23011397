"""``CognitoAuthMiddleware``: authenticates every request as the core's mode says
(``MODE``: ``"permissive"`` by default, as django-cognito-m2m's middleware; ``"required"``
refuses every request without a valid token) and attaches the principal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponse

from cognito_auth.exceptions import RequestRefused

from . import conf
from .utils import _DONE, attach_principal, authenticate, refusal_response

__all__ = ["CognitoAuthMiddleware", "CognitoM2MMiddleware"]


class CognitoAuthMiddleware:
    """Attaches the request's principal (``request.service_principal``, ``request.auth``);
    answers 401 / 403 / 503 with the core's headers and bodies when the request may not
    pass. Sync and async."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        try:
            authenticate(request)
        except RequestRefused as refused:
            return refusal_response(refused)
        return self.get_response(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        auth = conf.get_authenticator()
        value = request.META.get(conf.meta_key())
        try:
            principal = await auth.aauthenticate([value] if value is not None else [])
        except RequestRefused as refused:
            return refusal_response(refused)
        setattr(request, _DONE, True)
        if principal is not None:
            await sync_to_async(attach_principal)(request, principal)
        get_response: Callable[[HttpRequest], Awaitable[HttpResponse]] = self.get_response
        return await get_response(request)


#: django-cognito-m2m's name.
CognitoM2MMiddleware = CognitoAuthMiddleware
