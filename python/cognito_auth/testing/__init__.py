"""A local Cognito-shaped issuer for tests: the Rust test kit's server (JWKS, OpenID
configuration, ``/oauth2/token`` for client credentials, real RS256 signatures) on
127.0.0.1, started from Python.

::

    from cognito_auth import Verifier
    from cognito_auth.testing import LocalIssuer

    with LocalIssuer(clients=[("worker", "s3cret", ["orders/read"])]) as issuer:
        verifier = Verifier(issuer=issuer.issuer, token_use="access", allowed_clients=["worker"])
        token = issuer.access_token(client_id="worker", scopes=["orders/read"])
        assert verifier.verify(token).client_id == "worker"

With pytest, the plugin (installed with the package) offers the fixtures
``cognito_issuer`` (one issuer per test session) and ``cognito_token`` (a factory of signed
access tokens from it).
"""

from __future__ import annotations

from cognito_auth._native import LocalIssuer

__all__ = ["LocalIssuer"]
