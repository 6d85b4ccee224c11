#!/usr/bin/env python3
"""Markdown report of one bench/run.sh results file: report.py RESULTS.jsonl > RESULTS.md"""
import json
import statistics
import sys

NAMES = {
    "W1": "W1 `me { id username }`",
    "W2": "W2 `adverseEvents(first: 50)` nested",
    "W3": "W3 `createAdverseEvent`",
    "W4": "W4 `login` (Argon2id)",
    "W1P": "W1 alone, right before each storm round (the storm's reference)",
    "W4W1": "W1 during a W4 login storm",
    "W5": "W5 mix 70/20/10",
}
ORDER = ["W1", "W2", "W3", "W4", "W1P", "W4W1", "W5"]


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, digits=1):
    if x is None:
        return "–"
    if isinstance(x, int):
        return f"{x:,}"
    return f"{x:,.{digits}f}"


def main():
    recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    runs = [r for r in recs if r.get("record") == "run"]
    starts = [r for r in recs if r.get("record") == "startup"]
    meta_src = sys.argv[1].replace(".jsonl", "")
    out = []
    p = out.append
    ts = recs[0].get("ts") if recs else "?"
    p(f"# Benchmark {ts}")
    p("")
    p(f"Results file: `{meta_src.split('/')[-1]}.jsonl`; commit `{recs[0].get('commit') if recs else '?'}`, "
      f"binary sha256 `{recs[0].get('binary_sha256_16') if recs else '?'}…`.")
    p("")
    setup = next((r["settings"] for r in recs if r.get("record") == "setup"), None)
    if setup:  # reports from before the set-up record have none
        p("Set-up: " + "; ".join(f"{k} `{v}`" for k, v in setup.items() if v != ""))
        p("")

    groups = {}
    for r in runs:
        groups.setdefault((r["workload"], r["connections"]), []).append(r)
    conns_all = sorted({r["connections"] for r in runs}, reverse=True)
    top_c = conns_all[0] if conns_all else None

    def g(w, c):
        return groups.get((w, c), [])

    def gm(w, c, key):
        return med([r.get(key) for r in g(w, c)])

    # ------------------------------------------------------------------ targets
    p(f"## Against the targets of issue 9 ({top_c} connections, median of the rounds)")
    p("")
    p("| target | measured | met |")
    p("|---|---|---|")

    def row(target, measured, met):
        p(f"| {target} | {measured} | {'yes' if met else ('**no**' if met is not None else '–')} |")

    if g("W1", top_c):
        rps, p99, cpu = gm("W1", top_c, "rps"), gm("W1", top_c, "p99_ms"), gm("W1", top_c, "server_cpu_ms_per_req")
        row("W1 ≥ 10,000 req/s", f"{fmt(rps, 0)} req/s", rps >= 10000)
        row("W1 p99 < 10 ms", f"{fmt(p99, 2)} ms", p99 < 10)
        row("W1 ≤ 0.05 ms server CPU per request", f"{fmt(cpu, 3)} ms", cpu <= 0.05)
    if g("W2", top_c):
        rps, p99 = gm("W2", top_c, "rps"), gm("W2", top_c, "p99_ms")
        sqls = sorted({round(r["sql_per_req"], 2) for ws in [w for w in groups if w[0] == "W2"]
                       for r in groups[ws] if r.get("sql_per_req") is not None})
        row("W2 ≥ 2,000 req/s", f"{fmt(rps, 0)} req/s", rps >= 2000)
        row("W2 p99 < 20 ms", f"{fmt(p99, 2)} ms", p99 < 20)
        if sqls:
            row("W2 constant SQL statements per request, ≤ 4",
                f"{', '.join(fmt(x, 2) for x in sqls)} per request (every W2 run)", max(sqls) <= 4)
        else:
            xs = gm("W2", top_c, "xacts_per_req")
            row("W2 constant SQL statements per request, ≤ 4",
                f"not measured (no pg_stat_statements); {fmt(xs, 2)} transactions per request", None)
    if g("W3", top_c):
        rps = gm("W3", top_c, "rps")
        all_w3 = [r for k, v in groups.items() if k[0] in ("W3", "W5") for r in v if r.get("rows") is not None]
        lost = sum(r["lost"] for r in all_w3)
        dup = sum(r["duplicated"] for r in all_w3)
        acked = sum(r["acked"] for r in all_w3)
        rows = sum(r["rows"] for r in all_w3)
        unacked = sum(r["unacked"] for r in all_w3)
        row("W3 ≥ 1,500 req/s", f"{fmt(rps, 0)} req/s", rps >= 1500)
        row("W3 zero lost or duplicated rows (W3 and W5 runs)",
            f"{fmt(acked)} acknowledged, {fmt(rows)} rows: {lost} lost, {dup} duplicated "
            f"({unacked} rows whose response was in flight when wrk stopped)", lost == 0 and dup == 0)
    for c in conns_all:
        # The reference is W1 alone right before each storm round (W1P) when measured,
        # the W1 workload's own rounds (earlier in the schedule) otherwise; both shown.
        ref = "W1P" if g("W1P", c) else "W1"
        if g(ref, c) and g("W4W1", c):
            alone, storm = gm(ref, c, "p99_ms"), gm("W4W1", c, "p99_ms")
            measured = f"{fmt(storm, 2)} ms vs {fmt(alone, 2)} ms alone = {storm / alone:.1f}×"
            if ref == "W1P":
                measured += " (alone: W1 right before each storm round"
                if g("W1", c):
                    early = gm("W1", c, "p99_ms")
                    measured += f"; against the W1 workload's rounds, {fmt(early, 2)} ms: {storm / early:.1f}×"
                measured += ")"
            row(f"W1 p99 during W4 ≤ 2 × alone ({c} connection{'s' if c != 1 else ''} each)",
                measured, storm <= 2 * alone)
    if runs:
        peak = max(runs, key=lambda r: r["peak_rss_mb"])
        row("peak RSS < 64 MB under any workload",
            f"{fmt(peak['peak_rss_mb'])} MB (max, in {peak['workload']} c={peak['connections']})",
            peak["peak_rss_mb"] < 64)
    if starts:
        ms = [s["ready_ms"] for s in starts]
        row("start-up to ready < 300 ms on an applied schema",
            f"median {fmt(med(ms))} ms, max {fmt(max(ms))} ms ({len(ms)} starts)", med(ms) < 300)
    p("")

    # ------------------------------------------------------------------ per workload
    cols = ("| workload | conns | req/s | p50 ms | p99 ms | errors | server CPU ms/req | server core busy "
            "| peak RSS MB | SQL stmts/req | PG CPU ms/req | other load (cores) |")
    sep = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    rounds = max((r["round"] for r in runs), default=0)
    p(f"## Per workload (median of {rounds} round{'s' if rounds != 1 else ''})")
    p("")
    p(cols)
    p(sep)
    for w in ORDER:
        for c in conns_all:
            rs = g(w, c)
            if not rs:
                continue
            errors = sum(r["errors"] + (r.get("concurrent") or {}).get("errors", 0)
                         - (r.get("concurrent") or {}).get("timeouts", 0) for r in rs)
            sql = gm(w, c, "sql_per_req")
            if sql is None and gm(w, c, "xacts_per_req") is not None:
                sql_s = f"~{fmt(gm(w, c, 'xacts_per_req'), 2)} xacts"
            else:
                sql_s = fmt(sql, 2)
            name = NAMES.get(w, w)
            if w == "W4W1":
                conc = med([(r.get("concurrent") or {}).get("rps") for r in rs])
                late = sum((r.get("concurrent") or {}).get("timeouts", 0) for r in rs)
                name += (f" (W1 numbers; W4 alongside at {fmt(conc, 0)} req/s, {late} of its logins "
                         f"unanswered within wrk's 10 s over the rounds; CPU and SQL per request of both)")
            if w in ("W3", "W5"):
                ok = all(r.get("lost") == 0 and r.get("duplicated") == 0 for r in rs)
                name += " (rows checked: " + ("none lost or duplicated" if ok else "**LOST/DUPLICATED**") + ")"
            p(f"| {name} | {c} | {fmt(gm(w, c, 'rps'), 0)} | {fmt(gm(w, c, 'p50_ms'), 2)} | {fmt(gm(w, c, 'p99_ms'), 2)} "
              f"| {'**' + str(errors) + '**' if errors else 0} | {fmt(gm(w, c, 'server_cpu_ms_per_req'), 3)} "
              f"| {fmt((gm(w, c, 'server_core_util') or 0) * 100, 0)} % | {fmt(max(r['peak_rss_mb'] for r in rs))} "
              f"| {sql_s} | {fmt(gm(w, c, 'pg_cpu_ms_per_req'), 3)} | {fmt(gm(w, c, 'host_other_cores'), 2)} |")
    p("")
    p("Server CPU is the process's utime+stime (all threads) from `/proc/<pid>/stat` over the run, divided "
      "by the requests; *server core busy* is that CPU over wall time (100 % = the server's one core "
      "saturated). Peak RSS is `VmHWM` after resetting it (`clear_refs` 5) before each run. SQL statements "
      "per request are `pg_stat_statements` calls in the benchmark database (BEGIN/COMMIT included). PG CPU is the "
      "private cluster's processes. *Other load* is host CPU (in cores) used by processes other than the server, "
      "PostgreSQL and wrk during the run: anything above ~0.1 means the numbers carry noise from elsewhere.")
    p("")

    # ------------------------------------------------------------------ every run
    p("## Every run")
    p("")
    p("| workload | conns | round | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | CPU ms/req | core busy "
      "| peak RSS MB | SQL/req | xacts/req | PG CPU ms/req | wrk CPU ms/req | other load | result |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for w in ORDER:
        for c in conns_all:
            for r in g(w, c):
                note = "ok" if r["ok"] else "**FAILED**: " + r["failure"].replace("|", "\\|")[:200]
                if r.get("concurrent"):
                    cc = r["concurrent"]
                    late = cc.get("timeouts", 0)
                    note += (f" (W4: {fmt(cc['rps'], 1)} req/s, p99 {fmt(cc['p99_ms'], 1)} ms, "
                             f"{cc['errors'] - late} errors, {late} over 10 s)")
                if r.get("checkpoints") or r.get("autovacuums"):
                    note += f" (PostgreSQL meanwhile: {r.get('checkpoints') or 0} checkpoints, {r.get('autovacuums') or 0} autovacuum/analyze runs)"
                if r.get("rows") is not None:
                    note += f" (rows {r['rows']}, acked {r['acked']}, lost {r['lost']}, dup {r['duplicated']}, in flight {r['unacked']})"
                p(f"| {w} | {c} | {r['round']} | {fmt(r['rps'], 0)} | {fmt(r['p50_ms'], 2)} | {fmt(r['p90_ms'], 2)} "
                  f"| {fmt(r['p99_ms'], 2)} | {fmt(r['max_ms'], 1)} | {r['errors']} | {fmt(r['server_cpu_ms_per_req'], 3)} "
                  f"| {fmt((r.get('server_core_util') or 0) * 100, 0)} % | {fmt(r['peak_rss_mb'])} | {fmt(r.get('sql_per_req'), 2)} "
                  f"| {fmt(r.get('xacts_per_req'), 2)} | {fmt(r.get('pg_cpu_ms_per_req'), 3)} | {fmt(r.get('wrk_cpu_ms_per_req'), 3)} "
                  f"| {fmt(r.get('host_other_cores'), 2)} | {note} |")
    p("")

    # ------------------------------------------------------------------ SQL by statement
    if any(r.get("sql_by_statement") for r in runs):
        p(f"## SQL statements per request, by statement (round 1, {top_c} connections)")
        p("")
        for w in ORDER:
            rs = [r for r in g(w, top_c) if r["round"] == 1]
            if not rs or not rs[0].get("sql_by_statement"):
                continue
            r = rs[0]
            p(f"**{NAMES.get(w, w)}** — {fmt(r.get('sql_per_req'), 2)} statements per request "
              f"over {fmt(r['requests_all'])} requests:")
            p("")
            p("| per request | calls | exec ms total | statement |")
            p("|---:|---:|---:|---|")
            for s in r["sql_by_statement"][:12]:
                q = s["query"].replace("|", "\\|")
                if len(q) > 160:
                    q = q[:157] + "…"
                p(f"| {fmt(s['per_req'], 3)} | {fmt(s['calls'])} | {fmt(s['total_ms'], 0)} | `{q}` |")
            p("")

    if starts:
        p("## Start-up to ready")
        p("")
        p("From exec of `taskset -c 0 rakshaayan serve` on the migrated database to the first 200 from "
          "`/ready` (polled every millisecond): " + ", ".join(f"{s['ready_ms']:.0f}" for s in starts) + " ms.")
        p("")
    counts = [r for r in recs if r.get("record") == "callgrind"]
    if counts:
        p("## Instructions per request (callgrind)")
        p("")
        p("The server under valgrind's callgrind, requests one at a time after a warm-up: "
          "instruction counts repeat across runs where times on a shared machine do not, so "
          "they compare two builds.")
        p("")
        p("| workload | requests | instructions per request |")
        p("|---|---:|---:|")
        for r in counts:
            p(f"| {NAMES.get(r['workload'], r['workload'])} | {fmt(r['requests'])} | "
              f"{fmt(r['instructions_per_req'])} |")
        p("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
