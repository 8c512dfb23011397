"""Django integration: middleware, view decorators, class-based-view mixins, user mapping
and client activity tracking, on the core's web decisions.

Settings: a ``COGNITO_AUTH`` dict with django-cognito-m2m's upper-case keys (``REGION``,
``USER_POOL_ID``, ``ALLOWED_CLIENT_IDS``, ``AUDIENCE``, ``HEADER_NAME``, ``HEADER_PREFIX``,
``DEFAULT_SCOPE_MATCH``, ``FAIL_ON_INVALID_BEARER``, ``JSON_ERROR_RESPONSES``,
``USER_MAPPING_*``, ``RETURN_USER_PROXY``, ``TRACK_CLIENT_ACTIVITY``, …) plus ``TOKEN_USE``,
``JWKS_URL``, ``ANY_CLIENT``, ``ISSUER`` and ``MODE``. A project that still has
``COGNITO_M2M`` gets it read with django-cognito-m2m's meanings (``TOKEN_USE`` defaults to
``"access"``, no ``ALLOWED_CLIENT_IDS`` means any client of the pool)::

    INSTALLED_APPS = [..., "cognito_auth.django"]          # for activity tracking
    MIDDLEWARE = [..., "cognito_auth.django.middleware.CognitoAuthMiddleware"]
    COGNITO_AUTH = {
        "USER_POOL_ID": "eu-west-1_AbC123",
        "TOKEN_USE": "access",
        "ALLOWED_CLIENT_IDS": ["reporting-worker"],
    }
"""
