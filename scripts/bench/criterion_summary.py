#!/usr/bin/env python3
"""Prints the mean of criterion benchmarks from target/criterion: summary.py ROOT group/name..."""
import json
import os
import sys

root = sys.argv[1]
for bench in sys.argv[2:]:
    path = os.path.join(root, bench, "new", "estimates.json")
    try:
        with open(path) as f:
            ns = json.load(f)["mean"]["point_estimate"]
    except OSError:
        print(f"  {bench:<40} (not run)")
        continue
    rate = 1e9 / ns
    human = f"{ns:,.0f} ns" if ns >= 1000 else f"{ns:.1f} ns"
    print(f"  {bench:<40} {human:>12}   {rate:>12,.0f}/s")
