#!/usr/bin/env python3
"""`cognito verify` over a batch, as a whole process, against aws-jwt-verify doing the same job.

  cli_batch.py COGNITO_BINARY MINT_TOKENS_BINARY NODE_DIR [--runs 5]

Mints 20,000 distinct valid tokens and one JWKS (MINT_TOKENS_BINARY), then times each tool
on (a) the 20,000 distinct tokens and (b) one token repeated 200,000 times, stdin from a
file and stdout to /dev/null; median of --runs runs, wall clock. Both print one JSON
verdict per token; both outputs are checked once for 20,000 valid verdicts.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

POOL = "us-east-1_BenchPool"
CLIENT = "benchclient0000000000000000"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"


def timed(cmd, stdin_path, cwd=None, out=subprocess.DEVNULL):
    with open(stdin_path, "rb") as f:
        t0 = time.perf_counter()
        subprocess.run(cmd, stdin=f, stdout=out, stderr=subprocess.DEVNULL, check=True, cwd=cwd)
        return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cognito")
    ap.add_argument("mint")
    ap.add_argument("node_dir")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([a.mint, "20000", d], check=True)
        distinct = os.path.join(d, "tokens.txt")
        repeated = os.path.join(d, "repeated.txt")
        with open(distinct) as f:
            first = f.readline()
        with open(repeated, "w") as f:
            f.write(first * 200_000)
        jwks = os.path.join(d, "jwks.json")
        ours = [a.cognito, "verify", "--issuer", ISSUER, "--jwks-file", jwks,
                "--token-use", "access", "--client-id", CLIENT]
        theirs = ["node", "aws_jwt_verify.js", jwks, POOL, CLIENT]
        # Both must agree that every token is valid.
        for name, cmd, cwd in [("cognito verify", ours, None), ("aws-jwt-verify", theirs, a.node_dir)]:
            with open(distinct, "rb") as f:
                res = subprocess.run(cmd, stdin=f, capture_output=True, check=True, cwd=cwd)
            valid = res.stdout.count(b'"valid":true')
            if valid != 20000:
                sys.exit(f"{name}: {valid} valid verdicts of 20000")
        rows = []
        for label, path, n in [("20,000 distinct tokens", distinct, 20000),
                               ("1 token x 200,000", repeated, 200000)]:
            t_ours = statistics.median(timed(ours, path) for _ in range(a.runs))
            t_theirs = statistics.median(timed(theirs, path, cwd=a.node_dir) for _ in range(a.runs))
            rows.append((label, n / t_ours, n / t_theirs, t_theirs / t_ours))
    cores = os.cpu_count()
    print(f"whole process, stdin file -> stdout /dev/null, median of {a.runs} runs, {cores} cores:")
    for label, ours_rate, theirs_rate, ratio in rows:
        print(f"  {label:<24} cognito verify {ours_rate:10,.0f}/s   aws-jwt-verify {theirs_rate:9,.0f}/s   x{ratio:5.1f}")


if __name__ == "__main__":
    main()
