#!/usr/bin/env bash
# Load benchmark of the release server (issue 9). See README.md, "Performance".
#
#   bench/run.sh                                   # the full schedule (~10 minutes)
#   RAKSHAAYAN_BIN=path/to/rakshaayan bench/run.sh # skip the build, use this binary
#   BENCH_SECONDS=5 BENCH_ROUNDS=1 bench/run.sh    # a shorter schedule
#
# Builds the release binary, creates a fresh PostgreSQL database rk_bench_<timestamp>,
# applies the migrations, loads deterministic data (bench/seed.sql), starts the server
# in production mode pinned to one core, drives it with wrk (bench/lua/*.lua, which
# check every response body) on the other core, and writes
#   bench/results/<timestamp>.jsonl   one JSON line per run (and per start-up sample), after
#                                     a first one with the settings (record "setup")
#   bench/results/<timestamp>.md      the tables, the targets of issue 9, SQL per statement
# The database (and a private PostgreSQL cluster, when one was started) is dropped on exit.
# Exits non-zero when any run had an error (a socket error, a non-200 status, a body with
# "errors" or without the expected data, a lost or duplicated row).
#
# Settings (environment):
#   RAKSHAAYAN_BIN      use this binary instead of building (it is copied first, so a
#                       concurrent rebuild cannot change it mid-run)
#   CARGO_TARGET_DIR    where `cargo build --release` builds (cargo's own default otherwise)
#   BENCH_SECONDS=10    length of one measured run
#   BENCH_ROUNDS=3      measured runs per workload and connection count
#   BENCH_WARMUP=5      seconds of warm-up per workload (at the highest connection count)
#   BENCH_CONNECTIONS="32 1"
#   BENCH_WORKLOADS="W1 W2 W3 W4 W4W1 W5"   (W4W1 = W1 measured while W4 runs; each of
#                       its rounds is preceded by a round of W1 alone, W1P, its reference)
#   BENCH_STARTS=5      cold starts timed to /ready before the benchmark server starts
#   BENCH_SERVER_CPU=0  core of the server (taskset -c)
#   BENCH_LOAD_CPU=1    core of wrk
#   BENCH_PG=auto       auto | private | shared. shared: the cluster at PGHOST:PGPORT
#                       (127.0.0.1:5432, user postgres). private: a throwaway cluster of the
#                       same PostgreSQL binaries (initdb in a temporary directory, port
#                       BENCH_PG_PORT) with pg_stat_statements preloaded, pinned to
#                       BENCH_PG_CPUS. auto: shared when it preloads pg_stat_statements,
#                       private otherwise.
#   BENCH_PG_PORT=55432 BENCH_PG_CPUS=$BENCH_LOAD_CPU
#   BENCH_PORT=18480    the server's port
#   BENCH_REDIS_URL     when set, the rate limiter uses Redis (REDIS_URL) as replicas would
#   BENCH_RUST_LOG      RUST_LOG of the server (unset: the production default, info)
#   BENCH_SERVER_ENV    more NAME=value settings for the server, space-separated (e.g.
#                       "DATABASE_MAX_CONNECTIONS=32"), to compare a setting's effect
#   BENCH_KEEP_DB=1     keep the database (and private cluster) for inspection
#   BENCH_PERF=1        after the measured runs of each workload, one more run at the
#                       highest connection count under `perf record -e cpu-clock` (not in
#                       the tables); the server's hottest functions go to
#                       bench/results/<timestamp>-perf/<workload>.txt
#   BENCH_CALLGRIND=N   after the measured runs, the server again under valgrind's callgrind
#                       for each of BENCH_CALLGRIND_WORKLOADS (default "W1 W2"): after 20
#                       warm-up requests, N requests one at a time (bench/callgrind_client.py)
#                       and the instructions the server executed for them, per request: a
#                       count that repeats to within a fraction of a percent, unlike times
#                       on a shared machine, for comparing two builds. BENCH_WORKLOADS=none
#                       skips the timed runs; BENCH_CALLGRIND_KEEP=1 keeps the counts per
#                       function (bench/results/<timestamp>-callgrind/, for callgrind_annotate).
#   BENCH_PERF_KEEP=1   keep perf's recording there too (<workload>.perf.data, large; not
#                       to be committed), for `perf report -i` on one function's callers
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$BENCH_DIR")
TS=$(date -u +%Y%m%dT%H%M%SZ)
SECS=${BENCH_SECONDS:-10}
ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-5}
CONNS=${BENCH_CONNECTIONS:-"32 1"}
WORKLOADS=${BENCH_WORKLOADS:-"W1 W2 W3 W4 W4W1 W5"}
STARTS=${BENCH_STARTS:-5}
SERVER_CPU=${BENCH_SERVER_CPU:-0}
LOAD_CPU=${BENCH_LOAD_CPU:-1}
PG_MODE=${BENCH_PG:-auto}
PG_PORT=${BENCH_PG_PORT:-55432}
PG_CPUS=${BENCH_PG_CPUS:-$LOAD_CPU}
PORT=${BENCH_PORT:-18480}
DB=rk_bench_$(date -u +%Y%m%d_%H%M%S)
PASSWORD='Bench!Passw0rd-2026'
URL=http://127.0.0.1:$PORT/graphql
RESULTS=$BENCH_DIR/results
JSONL=$RESULTS/$TS.jsonl
MD=$RESULTS/$TS.md
WORK=$(mktemp -d /tmp/rk-bench.XXXXXX)
chmod 755 "$WORK"
[[ -n ${RAKSHAAYAN_BIN:-} ]] && RAKSHAAYAN_BIN=$(realpath "$RAKSHAAYAN_BIN")
[[ -n ${CARGO_TARGET_DIR:-} ]] && export CARGO_TARGET_DIR=$(realpath -m "$CARGO_TARGET_DIR")
cd "$WORK" # no stray .env is read; nothing is written into the repository but results
SERVER_PID=
BG_PIDS=()
PRIVATE_PGDATA=
FAILED=0

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------- cleanup
cleanup() {
  local rc=$?
  set +e
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  stop_server
  if [[ -n ${PGHOST:-} && ${BENCH_KEEP_DB:-0} != 1 ]]; then
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 \
      && log "dropped database $DB"
  fi
  if [[ -n $PRIVATE_PGDATA && ${BENCH_KEEP_DB:-0} != 1 ]]; then
    as_pg "$PGBIN/pg_ctl" -D "$PRIVATE_PGDATA" -m fast -w stop >/dev/null 2>&1
    log "stopped the private PostgreSQL cluster"
  fi
  if [[ ${BENCH_KEEP_DB:-0} == 1 ]]; then
    log "kept database $DB and $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_server() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID"
  fi
  SERVER_PID=
}

