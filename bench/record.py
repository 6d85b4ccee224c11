#!/usr/bin/env python3
"""Turns one measured run of bench/run.sh into a JSON line (appended to --out).

    record.py --meta META --out FILE setup
    record.py --meta META --out FILE startup --index N --ready-ms MS
    record.py --meta META --out FILE run --workload W --connections C --round R --seconds S
              --before SNAP --after SNAP --wrk WRK_OUT [--wrk-concurrent WRK_OUT]
              [--sql SQL_JSON] [--rows ROWS]

SNAP files are the `key value` lines of run.sh's snapshot(); WRK_OUT is wrk's output with
the BENCH_RESULT line of bench/lua/common.lua and the WRK_CPU_TICKS line of run_wrk.
Always exits 0 when it could write the record; `ok` in the record says whether the run
passed.
"""
import argparse
import json
import os
import sys

NCPU = os.cpu_count() or 1


def append(path, rec):
    """Appends one record as a JSON line."""
    with open(path, "a") as f:
        f.write(json.dumps(rec) + "\n")


def read_meta(path):
    meta = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            if k:
                meta[k] = v
    return meta


def read_snap(path):
    snap = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            vals = []
            for x in parts[1:]:
                try:
                    vals.append(int(x))
                except ValueError:
                    try:
                        vals.append(float(x))
                    except ValueError:
                        pass
            snap[parts[0]] = vals
    return snap


def one(snap, key, i=0):
    v = snap.get(key) or []
    return v[i] if len(v) > i else None


def read_wrk(path):
    result, cpu, text = None, None, ""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None, None, ""
    for line in text.splitlines():
        if line.startswith("BENCH_RESULT "):
            result = json.loads(line[len("BENCH_RESULT "):])
        elif line.startswith("WRK_CPU_TICKS "):
            cpu = int(line.split()[1])
    return result, cpu, text


