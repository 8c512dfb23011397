"""Principal → the application's user (django-cognito-m2m's settings): strategies
``client_id_field``, ``claim_field``, ``callable`` and ``class``, or a proxy user
(``RETURN_USER_PROXY``). Nothing is set on ``request.user`` when neither is configured, so
session users of the same project stay as they are."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist
from django.utils.module_loading import import_string

from cognito_auth._native import VerifiedToken
from cognito_auth.exceptions import CognitoAuthError, ConfigurationError

from . import conf

__all__ = ["BaseUserMapper", "ServicePrincipalProxyUser", "UserMappingError",
           "map_principal_to_user"]


class UserMappingError(CognitoAuthError):
    """The lookup found several users, or the project's mapper failed."""


@dataclass(frozen=True, slots=True)
class ServicePrincipalProxyUser:
    """A user-like object for a principal without a user row."""

    principal: VerifiedToken

    pk = None
    id = None

    @property
    def username(self) -> str:
        return self.principal.client_id

    @property
    def client_id(self) -> str:
        return self.principal.client_id

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def __str__(self) -> str:
        return self.username


class BaseUserMapper:
    """Base class of ``USER_MAPPING_CLASS`` mappers."""

    def map_principal_to_user(self, principal: VerifiedToken) -> Any:
        raise NotImplementedError


def _imported(name: str) -> Any:
    value = conf.get_setting(name)
    if isinstance(value, str):
        return import_string(value)
    return value


def _lookup(field: str, value: Any) -> Any:
    model = get_user_model()
    try:
        return model._default_manager.get(**{field: value})
    except ObjectDoesNotExist:
        return None
    except MultipleObjectsReturned as exc:
        raise UserMappingError(f"several users match {field!r}") from exc


def map_principal_to_user(principal: VerifiedToken) -> Any:
    """The mapped user, a proxy user, or ``None`` (leave ``request.user`` alone)."""
    settings = conf.values()
    if not settings["USER_MAPPING_ENABLED"] and not settings["RETURN_USER_PROXY"]:
        return None
    if conf.get_setting("USER_MAPPING_ENABLED"):
        strategy = conf.get_setting("USER_MAPPING_STRATEGY")
        field = conf.get_setting("USER_MAPPING_FIELD")
        user: Any = None
        if strategy == "client_id_field":
            if not field:
                raise ConfigurationError("USER_MAPPING_FIELD is required for client_id_field")
            user = _lookup(field, principal.client_id)
        elif strategy == "claim_field":
            claim = conf.get_setting("USER_MAPPING_CLAIM")
            if not field or not claim:
                raise ConfigurationError(
                    "USER_MAPPING_FIELD and USER_MAPPING_CLAIM are required for claim_field")
            value = principal.claims.get(claim)
            user = None if value in (None, "") else _lookup(field, value)
        elif strategy == "callable":
            mapper = _imported("USER_MAPPING_CALLABLE")
            if mapper is None:
                raise ConfigurationError("USER_MAPPING_CALLABLE is required for callable")
            user = mapper(principal)
        elif strategy == "class":
            cls = _imported("USER_MAPPING_CLASS")
            if cls is None:
                raise ConfigurationError("USER_MAPPING_CLASS is required for class")
            user = cls().map_principal_to_user(principal)
        else:
            raise ConfigurationError(f"unsupported USER_MAPPING_STRATEGY {strategy!r}")
        if user is not None:
            return user
    if conf.get_setting("RETURN_USER_PROXY"):
        return ServicePrincipalProxyUser(principal)
    return None