as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# ---------------------------------------------------------------------------- tools
need() { command -v "$1" >/dev/null 2>&1; }
if ! need wrk; then
  log "installing wrk (Debian package)"
  if [[ $(id -u) == 0 ]]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >&2 \
      || die "could not install wrk"
  else
    die "wrk is missing: apt-get install wrk"
  fi
fi
for t in psql curl python3 taskset; do need "$t" || die "$t is missing"; done
[[ $(nproc --all) -ge 2 ]] || log "WARNING: fewer than 2 cores; server and load share one"

# ---------------------------------------------------------------------------- binary
if [[ -n ${RAKSHAAYAN_BIN:-} ]]; then
  [[ -x $RAKSHAAYAN_BIN ]] || die "RAKSHAAYAN_BIN=$RAKSHAAYAN_BIN is not an executable"
  SRC_BIN=$RAKSHAAYAN_BIN
  BUILT=no
else
  log "building the release binary (cargo build --release${CARGO_TARGET_DIR:+, CARGO_TARGET_DIR=$CARGO_TARGET_DIR})"
  (cd "$REPO" && cargo build --release --bin rakshaayan) >&2
  SRC_BIN=${CARGO_TARGET_DIR:-$REPO/target}/release/rakshaayan
  BUILT=yes
fi
BIN=$WORK/rakshaayan
cp "$SRC_BIN" "$BIN"
BIN_SHA=$(sha256sum "$BIN" | cut -c1-16)
BIN_MTIME=$(date -u -r "$SRC_BIN" +%Y-%m-%dT%H:%M:%SZ)
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null | grep -v '^.. bench/' | grep -c . || true)
log "binary $SRC_BIN (sha256 $BIN_SHA…, built $BIN_MTIME); repo HEAD $COMMIT"

# ---------------------------------------------------------------------------- PostgreSQL
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
shared_has_pgss() {
  psql -X -At -h 127.0.0.1 -p 5432 -U postgres -d postgres -c 'show shared_preload_libraries' 2>/dev/null \
    | grep -q pg_stat_statements
}
if [[ $PG_MODE == auto ]]; then
  if shared_has_pgss; then PG_MODE=shared; else PG_MODE=private; fi
