"""Starts a local issuer named like a real pool and runs drf_instructions.sh (callgrind) and
drf_cpu.sh (server CPU under load) against it.

    python bench_drf.py <venv>
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cognito_auth.testing import LocalIssuer

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_DrfBench"


def main() -> None:
    with LocalIssuer(issuer=ISSUER) as issuer:
        token = issuer.access_token(client_id="bench-client", scopes=["orders/read"],
                                    expires_in=86_400)
        env = dict(os.environ, BENCH_ISSUER=ISSUER, BENCH_JWKS_URL=issuer.jwks_url,
                   BENCH_CLIENT="bench-client", BENCH_TOKEN=token)
        here = Path(__file__).parent
        subprocess.run([str(here / "drf_instructions.sh"), sys.argv[1]], check=True, env=env)
        subprocess.run([str(here / "drf_cpu.sh"), sys.argv[1], ISSUER, issuer.jwks_url,
                        "bench-client", token], check=True)


if __name__ == "__main__":
    main()
