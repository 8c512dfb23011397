"""Verification speed from Python, ours and m2m-cognito 0.1.5's, on the same tokens.

    python bench_verify.py <dir written by `mint_tokens <count> <dir>`>

Prints one JSON object: per-token times (distinct tokens, one thread), the ratio, a reused
token per call, and the throughput of 4 threads against 1 (the GIL is released while the
core verifies). Every figure is the median of 5 runs, run alternately.
"""

from __future__ import annotations

import http.server
import json
import statistics
import sys
import threading
import time
from pathlib import Path

import jwt
import m2m_cognito

from cognito_auth import Verifier

POOL = "us-east-1_BenchPool"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"
CLIENT = "benchclient0000000000000000"


def serve_jwks(jwks: bytes) -> str:
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(jwks)))
            self.end_headers()
            self.wfile.write(jwks)

        def log_message(self, *a: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{srv.server_address[1]}/.well-known/jwks.json"


def timed(fn, items) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    for x in items:
        fn(x)
    return (time.perf_counter() - t) / len(items)


def main() -> None:
    d = Path(sys.argv[1])
    tokens = (d / "tokens.txt").read_text().split()
    jwks_url = serve_jwks((d / "jwks.json").read_bytes())
    runs = 5
    ours_t, theirs_t, reuse_t = [], [], []
    n_theirs = min(len(tokens) // runs, 2000)
    for r in range(runs):
        chunk = tokens[r * (len(tokens) // runs):(r + 1) * (len(tokens) // runs)]
        # A fresh verifier per run: every token is new to its cache.
        ours = Verifier(issuer=ISSUER, jwks_url=jwks_url, token_use="access",
                        allowed_clients=[CLIENT], token_cache_size=1)
        ours.hydrate()
        ours_t.append(timed(ours.verify, chunk))
        theirs = m2m_cognito.CognitoAccessTokenValidator(
            region="us-east-1", user_pool_id=POOL, allowed_client_ids={CLIENT})
        theirs._jwks_client = jwt.PyJWKClient(jwks_url)
        theirs.validate(chunk[0])
        theirs_t.append(timed(theirs.validate, chunk[:n_theirs]))
        one = Verifier(issuer=ISSUER, jwks_url=jwks_url, token_use="access",
                       allowed_clients=[CLIENT])
        one.verify(tokens[0])
        reuse_t.append(timed(one.verify, [tokens[0]] * 200_000))

    # Threads: the same distinct tokens verified by 1 thread, then split over 4.
    def throughput(threads: int) -> float:
        v = Verifier(issuer=ISSUER, jwks_url=jwks_url, token_use="access",
                     allowed_clients=[CLIENT], token_cache_size=1)
        v.hydrate()
        parts = [tokens[i::threads] for i in range(threads)]
        ts = [threading.Thread(target=lambda p=p: [v.verify(t) for t in p]) for p in parts]
        t0 = time.perf_counter()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return len(tokens) / (time.perf_counter() - t0)

    one_thread, four_threads = [], []
    for _ in range(3):
        one_thread.append(throughput(1))
        four_threads.append(throughput(4))
    med = statistics.median
    print(json.dumps({
        "distinct_tokens": len(tokens),
        "ours_us_per_token": round(med(ours_t) * 1e6, 2),
        "m2m_cognito_us_per_token": round(med(theirs_t) * 1e6, 2),
        "speedup": round(med(theirs_t) / med(ours_t), 2),
        "reused_token_us": round(med(reuse_t) * 1e6, 3),
        "threads_1_per_s": round(med(one_thread)),
        "threads_4_per_s": round(med(four_threads)),
        "threads_scaling": round(med(four_threads) / med(one_thread), 2),
    }))


if __name__ == "__main__":
    main()