fi
case $PG_MODE in
  shared)
    export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
    ;;
  private)
    [[ -n $PGBIN && -x $PGBIN/initdb ]] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
    PRIVATE_PGDATA=$WORK/pgdata
    mkdir -p "$PRIVATE_PGDATA"
    [[ $(id -u) == 0 ]] && chown postgres: "$PRIVATE_PGDATA"
    log "starting a private PostgreSQL cluster ($PGBIN, port $PG_PORT, cores $PG_CPUS, pg_stat_statements preloaded)"
    as_pg "$PGBIN/initdb" -D "$PRIVATE_PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 \
      || { cat "$WORK/initdb.log" >&2; die "initdb failed"; }
    as_pg taskset -c "$PG_CPUS" "$PGBIN/pg_ctl" -D "$PRIVATE_PGDATA" -l "$PRIVATE_PGDATA/server.log" -w \
      -o "-p $PG_PORT -k $PRIVATE_PGDATA -c listen_addresses=127.0.0.1 -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top -c max_connections=100" \
      start >/dev/null || { tail -20 "$PRIVATE_PGDATA/server.log" >&2; die "the private cluster did not start"; }
    export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=postgres
    ;;
  *) die "BENCH_PG=$PG_MODE: expected auto, private or shared" ;;
esac
PG_VERSION=$(psql -X -At -d postgres -c 'show server_version')
PGSS=0
if psql -X -At -d postgres -c 'show shared_preload_libraries' | grep -q pg_stat_statements \
  && psql -X -q -d postgres -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null 2>&1; then
  PGSS=1
  SQL_SOURCE=pg_stat_statements
else
  SQL_SOURCE="pg_stat_database xact_commit+xact_rollback (transactions, approximate; pg_stat_statements not loaded)"
  log "pg_stat_statements is not loaded on this cluster: SQL per request falls back to transactions per request"
fi
PG_POSTMASTER=
[[ -n $PRIVATE_PGDATA ]] && PG_POSTMASTER=$(head -1 "$PRIVATE_PGDATA/postmaster.pid")

log "creating database $DB on $PGHOST:$PGPORT (PostgreSQL $PG_VERSION)"
psql -X -q -d postgres -c "CREATE DATABASE $DB" >/dev/null
DB_OID=$(psql -X -At -d postgres -c "SELECT oid FROM pg_database WHERE datname = '$DB'")
export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"

log "applying migrations (rakshaayan migrate up)"
RUST_LOG=warn "$BIN" migrate up >"$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log" >&2; die "migrate up failed"; }

log "creating bench_admin through create-admin (the one Argon2id hash every account shares)"
ADMIN_PASSWORD=$PASSWORD RUST_LOG=warn "$BIN" create-admin --username bench_admin \
  --email bench_admin@bench.example.org --phone +919100000001 >"$WORK/admin.log" 2>&1 \
  || { cat "$WORK/admin.log" >&2; die "create-admin failed"; }
HASH=$(psql -X -At -d "$DB" -c "SELECT password FROM auth_users WHERE username = 'bench_admin'")
[[ $HASH == '$argon2id$'* ]] || die "unexpected password hash: $HASH"

