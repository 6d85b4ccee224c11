#!/usr/bin/env python3
"""Sends one workload's request a fixed number of times over one keep-alive connection
and checks each answer, for instruction counts under callgrind (bench/run.sh,
BENCH_CALLGRIND). The body is read from the workload's Lua script (its BODY line), so
both drivers send the same request.

    callgrind_client.py --url URL --lua FILE --token TOKEN --requests N --expect TEXT

Exits 1 on the first answer that is not a 200 with data and without "errors".
"""
import argparse
import http.client
import re
import sys
from urllib.parse import urlparse


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--lua", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--requests", type=int, required=True)
    ap.add_argument("--expect", required=True, help="text every answer must contain")
    a = ap.parse_args()
    m = re.search(r"^BODY = '(.*)'$", open(a.lua).read(), re.M)
    if not m:
        print(f"no BODY line in {a.lua}", file=sys.stderr)
        return 1
    body = m.group(1).encode()
    u = urlparse(a.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    headers = {"content-type": "application/json", "authorization": f"Bearer {a.token}"}
    expect = a.expect.encode()
    for i in range(a.requests):
        conn.request("POST", u.path, body, headers)
        r = conn.getresponse()
        data = r.read()
        if r.status != 200 or b'"errors"' in data or expect not in data:
            print(f"request {i}: {r.status} {data[:300]!r}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
