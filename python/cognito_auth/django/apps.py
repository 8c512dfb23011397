"""App configuration (``INSTALLED_APPS = [..., "cognito_auth.django"]``)."""

from __future__ import annotations

from django.apps import AppConfig


class CognitoAuthConfig(AppConfig):
    """Registers the ``ServiceClientActivity`` model (label ``cognito_auth``)."""

    name = "cognito_auth.django"
    label = "cognito_auth"
    verbose_name = "Cognito authentication"
    default_auto_field = "django.db.models.BigAutoField"