log "loading data (bench/seed.sql)"
SEED_START=$(date +%s%N)
psql -X -q -v ON_ERROR_STOP=1 -v hash="$HASH" -d "$DB" -f "$BENCH_DIR/seed.sql" >"$WORK/seed.out"
SEED_MS=$(( ($(date +%s%N) - SEED_START) / 1000000 ))
read -r N_USERS N_EVENTS N_ATTACH N_BP_EVENTS < <(psql -X -At -F ' ' -d "$DB" -c "
  SELECT (SELECT count(*) FROM auth_users), (SELECT count(*) FROM patient_adverse_events),
         (SELECT count(*) FROM patient_event_attachments),
         (SELECT count(*) FROM patient_adverse_events e JOIN auth_users u ON u.id = e.patient_id
           WHERE u.username = 'bench_patient')")
log "loaded $N_USERS users, $N_EVENTS events, $N_ATTACH attachments ($N_BP_EVENTS of bench_patient) in ${SEED_MS} ms"

# ---------------------------------------------------------------------------- server
# Production mode, as deployed: a real JWT secret; OTP deliveries configured (webhook and
# SMTP pointed at dummies on 127.0.0.1 that no workload reaches); JSON logs at the
# production default level; in-memory rate limiting (or Redis with BENCH_REDIS_URL). The
# per-IP and per-target limits of the public mutations are raised so that W4 measures
# login itself, not the limiter's refusals (the limiter still counts every attempt).
server_env() {
  env -i PATH="$PATH" HOME="${HOME:-/root}" \
    APP_ENV=production \
    BIND_ADDR=127.0.0.1:$PORT \
    PUBLIC_BASE_URL=http://127.0.0.1:$PORT \
    DATABASE_URL="$DATABASE_URL" \
    JWT_SECRET=rk-bench-only-jwt-secret-0123456789abcdef0123456789 \
    OTP_SMS_DELIVERY=webhook SMS_WEBHOOK_URL=http://127.0.0.1:9/bench-sms \
    OTP_EMAIL_DELIVERY=smtp SMTP_HOST=127.0.0.1 SMTP_PORT=2525 SMTP_FROM=bench@bench.example.org SMTP_TLS=none \
    STORAGE_DIR="$WORK/storage" \
    AUTH_RATE_LIMIT_PER_MINUTE=1000000000 AUTH_TARGET_RATE_LIMIT_PER_MINUTE=1000000000 \
    ${BENCH_REDIS_URL:+REDIS_URL=$BENCH_REDIS_URL REDIS_KEY_PREFIX=rk_bench_$TS} \
    ${BENCH_RUST_LOG:+RUST_LOG=$BENCH_RUST_LOG} \
    ${BENCH_SERVER_ENV:-} \
    "$@"
}

start_server() { # sets SERVER_PID and READY_MS
  local out
  out=$(server_env python3 "$BENCH_DIR/start_server.py" --url "http://127.0.0.1:$PORT/ready" \
    --log "$WORK/server.log" -- taskset -c "$SERVER_CPU" "$BIN" serve) || die "the server did not start"
  read -r SERVER_PID READY_MS < <(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["pid"], d["ready_ms"])' "$out")
}

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then die "port $PORT is in use (BENCH_PORT)"; fi
mkdir -p "$RESULTS" "$WORK/storage"

META=$WORK/meta.env
{
  echo "ts=$TS"
  echo "commit=$COMMIT"
  echo "worktree_changes=$DIRTY"
  echo "binary=$SRC_BIN"
  echo "binary_sha256_16=$BIN_SHA"
  echo "binary_mtime=$BIN_MTIME"
  echo "built=$BUILT"
  echo "database=$DB"
  echo "pg_mode=$PG_MODE"
  echo "pg_version=$PG_VERSION"
  echo "pg_cpus=$([[ $PG_MODE == private ]] && echo "$PG_CPUS" || echo unpinned)"
  echo "sql_source=$SQL_SOURCE"
  echo "server_cpu=$SERVER_CPU"
  echo "load_cpu=$LOAD_CPU"
  echo "seconds=$SECS"
  echo "rounds=$ROUNDS"
  echo "warmup=$WARMUP"
  echo "connections=$CONNS"
  echo "data=$N_USERS users, $N_EVENTS events, $N_ATTACH attachments, $N_BP_EVENTS events of bench_patient"
  echo "redis=${BENCH_REDIS_URL:+yes}"
  echo "rust_log=${BENCH_RUST_LOG:-info (production default)}"
  echo "server_env=${BENCH_SERVER_ENV:-}"
  echo "host=$(uname -srm), $(nproc --all) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "wrk=$(wrk --version 2>&1 | head -1 | awk '{print $1, $2}')"
} >"$META"

record() { python3 "$BENCH_DIR/record.py" --meta "$META" --out "$JSONL" "$@"; }
record setup

log "timing $STARTS start-ups to /ready on the applied schema (server on core $SERVER_CPU)"
for i in $(seq "$STARTS"); do
  start_server
  stop_server
  record startup --index "$i" --ready-ms "$READY_MS"
  log "  start $i: ready in $READY_MS ms"
done
start_server
record startup --index "$((STARTS + 1))" --ready-ms "$READY_MS"
log "benchmark server pid $SERVER_PID ready in $READY_MS ms"

# ---------------------------------------------------------------------------- measuring
CLK_TCK=$(getconf CLK_TCK)
ticks_of() { # utime stime cutime cstime of a pid (fields 14-17 of /proc/<pid>/stat)
  local l s
  l=$(<"/proc/$1/stat") || return 1
  l=${l##*) }
  read -ra s <<<"$l"
  echo "${s[11]} ${s[12]} ${s[13]} ${s[14]}"
}
pg_cluster_ticks() { # CPU of the private cluster: postmaster (with reaped children) + live children
  [[ -n $PG_POSTMASTER ]] || { echo ""; return; }
  local total=0 u s cu cs p
  read -r u s cu cs < <(ticks_of "$PG_POSTMASTER")
  total=$((u + s + cu + cs))
  for p in $(ps -o pid= --ppid "$PG_POSTMASTER"); do
    if read -r u s cu cs < <(ticks_of "$p" 2>/dev/null); then total=$((total + u + s)); fi
  done
  echo "$total"
}
snapshot() { # file: key value lines
  local f=$1 u s cu cs busy total a b c idle iow irq sirq steal
  read -r u s cu cs < <(ticks_of "$SERVER_PID")
  read -r _ a b c idle iow irq sirq steal _ < /proc/stat
  busy=$((a + b + c + irq + sirq + steal))
  total=$((busy + idle + iow))
  {
    echo "wall_ns $(date +%s%N)"
    echo "server_ticks $((u + s))"
    echo "pg_ticks $(pg_cluster_ticks)"
    echo "host_busy $busy"
    echo "host_total $total"
    echo "clk_tck $CLK_TCK"
    grep -E '^(VmHWM|VmRSS):' "/proc/$SERVER_PID/status" | tr -d ':' | awk '{print $1, $2}'
    echo "loadavg $(cut -d' ' -f1 /proc/loadavg)"
    psql -X -At -F ' ' -d postgres -c "SELECT 'xacts', xact_commit + xact_rollback FROM pg_stat_database WHERE datid = $DB_OID"
    psql -X -At -F ' ' -d postgres -c "SELECT 'checkpoints', checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter"
    psql -X -At -F ' ' -d "$DB" -c "SELECT 'autovacuums', coalesce(sum(autovacuum_count + autoanalyze_count), 0) FROM pg_stat_user_tables"
    if [[ $PGSS == 1 ]]; then
      psql -X -At -F ' ' -d postgres -c "SELECT 'sql_calls', coalesce(sum(calls), 0),
          coalesce(sum(calls) FILTER (WHERE query ~* '^\s*(begin|commit|rollback|start transaction|savepoint|release)'), 0)
        FROM pg_stat_statements WHERE dbid = $DB_OID"
    fi
  } >"$f"
}
reset_run_stats() {
  echo 5 >"/proc/$SERVER_PID/clear_refs" 2>/dev/null || true # VmHWM := VmRSS: a peak per run
  [[ $PGSS == 1 ]] && psql -X -q -At -d postgres -c "SELECT pg_stat_statements_reset(0, $DB_OID, 0)" >/dev/null
  return 0
}
sql_breakdown() { # the statements of this run, most called first
  if [[ $PGSS == 1 ]]; then
    psql -X -At -d postgres -c "SELECT coalesce(json_agg(x ORDER BY x.calls DESC), '[]') FROM (
      SELECT calls, round(total_exec_time::numeric, 1) AS total_ms,
             left(regexp_replace(query, '\s+', ' ', 'g'), 400) AS query
      FROM pg_stat_statements WHERE dbid = $DB_OID ORDER BY calls DESC LIMIT 25) x" >"$1"
  else
    echo '[]' >"$1"
  fi
}

run_wrk() { # out script connections seconds
  local out=$1 script=$2 c=$3 d=$4
  taskset -c "$LOAD_CPU" bash -c 'wrk "$@"; rc=$?; l=$(</proc/$$/stat); l=${l##*) }; read -ra s <<<"$l"; echo "WRK_CPU_TICKS $(( s[13] + s[14] ))"; exit $rc' \
    wrk -t1 -c"$c" -d"${d}s" --latency --timeout 10s -s "$BENCH_DIR/lua/$script" "$URL" >"$out" 2>&1
}

login_token() { # username -> access token from a real login mutation
  local body
  body=$(curl -sS -X POST "$URL" -H 'content-type: application/json' --data-binary @- <<EOF
{"query":"mutation(\$input: LoginInput!) { login(input: \$input) { accessToken } }","variables":{"input":{"login":"$1","password":"$PASSWORD"}}}
EOF
)
  python3 -c 'import json,sys; print(json.loads(sys.argv[1])["data"]["login"]["accessToken"])' "$body" \
    || die "login of $1 failed: $body"
}

row_check() { # run_id ids_file out: rows created by run_id vs ids acknowledged to wrk
  local tag="First occurrence [$1-t%"
  psql -X -q -At -F ' ' -v ON_ERROR_STOP=1 -v tag="$tag" -d "$DB" >"$3" <<EOF
CREATE TEMP TABLE acked (id int);
\copy acked FROM '$2'
SELECT 'acked', count(*) FROM acked;
SELECT 'acked_distinct', count(DISTINCT id) FROM acked;
SELECT 'lost', count(*) FROM acked a WHERE NOT EXISTS (
  SELECT 1 FROM patient_adverse_events e WHERE e.id = a.id AND e.additional_notes LIKE :'tag');
SELECT 'rows', count(*) FROM patient_adverse_events WHERE additional_notes LIKE :'tag';
SELECT 'distinct_tags', count(DISTINCT additional_notes) FROM patient_adverse_events WHERE additional_notes LIKE :'tag';
EOF
}

export BENCH_LUA_DIR=$BENCH_DIR/lua BENCH_PASSWORD=$PASSWORD BENCH_LOGIN_FIRST=4 BENCH_LOGIN_LAST=$N_USERS

script_of() {
  case $1 in
    W1 | W1P) echo w1_me.lua ;; W2) echo w2_events.lua ;; W3) echo w3_create.lua ;;
    W4) echo w4_login.lua ;; W5) echo w5_mix.lua ;; *) die "unknown workload $1" ;;
  esac
}
writes_rows() { [[ $1 == W3 || $1 == W5 ]]; }

