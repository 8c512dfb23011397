"""Django settings of the in-process Django and DRF tests (pytest-django). The database is
SQLite, or the PostgreSQL scripts/test.sh started when COGNITO_TEST_DJANGO_DB=postgres."""

from __future__ import annotations

import os
from urllib.parse import urlparse

SECRET_KEY = "tests"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
ROOT_URLCONF = "apps.django_urls"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "cognito_auth.django",
]
MIDDLEWARE = ["cognito_auth.django.middleware.CognitoAuthMiddleware"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if os.environ.get("COGNITO_TEST_DJANGO_DB") == "postgres":
    url = urlparse(os.environ["COGNITO_TEST_DATABASE_URL"])
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": url.path.lstrip("/") or "postgres",
            "USER": url.username or "postgres",
            "PASSWORD": url.password or "",
            "HOST": url.hostname,
            "PORT": url.port,
        }
    }
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

# Replaced per test with override_settings (the issuer's URL is known only at run time).
COGNITO_AUTH = {
    "ISSUER": "http://127.0.0.1:9",
    "TOKEN_USE": "access",
    "ALLOWED_CLIENT_IDS": ["worker"],
}