def wrk_summary(res):
    secs = res["duration_us"] / 1e6 if res["duration_us"] else 0
    socket = res["socket_connect"] + res["socket_read"] + res["socket_write"] + res["socket_timeout"]
    return {
        "name": res["workload"],
        "requests": res["requests"],
        "rps": res["requests"] / secs if secs else 0.0,
        "p50_ms": res["lat_p50_us"] / 1000,
        "p90_ms": res["lat_p90_us"] / 1000,
        "p99_ms": res["lat_p99_us"] / 1000,
        "max_ms": res["lat_max_us"] / 1000,
        "mean_ms": res["lat_mean_us"] / 1000,
        "errors": res["failed"] + socket,
        "failed_responses": res["failed"],
        "socket_errors": socket,
        "timeouts": res["socket_timeout"],
        "kinds": res["kinds"],
        "first_failure": res["first_failure"],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--meta", required=True)
    ap.add_argument("--out", required=True)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("setup")  # the settings of the whole benchmark (META), once, first
    s = sub.add_parser("startup")
    s.add_argument("--index", type=int, required=True)
    s.add_argument("--ready-ms", type=float, required=True)
    g = sub.add_parser("callgrind")
    g.add_argument("--workload", required=True)
    g.add_argument("--requests", type=int, required=True)
    g.add_argument("--instructions", type=int, required=True)
    r = sub.add_parser("run")
    r.add_argument("--workload", required=True)
    r.add_argument("--connections", type=int, required=True)
    r.add_argument("--round", type=int, required=True)
    r.add_argument("--seconds", type=float, required=True)
    r.add_argument("--before", required=True)
    r.add_argument("--after", required=True)
    r.add_argument("--wrk", required=True)
    r.add_argument("--wrk-concurrent")
    r.add_argument("--sql")
    r.add_argument("--rows")
    a = ap.parse_args()
    meta = read_meta(a.meta)
    base = {"ts": meta.get("ts"), "commit": meta.get("commit"), "binary_sha256_16": meta.get("binary_sha256_16")}

    if a.cmd == "setup":
        settings = {k: v for k, v in meta.items() if k not in base}
        append(a.out, dict(base, record="setup", settings=settings))
        return 0

    if a.cmd == "startup":
        rec = dict(base, record="startup", index=a.index, ready_ms=a.ready_ms)
        append(a.out, rec)
        return 0

    if a.cmd == "callgrind":
        rec = dict(base, record="callgrind", workload=a.workload, requests=a.requests,
                   instructions=a.instructions,
                   instructions_per_req=round(a.instructions / a.requests) if a.requests else None)
        append(a.out, rec)
        return 0

    before, after = read_snap(a.before), read_snap(a.after)
    res, wrk_ticks, wrk_text = read_wrk(a.wrk)
    failures = []
    rec = dict(base, record="run", workload=a.workload, connections=a.connections,
               round=a.round, seconds=a.seconds, pg_mode=meta.get("pg_mode"))
    if res is None:
        failures.append("wrk printed no BENCH_RESULT: " + wrk_text[-300:].replace("\n", " "))
        res = {"workload": a.workload, "requests": 0, "duration_us": 0, "failed": 0,
               "socket_connect": 0, "socket_read": 0, "socket_write": 0, "socket_timeout": 0,
               "lat_p50_us": 0, "lat_p90_us": 0, "lat_p99_us": 0, "lat_max_us": 0,
               "lat_mean_us": 0, "kinds": {}, "first_failure": ""}
    main_w = wrk_summary(res)
    rec.update({k: main_w[k] for k in ("name", "requests", "rps", "p50_ms", "p90_ms", "p99_ms",
                                        "max_ms", "mean_ms", "errors", "failed_responses",
                                        "socket_errors", "kinds")})
    if main_w["errors"]:
        failures.append(f"{main_w['errors']} errors ({main_w['failed_responses']} bad responses, "
                        f"{main_w['socket_errors']} socket errors); first: {main_w['first_failure'][:300]}")
    if main_w["requests"] == 0:
        failures.append("no request completed")

    total_requests = main_w["requests"]
    if a.wrk_concurrent:
        cres, cticks, ctext = read_wrk(a.wrk_concurrent)
        if cres is None:
            failures.append("the concurrent wrk printed no BENCH_RESULT: " + ctext[-300:].replace("\n", " "))
        else:
            cw = wrk_summary(cres)
            rec["concurrent"] = {k: cw[k] for k in ("name", "requests", "rps", "p50_ms", "p99_ms",
                                                     "max_ms", "errors", "timeouts", "kinds")}
            total_requests += cw["requests"]
            # The storm's own requests queue behind a saturated core by design (logins get
            # what the measured reads leave): one still unanswered after wrk's timeout is
            # reported (`timeouts`), not a failure. A bad answer or a broken connection is.
            broken = cw["errors"] - cw["timeouts"]
            if broken:
                failures.append(f"concurrent {cw['name']}: {broken} errors; first: {cw['first_failure'][:300]}")
        wrk_ticks = (wrk_ticks or 0) + (cticks or 0)
    rec["requests_all"] = total_requests

    tck = one(after, "clk_tck") or 100
    wall_s = (one(after, "wall_ns") - one(before, "wall_ns")) / 1e9
    server_s = (one(after, "server_ticks") - one(before, "server_ticks")) / tck
    per = lambda x: (x / total_requests) if total_requests else None
    rec["wall_s"] = round(wall_s, 3)
    rec["server_cpu_s"] = round(server_s, 3)
    rec["server_cpu_ms_per_req"] = per(server_s * 1000) or 0.0
    rec["server_core_util"] = round(server_s / wall_s, 3) if wall_s else None
    rec["peak_rss_mb"] = (one(after, "VmHWM") or 0) / 1024
    rec["rss_after_mb"] = (one(after, "VmRSS") or 0) / 1024
    pg_b, pg_a = one(before, "pg_ticks"), one(after, "pg_ticks")
    pg_s = (pg_a - pg_b) / tck if pg_a is not None and pg_b is not None else None
    rec["pg_cpu_ms_per_req"] = per(pg_s * 1000) if pg_s is not None else None
    wrk_s = wrk_ticks / tck if wrk_ticks is not None else None
    rec["wrk_cpu_ms_per_req"] = per(wrk_s * 1000) if wrk_s is not None else None
    busy = one(after, "host_busy") - one(before, "host_busy")
    total = one(after, "host_total") - one(before, "host_total")
    busy_cores = busy / total * NCPU if total else None
    rec["host_busy_cores"] = round(busy_cores, 2) if busy_cores is not None else None
    if busy_cores is not None and wall_s:
        ours = server_s + (pg_s or 0) + (wrk_s or 0)
        # Everything else the machine did meanwhile (other processes; PostgreSQL too when
        # it is the shared cluster): noise in this run.
        rec["host_other_cores"] = round(busy_cores - ours / wall_s, 2)
    rec["loadavg_before"] = one(before, "loadavg")

    calls_b, calls_a = one(before, "sql_calls"), one(after, "sql_calls")
    if calls_a is not None and calls_b is not None:
        d_all = calls_a - calls_b
        d_txn = one(after, "sql_calls", 1) - one(before, "sql_calls", 1)
        rec["sql_statements"] = d_all
        rec["sql_per_req"] = per(d_all)
        rec["sql_per_req_without_txn_control"] = per(d_all - d_txn)
        rec["sql_source"] = "pg_stat_statements"
    else:
        rec["sql_statements"] = None
        rec["sql_per_req"] = None
        rec["sql_source"] = meta.get("sql_source")
    # Background work of PostgreSQL during the run (write workloads trigger both).
    for key in ("checkpoints", "autovacuums"):
        b_, a_ = one(before, key), one(after, key)
        rec[key] = (a_ - b_) if a_ is not None and b_ is not None else None
    xb, xa = one(before, "xacts"), one(after, "xacts")
    rec["xacts_per_req"] = per(xa - xb) if xa is not None and xb is not None else None

    if a.sql:
        try:
            with open(a.sql) as f:
                stmts = json.load(f) or []
        except (OSError, ValueError):
            stmts = []
        rec["sql_by_statement"] = [
            {"calls": s["calls"], "per_req": round(s["calls"] / total_requests, 3) if total_requests else None,
             "total_ms": float(s["total_ms"]), "query": s["query"]}
            for s in stmts
        ]

    if a.rows:
        vals = {}
        with open(a.rows) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    vals[parts[0]] = int(parts[1])
        rec["acked"] = vals.get("acked", 0)
        rec["rows"] = vals.get("rows", 0)
        rec["lost"] = vals.get("lost", 0)
        rec["duplicated"] = (vals.get("rows", 0) - vals.get("distinct_tags", 0)) + (
            vals.get("acked", 0) - vals.get("acked_distinct", 0))
        # Rows whose response wrk never read: requests in flight when the run's time was
        # up (at most one per connection).
        rec["unacked"] = vals.get("rows", 0) - vals.get("acked", 0)
        expected_acks = res.get("kinds", {}).get("create", 0)
        if rec["acked"] != expected_acks:
            failures.append(f"{expected_acks} create responses but {rec['acked']} ids recorded")
        if rec["lost"]:
            failures.append(f"{rec['lost']} acknowledged rows missing")
        if rec["duplicated"]:
            failures.append(f"{rec['duplicated']} duplicated rows")
        if rec["unacked"] < 0 or rec["unacked"] > a.connections:
            failures.append(f"{rec['unacked']} rows without a response (more than the {a.connections} connections)")
    rec["ok"] = not failures
    rec["failure"] = "; ".join(failures)
    append(a.out, rec)
    return 0


if __name__ == "__main__":
    sys.exit(main())