note_result() { # prints the one-line summary of the last record; counts failures
  local line
  line=$(tail -1 "$JSONL")
  python3 - "$line" <<'EOF' >&2 || FAILED=1
import json, sys
r = json.loads(sys.argv[1])
extra = ""
if r.get("rows") is not None:
    extra = f" rows={r['rows']} acked={r['acked']} lost={r['lost']} dup={r['duplicated']} unacked={r['unacked']}"
if r.get("concurrent"):
    c = r["concurrent"]
    late = c.get("timeouts", 0)
    extra += f" | during: {c['name']} {c['rps']:.0f} req/s p99 {c['p99_ms']:.1f} ms errors {c['errors'] - late} over 10 s {late}"
sql = r.get("sql_per_req")
print(f"  {r['workload']:<5} c={r['connections']:<3} round {r['round']}: {r['rps']:9.1f} req/s "
      f"p50 {r['p50_ms']:.2f} ms p99 {r['p99_ms']:.2f} ms errors {r['errors']} "
      f"cpu/req {r['server_cpu_ms_per_req']:.4f} ms peakRSS {r['peak_rss_mb']:.1f} MB "
      f"sql/req {sql if sql is None else round(sql, 2)}{extra} {'OK' if r['ok'] else 'FAILED: ' + r['failure']}")
sys.exit(0 if r["ok"] else 1)
EOF
}

