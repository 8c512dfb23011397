"""One process of the instruction-count benchmark: DRF's request path in process (the WSGI
handler's work, no sockets), counted by callgrind from outside.

    valgrind --tool=callgrind python drf_instructions.py <ours|django-cognito-m2m> <open|protected> <n>

with BENCH_ISSUER, BENCH_JWKS_URL, BENCH_CLIENT and BENCH_TOKEN set by bench_drf.py (the
issuer runs in that process: its key generation would make the counts vary).

Every run does the same warm-up (one request of each view, so the keys are fetched and the
token verified once), then ``n`` requests of one view with the same valid token; the
per-request count is (count(n) - count(0)) / n.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    variant, view_name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.environ["BENCH_VARIANT"] = variant
    token = os.environ["BENCH_TOKEN"]
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import drf_app
    from django.test import RequestFactory

    rf = RequestFactory()
    views = {"open": drf_app.Open.as_view(), "protected": drf_app.Protected.as_view()}
    for v in views.values():
        r = v(rf.get("/x", HTTP_AUTHORIZATION=f"Bearer {token}"))
        r.render()
        assert r.status_code == 200, r.status_code
    view = views[view_name]
    for _ in range(n):
        view(rf.get("/x", HTTP_AUTHORIZATION=f"Bearer {token}")).render()


if __name__ == "__main__":
    main()
