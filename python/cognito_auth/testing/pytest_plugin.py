"""pytest fixtures of ``cognito_auth.testing`` (registered through the ``pytest11`` entry
point when the package is installed).

- ``cognito_issuer``: a :class:`~cognito_auth.testing.LocalIssuer` for the session, with one
  confidential client ``test-client`` (secret ``test-secret``, scopes ``test/read`` and
  ``test/write``);
- ``cognito_token``: ``cognito_token(client_id="…", scopes=[…], groups=[…], …)`` returns a
  signed access token of that issuer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cognito_auth.testing import LocalIssuer


@pytest.fixture(scope="session")
def cognito_issuer() -> Iterator[LocalIssuer]:
    """A local issuer on 127.0.0.1 for the whole session."""
    issuer = LocalIssuer(clients=[("test-client", "test-secret", ["test/read", "test/write"])])
    try:
        yield issuer
    finally:
        issuer.close()


@pytest.fixture
def cognito_token(cognito_issuer: LocalIssuer) -> Callable[..., str]:
    """A factory of signed access tokens: keyword arguments of
    :meth:`LocalIssuer.access_token`."""

    def make(**kwargs: Any) -> str:
        return cognito_issuer.access_token(**kwargs)

    return make