measure() { # workload connections round seconds
  local w=$1 c=$2 r=$3 d=$4 id="$1-c$2-r$3" out="$WORK/$1-c$2-r$3"
  local before=$out.before after=$out.after
  # W1 alone first, right before each storm round (recorded as W1P): the storm's p99 is
  # compared with W1 on the machine as it is now, not as it was minutes earlier at the
  # start of the schedule (on a shared host W1's p99 alone drifts by 2x over that).
  [[ $w == W4W1 ]] && measure W1P "$c" "$r" "$d"
  reset_run_stats
  snapshot "$before"
  if [[ $w == W4W1 ]]; then
    # The login storm starts first and ends last; W1 is measured inside it.
    BENCH_RUN_ID=$id-w4 BENCH_IDS_FILE= run_wrk "$out.w4.wrk" w4_login.lua "$c" "$((d + 2))" &
    local storm=$!
    BG_PIDS+=("$storm")
    sleep 1
    BENCH_RUN_ID=$id BENCH_IDS_FILE= run_wrk "$out.wrk" w1_me.lua "$c" "$d" || true
    wait "$storm" || true
    BG_PIDS=()
    snapshot "$after"
    sql_breakdown "$out.sql"
    record run --workload W4W1 --connections "$c" --round "$r" --seconds "$d" \
      --before "$before" --after "$after" --wrk "$out.wrk" --wrk-concurrent "$out.w4.wrk" --sql "$out.sql"
  else
    BENCH_RUN_ID=$id BENCH_IDS_FILE=$out.ids run_wrk "$out.wrk" "$(script_of "$w")" "$c" "$d" || true
    sleep 0.3 # requests the server had in hand when wrk stopped finish their transactions
    snapshot "$after"
    sql_breakdown "$out.sql"
    local rows=()
    if writes_rows "$w"; then
      touch "$out.ids"
      row_check "$id" "$out.ids" "$out.rows"
      rows=(--rows "$out.rows")
    fi
    record run --workload "$w" --connections "$c" --round "$r" --seconds "$d" \
      --before "$before" --after "$after" --wrk "$out.wrk" --sql "$out.sql" "${rows[@]}"
  fi
  note_result
}

