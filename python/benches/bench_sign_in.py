"""SRP sign-in from Python, as a user feels it: a whole process (interpreter start, imports,
client set-up, USER_SRP_AUTH + PASSWORD_VERIFIER, tokens in hand) against the strict peer
of the Rust test suite on loopback, which checks the SRP proof. Ours and pycognito 2024.5.1
(AWSSRP on a boto3 client) sign in to the same peer; `python -c pass` is the floor. Then
sign-ins repeated inside one process (no start-up), to show the per-sign-in cost.

    python bench_sign_in.py <path to target/…/user_peer> [runs]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

OURS = """
import cognito_auth
p = cognito_auth.UserPool(user_pool_id={pool!r}, client_id={client!r}, client_secret={secret!r}, endpoint={url!r})
for _ in range({n}):
    s = p.sign_in({alias!r}, {password!r})
    assert s.access_token().count(".") == 2
"""

PYCOGNITO = """
import boto3
from pycognito.aws_srp import AWSSRP
c = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url={url!r},
                 aws_access_key_id="x", aws_secret_access_key="x")
for _ in range({n}):
    a = AWSSRP(username={alias!r}, password={password!r}, pool_id={pool!r}, client_id={client!r},
               client=c, client_secret={secret!r})
    t = a.authenticate_user()
    assert t["AuthenticationResult"]["AccessToken"].count(".") == 2
"""


def timed(code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - t0


def main() -> None:
    peer_bin = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    peer = subprocess.Popen([peer_bin], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert peer.stdout is not None
    info = json.loads(peer.stdout.readline())
    fmt = {k: info[k] for k in ("url", "pool", "client", "secret", "alias", "password")}
    try:
        rows = []
        for name, code in [
            ("python -c pass", "pass"),
            ("cognito_auth UserPool.sign_in", OURS.format(n=1, **fmt)),
            ("pycognito AWSSRP.authenticate_user", PYCOGNITO.format(n=1, **fmt)),
        ]:
            timed(code)  # warm the page cache
            samples = sorted(timed(code) for _ in range(runs))
            rows.append((name, statistics.median(samples), samples[int(len(samples) * 0.9) - 1]))
        print(f"process start → tokens, {runs} runs each (median / p90):")
        for name, med, p90 in rows:
            print(f"  {name:40s} {med * 1000:7.1f} ms  {p90 * 1000:7.1f} ms")
        n = 50
        print(f"inside one process, {n} sign-ins (per sign-in, start-up excluded):")
        for name, code in [("cognito_auth", OURS), ("pycognito", PYCOGNITO)]:
            one = timed(code.format(n=1, **fmt))
            many = timed(code.format(n=n + 1, **fmt))
            print(f"  {name:40s} {(many - one) / n * 1000:7.2f} ms")
    finally:
        if peer.stdin:
            peer.stdin.close()
        peer.stdout.close()
        peer.wait(timeout=10)


if __name__ == "__main__":
    main()
