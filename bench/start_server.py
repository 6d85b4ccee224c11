#!/usr/bin/env python3
"""Starts the server and times it from exec to the first 200 from /ready.

    start_server.py --url http://127.0.0.1:PORT/ready --log FILE [--timeout S] -- CMD...

Prints one JSON line {"pid": ..., "ready_ms": ...} and exits 0, leaving the server
running (bench/run.sh owns and stops it). Polls every millisecond over a raw socket so
the measurement does not include a client's start-up. Exits 1 when the process dies or
is not ready within the timeout (its log tail is printed to stderr).
"""
import argparse
import json
import socket
import subprocess
import sys
import time
from urllib.parse import urlparse


def ready(host: str, port: int, path: str) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            s.settimeout(2)
            head = s.recv(64)
            return head.startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    u = urlparse(a.url)
    log = open(a.log, "ab")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    deadline = t0 + a.timeout
    while True:
        if ready(u.hostname, u.port, u.path or "/"):
            ms = (time.monotonic() - t0) * 1000
            print(json.dumps({"pid": proc.pid, "ready_ms": round(ms, 1)}))
            return 0
        if proc.poll() is not None:
            sys.stderr.write(f"server exited with {proc.returncode} before it was ready\n")
            break
        if time.monotonic() > deadline:
            sys.stderr.write(f"server not ready after {a.timeout}s\n")
            proc.terminate()
            break
        time.sleep(0.001)
    log.flush()
    try:
        with open(a.log, "rb") as f:
            sys.stderr.write(f.read()[-4000:].decode(errors="replace"))
    except OSError:
        pass
    return 1


if __name__ == "__main__":
    sys.exit(main())
