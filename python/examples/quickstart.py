"""The Python quick start, on the embedded local issuer (no AWS account needed):

    python python/examples/quickstart.py

A worker gets a client-credentials token (cached: the second call sends nothing), a
resource server verifies it, and the three kinds of refusal show their typed exceptions.
"""

from __future__ import annotations

from cognito_auth import (
    ClientNotAllowed,
    InsufficientScope,
    NotAuthenticated,
    TokenSource,
    Verifier,
)
from cognito_auth.testing import LocalIssuer


def main() -> None:
    with LocalIssuer(clients=[("reporting-worker", "s3cret", ["orders/read"])]) as issuer:
        # The machine caller: one token request, however often it asks.
        tokens = TokenSource(token_url=issuer.token_url, client_id="reporting-worker",
                             client_secret="s3cret", scopes=["orders/read"])
        token = tokens.token()
        assert tokens.token() == token
        print(f"worker: {token!r} ({issuer.token_requests()} token request)")

        # The resource server: issuer, token_use, client and scopes checked.
        verifier = Verifier(issuer=issuer.issuer, token_use="access",
                            allowed_clients=["reporting-worker"], scopes=["orders/read"])
        principal = verifier.verify(token.access_token)
        print(f"server: accepted {principal.client_id} with {sorted(principal.scopes)}")

        refusals = {
            "expired": issuer.access_token(client_id="reporting-worker", expired=True,
                                           scopes=["orders/read"]),
            "another client": issuer.access_token(client_id="intruder",
                                                  scopes=["orders/read"]),
            "missing scope": issuer.access_token(client_id="reporting-worker"),
        }
        for name, raw in refusals.items():
            try:
                verifier.verify(raw)
            except (NotAuthenticated, ClientNotAllowed, InsufficientScope) as e:
                print(f"server: {name}: {type(e).__name__} ({e.status}, {e.reason})")


if __name__ == "__main__":
    main()