perf_trim() { # drop perf's comment lines, padding and empty IPC columns; cut very long symbols
  grep -v '^#' | sed -E 's/[[:space:]]+-[[:space:]]+-[[:space:]]*$//; s/[[:space:]]+$//' | cut -c1-240 || true
}
profile() { # workload connections seconds: a perf profile of the server under this load
  local w=$1 c=$2 d=$3 dir=$RESULTS/$TS-perf data="$WORK/$1.perf.data" script
  need perf || { log "  perf is missing (apt-get install linux-perf): no profile"; return 0; }
  mkdir -p "$dir"
  script=$(script_of "${w/W4W1/W1}")
  [[ $w == W4W1 ]] && { BENCH_IDS_FILE= BENCH_RUN_ID=$w-perf-w4 run_wrk "$WORK/$w-perf-w4.wrk" w4_login.lua "$c" "$((d + 2))" & }
  taskset -c "$LOAD_CPU" perf record -q -e cpu-clock -F 997 --call-graph dwarf,16384 -p "$SERVER_PID" -o "$data" -- sleep "$d" \
    >"$WORK/$w.perf.log" 2>&1 &
  local perf_pid=$!
  BENCH_IDS_FILE= BENCH_RUN_ID=$w-perf run_wrk "$WORK/$w-perf.wrk" "$script" "$c" "$d" || true
  wait "$perf_pid" || { log "  perf record failed: $(tail -2 "$WORK/$w.perf.log")"; return 0; }
  wait || true
  {
    echo "# perf profile of the server: $w at $c connections for ${d}s (commit $COMMIT, binary $BIN_SHA)"
    echo "# $(grep -o '"requests":[0-9]*' "$WORK/$w-perf.wrk") while profiled; cpu-clock at 997 Hz; async stacks"
    echo "# unwind only partly (DWARF, 16 KiB), so inclusive shares are lower bounds"
    echo
    echo "## self time by shared object"
    perf report -i "$data" --no-children --sort dso --stdio -g none 2>/dev/null | perf_trim | awk 'NF && NR <= 40' || true
    echo
    echo "## self time by function (>= 0.4 %)"
    perf report -i "$data" --no-children --sort symbol --stdio -g none --percent-limit 0.4 2>/dev/null | perf_trim | awk 'NF && NR <= 80' || true
    echo
    echo "## inclusive time of the application's own functions (>= 1 %)"
    perf report -i "$data" --children --sort symbol --stdio -g none --percent-limit 1 2>/dev/null | perf_trim \
      | grep -E 'rakshaayan::|async_graphql::|sea_orm::|sqlx_postgres::|sqlx_core::pool|argon2|serde_json::|jsonwebtoken' | awk 'NR <= 60' || true
  } >"$dir/$w.txt"
  if [[ -n ${BENCH_PERF_KEEP:-} ]]; then mv "$data" "$dir/$w.perf.data"; else rm -f "$data"; fi
  log "  profile: $dir/$w.txt"
}

