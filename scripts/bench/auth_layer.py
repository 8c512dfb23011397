#!/usr/bin/env python3
"""The auth layer's cost per request, server side only (issue: "measure what users feel").

Starts a bench server (a binary printing PORT and TOKEN) and measures the same handler
behind four routes: /public (no auth), /auth (auth layer), /guarded (auth layer + a separate
one-scope guard layer), /combined (one auth layer enforcing the same guard), with a valid,
already-verified token.

  cpu       wrk (another process, pinned to another core) loads each route for --seconds
            between two runs of /public, for --rounds; the server's CPU time comes from
            /proc/<pid>/stat (utime + stime). Prints CPU microseconds per request and the
            median ratio to the /public runs around each route (paired, so drift on a
            shared machine cancels), with its range.
  callgrind the server runs under valgrind --tool=callgrind; a keep-alive client (this
            script) sends N1 and then N2 requests to one route in two runs; instructions per
            request = (I(N2) - I(N1)) / (N2 - N1), which cancels start-up and shutdown.

Usage: auth_layer.py cpu|callgrind SERVER_BINARY [--seconds 1] [--rounds 15]
"""
import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROUTES = ["public", "auth", "guarded", "combined"]


def routes(port, token):
    """The routes to measure: /noop (a pass-through layer, the framework's own cost of one
    layer) when the server has it."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", "/noop", headers={"Authorization": f"Bearer {token}"})
    r = c.getresponse()
    r.read()
    c.close()
    return ROUTES + (["noop"] if r.status == 200 else [])


def start(cmd):
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = token = None
    deadline = time.time() + 120
    while (port is None or token is None) and time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        if line.startswith("PORT "):
            port = int(line.split()[1])
        elif line.startswith("TOKEN "):
            token = line.split()[1]
    if port is None or token is None:
        p.kill()
        sys.exit("bench server did not start")
    # Wait until it answers.
    for _ in range(600):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/public")
            c.getresponse().read()
            c.close()
            break
        except OSError:
            time.sleep(0.1)
    return p, port, token


def stop(p, port):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", "/__exit")
        c.getresponse().read()
    except OSError:
        pass
    try:
        p.wait(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wrk(port, route, token, seconds, connections):
    out = subprocess.run(
        ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
         "-H", f"Authorization: Bearer {token}", f"http://127.0.0.1:{port}/{route}"],
        capture_output=True, text=True, check=True).stdout
    n = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        sys.exit(f"/{route}: {non2xx.group(1)} requests failed")
    return n


def cpu(args):
    """Paired measurement: each round runs /public before and after every other route
    (P R1 P R2 P ...), and a route's ratio is its CPU per request over the mean of the two
    /public runs around it. Drift on a shared machine (other tenants, frequency) then
    cancels within a pair; the median over rounds is printed with the range."""
    p, port, token = start(["taskset", "-c", "0", args.server])
    all_routes = routes(port, token)
    others = [r for r in all_routes if r != "public"]
    hz = os.sysconf("SC_CLK_TCK")
    per = {r: [] for r in all_routes}
    ratio = {r: [] for r in others}
    rps = {r: [] for r in all_routes}
    rss = []

    def run(r):
        t0 = cpu_ticks(p.pid)
        n = wrk(port, r, token, args.seconds, args.connections)
        t1 = cpu_ticks(p.pid)
        us = (t1 - t0) / hz / n * 1e6
        per[r].append(us)
        rps[r].append(n / args.seconds)
        return us

    try:
        for r in all_routes:  # warm-up
            wrk(port, r, token, 1, args.connections)
        rss.append(rss_kib(p.pid))
        for _ in range(args.rounds):
            before = run("public")
            for r in others:
                us = run(r)
                after = run("public")
                ratio[r].append(us / ((before + after) / 2))
                before = after
            rss.append(rss_kib(p.pid))
    finally:
        stop(p, port)
    base = statistics.median(per["public"])
    print(f"server CPU per request ({args.rounds} rounds; each route {args.seconds} s between two "
          f"{args.seconds} s runs of /public; wrk -c{args.connections} on another core; "
          f"ratio = median over rounds, range in brackets):")
    print(f"  /{'public':<8} {base:7.2f} us   x1.000                  {statistics.median(rps['public']):9.0f} req/s")
    for r in others:
        m = statistics.median(ratio[r])
        print(f"  /{r:<8} {statistics.median(per[r]):7.2f} us   x{m:5.3f} [{min(ratio[r]):5.3f}-{max(ratio[r]):5.3f}]"
              f"   {statistics.median(rps[r]):9.0f} req/s"
              f"   requests per server CPU-second relative to /public: {1 / m:5.3f}")
    print(f"  server RSS: {rss[0]} KiB after warm-up, {rss[-1]} KiB at the end "
          f"({len(rss) - 1} rounds, {args.rounds * (2 * len(others) + 1) * args.seconds} s of load)")


def totals(path):
    with open(path) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    sys.exit(f"no callgrind totals in {path}")


def callgrind(args):
    """One server under callgrind for all routes. For each route: zero the counters, send N1
    requests, dump; zero, send N2, dump. Start-up (key generation) is never counted, and the
    difference cancels the fixed cost of a dump."""
    res = {}
    with tempfile.TemporaryDirectory() as d:
        outfile = os.path.join(d, "cg.out")
        p, port, token = start(["valgrind", "--tool=callgrind", f"--callgrind-out-file={outfile}",
                                "--dump-instr=no", args.server])
        all_routes = routes(port, token)
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Authorization": f"Bearer {token}"}

        def send(route, n):
            for _ in range(n):
                c.request("GET", f"/{route}", headers=headers)
                r = c.getresponse()
                r.read()
                if r.status != 200:
                    sys.exit(f"/{route}: status {r.status}")

        def measure(route, n):
            before = set(os.listdir(d))
            subprocess.run(["callgrind_control", "-z", str(p.pid)], check=True, capture_output=True)
            send(route, n)
            subprocess.run(["callgrind_control", "-d", str(p.pid)], check=True, capture_output=True)
            new = sorted(set(os.listdir(d)) - before)
            return totals(os.path.join(d, new[-1]))

        for r in all_routes:
            send(r, 50)  # warm-up: the token is verified and cached
        for r in all_routes:
            i1 = measure(r, args.n1)
            i2 = measure(r, args.n2)
            res[r] = (i2 - i1) / (args.n2 - args.n1)
        c.close()
        stop(p, port)
    base = res["public"]
    print(f"server instructions per request (callgrind, {args.n2} - {args.n1} requests, keep-alive client in another process):")
    for r in all_routes:
        print(f"  /{r:<8} {res[r]:9.0f}   x{res[r] / base:5.3f}   (+{res[r] - base:.0f})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["cpu", "callgrind"])
    ap.add_argument("server")
    ap.add_argument("--seconds", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--n1", type=int, default=300)
    ap.add_argument("--n2", type=int, default=1300)
    args = ap.parse_args()
    {"cpu": cpu, "callgrind": callgrind}[args.mode](args)


if __name__ == "__main__":
    main()
