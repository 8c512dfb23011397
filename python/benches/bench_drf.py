"""Starts a local issuer named like a real pool and runs drf_cpu.sh against it.

    python bench_drf.py <venv>
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cognito_auth.testing import LocalIssuer

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_DrfBench"


def main() -> None:
    with LocalIssuer(issuer=ISSUER) as issuer:
        token = issuer.access_token(client_id="bench-client", scopes=["orders/read"],
                                    expires_in=86_400)
        subprocess.run(
            [str(Path(__file__).with_name("drf_cpu.sh")), sys.argv[1], ISSUER,
             issuer.jwks_url, "bench-client", token],
            check=True,
        )


if __name__ == "__main__":
    main()