MAXC=$(tr ' ' '\n' <<<"$CONNS" | sort -n | tail -1)
for w in $WORKLOADS; do
  [[ $w == none ]] && continue
  log "workload $w"
  BENCH_TOKEN=$(login_token bench_patient)
  BENCH_WRITER_TOKEN=$(login_token bench_writer)
  export BENCH_TOKEN BENCH_WRITER_TOKEN
  if [[ $w != W4W1 && $WARMUP -gt 0 ]]; then
    BENCH_RUN_ID=$w-warmup BENCH_IDS_FILE= run_wrk "$WORK/$w-warmup.wrk" "$(script_of "$w")" "$MAXC" "$WARMUP" || true
    if ! grep -q '"failed":0,' "$WORK/$w-warmup.wrk"; then
      log "  warm-up had failures:"; grep -E 'BENCH_RESULT|error' "$WORK/$w-warmup.wrk" | cut -c1-600 >&2
    fi
  fi
  for c in $CONNS; do
    for r in $(seq "$ROUNDS"); do
      kill -0 "$SERVER_PID" 2>/dev/null || { tail -30 "$WORK/server.log" >&2; die "the server died"; }
      measure "$w" "$c" "$r" "$SECS"
    done
  done
  [[ ${BENCH_PERF:-0} == 1 ]] && profile "$w" "$MAXC" "$SECS"
done

callgrind_count() { # workload requests: instructions per request under callgrind
  local w=$1 n=$2 out="$WORK/$1.callgrind" expect lua total
  need valgrind || { log "  valgrind is missing (apt-get install valgrind): no count"; return 0; }
  case $w in
    W1) expect='"username":"bench_patient"' ;; W2) expect='"patient":{"username":"bench_patient"}' ;;
    *) log "  callgrind: only W1 and W2 (read-only) are counted, not $w"; return 0 ;;
  esac
  lua="$BENCH_DIR/lua/$(script_of "$w")"
  stop_server
  local started
  started=$(server_env python3 "$BENCH_DIR/start_server.py" --url "http://127.0.0.1:$PORT/ready" \
    --log "$WORK/server-callgrind.log" --timeout 180 -- taskset -c "$SERVER_CPU" \
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" "$BIN" serve) \
    || die "the server did not start under callgrind"
  SERVER_PID=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["pid"])' "$started")
  BENCH_TOKEN=$(login_token bench_patient)
  python3 "$BENCH_DIR/callgrind_client.py" --url "$URL" --lua "$lua" --token "$BENCH_TOKEN" \
    --requests 20 --expect "$expect" || die "callgrind warm-up of $w failed"
  callgrind_control -z "$SERVER_PID" >/dev/null 2>&1
  callgrind_control -i on "$SERVER_PID" >/dev/null 2>&1
  python3 "$BENCH_DIR/callgrind_client.py" --url "$URL" --lua "$lua" --token "$BENCH_TOKEN" \
    --requests "$n" --expect "$expect" || die "callgrind requests of $w failed"
  callgrind_control -d "$SERVER_PID" >/dev/null 2>&1 # dump what the requests executed
  stop_server
  # "$out.1" is that dump; "$out" (written at exit) holds the shutdown, not counted.
  total=$(awk '/^totals:/ {s += $2} END {print s + 0}' "$out.1")
  [[ $total -gt 0 ]] || die "callgrind counted nothing for $w"
  record callgrind --workload "$w" --requests "$n" --instructions "$total"
  log "  $w: $(python3 -c "print(f'{$total / $n:,.0f}')") instructions per request ($n requests, callgrind)"
  if [[ -n ${BENCH_CALLGRIND_KEEP:-} ]]; then
    mkdir -p "$RESULTS/$TS-callgrind" && mv "$out.1" "$RESULTS/$TS-callgrind/$w.callgrind.out"
    log "  kept: $RESULTS/$TS-callgrind/$w.callgrind.out (callgrind_annotate; not to be committed)"
  fi
  rm -f "$out"*
}

if [[ -n ${BENCH_CALLGRIND:-} ]]; then
  for w in ${BENCH_CALLGRIND_WORKLOADS:-W1 W2}; do
    log "callgrind $w"
    callgrind_count "$w" "$BENCH_CALLGRIND"
  done
fi

log "writing $MD"
python3 "$BENCH_DIR/report.py" "$JSONL" >"$MD"
log "results: $JSONL"
log "         $MD"
grep -c '"level":"ERROR"' "$WORK/server.log" >/dev/null 2>&1 \
  && log "server log: $(grep -c '"level":"ERROR"' "$WORK/server.log") ERROR lines, $(grep -c '"level":"WARN"' "$WORK/server.log") WARN lines"
if [[ $FAILED != 0 ]]; then
  log "FAILED: at least one run had errors (see the table)"
  exit 1
fi
log "all runs passed their response checks"
