#!/usr/bin/env bash
# Resolution benchmarks against baselines; what `make bench` runs.
#
#   tests/bench/run.sh BUILD_DIR
#
# Everything runs in a fresh temp dir on 127.0.0.1 with free ports chosen
# at runtime: a private redis-server, idnode, nginx.  Each benchmark prints
# one JSON line on stdout; all lines also go to tests/bench/out/results.jsonl
# (overwritten per run).  Missed targets are reported, not failed; the exit
# status is non-zero only if a step could not run.  See docs/benchmarks.md.
#
# Environment:
#   BENCH_CLIENTS  concurrent clients/connections        (default 50)
#   BENCH_SECONDS  duration of each measurement          (default 10)
#   BENCH_IDS      identifiers generated and imported    (default 100000)
#   BENCH_HTTP_IDS identifiers served in the HTTP test   (default 10000)
#   BENCH_IMPORT_IDS identifiers in the import_ids CSV   (default 1000000)
#   BENCH_REGISTER_IDS   identifiers register_http sends  (default 200000)
#   BENCH_REGISTER_CLIENTS its concurrent HTTP clients    (default 4)
#   BENCH_EVENT_IDS      identifiers event_append spreads events over
#                        (default 10000, of those register_http made)
#   BENCH_WORKERS  idnode workers and nginx worker processes (default 1:
#                  Redis serves its baseline with one thread, and the load
#                  generator needs the other core of a 2-core machine)
#   BENCH_WARMUP   idbench warm-up seconds, not measured (default 3: fills
#                  the in-process cache for the cache-on runs)
#   BENCH_KEEP=1   keep the temp dir (logs, configs) for inspection
# `make` runs this with sh; re-run under bash.
if [ -z "${BASH_VERSION:-}" ]; then
        exec bash "$0" "$@"
fi
set -u -o pipefail

B=${1:-build/default}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
case $B in /*) ;; *) B=$ROOT/$B ;; esac

C=${BENCH_CLIENTS:-50}
D=${BENCH_SECONDS:-10}
W=${BENCH_WORKERS:-1}
WARMUP=${BENCH_WARMUP:-3}
N=${BENCH_IDS:-100000}
NHTTP=${BENCH_HTTP_IDS:-10000}
NIMP=${BENCH_IMPORT_IDS:-1000000}
NREG=${BENCH_REGISTER_IDS:-200000}
NREGC=${BENCH_REGISTER_CLIENTS:-4}
NEVIDS=${BENCH_EVENT_IDS:-10000}
PREFIX=88.1000.1
HELP="python3 $ROOT/tests/bench/bench.py"
# event_append's body (%d: the path's line number, so bodies differ).
EVENT_BODY='{"stage":"maintenance","location":"bench plant 2, line 3","attrs":{"operatingHours":%d,"faultCode":"E-17"}}'
OUTDIR=$ROOT/tests/bench/out
RESULTS=$OUTDIR/results.jsonl

T=$(mktemp -d "${TMPDIR:-/tmp}/idbench.XXXXXX") || exit 1
REDIS_PID= IDNODE_PID= NGINX_PID= IMP_REDIS_PID=
failed=0

log() { printf '# [%3ds] %s\n' "$SECONDS" "$*" >&2; }

stop_pid() { # stop_pid PID: TERM, wait up to 5 s, then KILL
        local pid=$1 i
        [ -n "$pid" ] || return 0
        kill -TERM "$pid" 2>/dev/null || return 0
        for i in $(seq 50); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return 0
}

cleanup() {
        stop_pid "$NGINX_PID"
        stop_pid "$IDNODE_PID"
        stop_pid "$REDIS_PID"
        stop_pid "$IMP_REDIS_PID"
        if [ "${BENCH_KEEP:-0}" = 1 ]; then
                log "kept $T"
        else
                rm -rf "$T"
        fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { # fail MESSAGE [LOGFILE]: a step that cannot go on
        log "FAILED: $1"
        [ -n "${2:-}" ] && [ -f "$2" ] && tail -n 30 "$2" | sed 's/^/#   /' >&2
        exit 1
}

step_failed() { # a benchmark that could not run; the others still do
        log "FAILED: $1"
        [ -n "${2:-}" ] && [ -f "$2" ] && tail -n 30 "$2" | sed 's/^/#   /' >&2
        failed=1
}

wait_for() { # wait_for SECONDS CMD...: until CMD succeeds
        local deadline=$((SECONDS + $1))
        shift
        until "$@" >/dev/null 2>&1; do
                [ $SECONDS -ge $deadline ] && return 1
                sleep 0.1
        done
}

for tool in redis-server redis-cli redis-benchmark nginx wrk curl python3; do
        command -v $tool >/dev/null || fail "$tool not installed (make deps)"
done
# Private copies: a rebuild during the run must not swap binaries under us.
mkdir -p "$T/bin"
for bin in idnode idctl idbench; do
        [ -x "$B/$bin" ] || fail "$B/$bin not built"
        cp "$B/$bin" "$T/bin/$bin" || fail "copying $B/$bin"
done
B=$T/bin
mkdir -p "$OUTDIR"
: >"$RESULTS"

read -r P_HANDLE P_HTTP P_NGINX < <($HELP ports 3 | tr '\n' ' ')
[ -n "${P_NGINX:-}" ] || fail "no free ports"
log "temp dir $T; ports handle=$P_HANDLE http=$P_HTTP nginx=$P_NGINX;" \
        "clients=$C seconds=$D"
# Other work on the machine skews every number: say so.
check_idle() { # check_idle WHEN
        local busy top
        read -r busy top < <($HELP cpu-busy 1 2>/dev/null) || return 0
        if [ "${busy:-0}" -ge 20 ]; then
                log "WARNING: CPU $busy% busy $1 with no load of ours" \
                        "running (busiest: $top); the numbers will be skewed"
        fi
}
check_idle "before the run"

# ---- 1. Redis ------------------------------------------------------------
# ops/redis.conf as shipped (AOF on, fsync always): the resolution
# benchmarks only read, so AOF only costs during the import.
redis-server "$ROOT/ops/redis.conf" --dir "$T" --unixsocket "$T/redis.sock" \
        --port 0 --logfile "$T/redis.log" &
REDIS_PID=$!
RCLI="redis-cli -s $T/redis.sock"
wait_for 10 $RCLI ping || fail "redis-server did not start" "$T/redis.log"

redis_mem() { $RCLI INFO memory | tr -d '\r' | sed -n 's/^used_memory://p'; }
# True when no AOF rewrite or RDB save is running or scheduled: a forked
# child would compete with the benchmark for the two cores.
redis_quiet() { # redis_quiet [CLI]
        ! ${1:-$RCLI} INFO persistence | tr -d '\r' | grep -qE \
                '^(aof_rewrite_in_progress|aof_rewrite_scheduled|rdb_bgsave_in_progress):1'
}
redis_quiet_imp() { redis_quiet "$ICLI"; }

# ---- 3. idnode config and start ------------------------------------------
# Every client of a benchmark is 127.0.0.1, far past the per-address
# abuse limits: they are off, except in udp_resolve_limits, which sets
# them so high they are never reached to measure what checking costs.
LIMITS_OFF='"limit_udp_rate":0,"limit_tcp_rate":0,"limit_http_rate":0,
 "limit_registry_rate":0,"limit_trace_rate":0,"limit_ent_write_rate":0,
 "limit_tcp_conns_per_addr":0,"limit_http_conns_per_addr":0,
 "udp_amp_factor":0'
LIMITS_HIGH='"limit_udp_rate":10000000,"limit_udp_burst":10000000,
 "limit_tcp_rate":10000000,"limit_tcp_burst":10000000,
 "limit_http_rate":10000000,"limit_http_burst":10000000,
 "limit_tcp_conns_per_addr":100000,"limit_http_conns_per_addr":100000,
 "udp_amp_factor":4'
write_config() { # write_config CACHE(true|false) [LIMITS]
        cat >"$T/idnode.json" <<EOF
{"workers":$W,"handle_bind":"127.0.0.1","handle_port":$P_HANDLE,
 "http_bind":"127.0.0.1","http_port":$P_HTTP,
 "admin_port":0,"redis_socket":"$T/redis.sock","log_level":"warn",
 ${2:-$LIMITS_OFF},"cache":$1}
EOF
}

http_status() { $HELP http-status "http://127.0.0.1:$P_HTTP$1"; }
http_up() { [ "$(http_status /api/handles/$PREFIX/READY-PROBE)" != 000 ]; }
http_has_first() { [ "$(http_status "/api/handles/$FIRST")" = 200 ]; }

start_idnode() { # start_idnode CACHE [LIMITS]
        write_config "$1" "${2:-}"
        "$B/idnode" -c "$T/idnode.json" 2>>"$T/idnode.log" &
        IDNODE_PID=$!
        wait_for 15 http_up || fail "idnode did not answer HTTP" "$T/idnode.log"
}

restart_idnode() { # restart_idnode CACHE [LIMITS]: and wait for the data
        stop_pid "$IDNODE_PID"
        IDNODE_PID=
        log "restarting idnode with cache=$1"
        start_idnode "$1" "${2:-}"
        wait_for 15 http_has_first ||
                fail "idnode does not serve $FIRST after restart" "$T/idnode.log"
}

# ---- 2. data, import, memory per identifier ------------------------------
log "generating $N identifiers"
python3 tests/data/gen_handles.py --count "$N" --prefix "$PREFIX" \
        --out "$T/handles.jsonl" --list "$T/handles.txt" \
        --stats "$T/raw.json" || fail "gen_handles.py"
FIRST=$(head -n 1 "$T/handles.txt")

# idnode runs during the import so an idctl that goes through it works too.
start_idnode true
sleep 0.2
MEM_BEFORE=$(redis_mem)
log "importing (used_memory before: $MEM_BEFORE)"
t0=$(date +%s.%N)
"$B/idctl" -c "$T/idnode.json" import "$T/handles.jsonl" </dev/null \
        >"$T/import.log" 2>&1 || fail "idctl import" "$T/import.log"
t1=$(date +%s.%N)
sleep 0.5
wait_for 60 redis_quiet
MEM_AFTER=$(redis_mem)
log "used_memory after: $MEM_AFTER; keys: $($RCLI DBSIZE)"
$HELP memory "$MEM_BEFORE" "$MEM_AFTER" "$T/raw.json" "$N" \
        "$(python3 -c "print($t1 - $t0)")" "<=1.5" "$RESULTS"
wait_for 15 http_has_first ||
        fail "idnode does not serve $FIRST after import" "$T/idnode.log"

# ---- 4a. Redis baseline --------------------------------------------------
# The keys redis-benchmark -r reads, with values as large as the raw data
# of one identifier, so a GET moves about as many bytes as a resolution.
VSIZE=$(python3 -c "import json;print(round(json.load(open('$T/raw.json'))['raw_bytes_per_id']))")
$HELP populate "$N" "$VSIZE" | $RCLI --pipe >"$T/populate.log" 2>&1 ||
        fail "populating baseline keys" "$T/populate.log"
sleep 1 # let a rewrite triggered by the writes above start
wait_for 120 redis_quiet || log "WARNING: Redis is still rewriting its AOF"
check_idle "before redis-benchmark"
redis-benchmark -s "$T/redis.sock" -t get -c "$C" -n 20000 -r "$N" \
        -d "$VSIZE" --csv >"$T/rb-cal.csv" 2>/dev/null ||
        fail "redis-benchmark calibration"
RB_N=$(python3 -c "import json,subprocess,sys
r=json.loads(subprocess.check_output(sys.argv[1:]))
print(max(20000, int(r['ops_per_s'] * $D)))" $HELP redis-csv "$T/rb-cal.csv")
log "redis-benchmark GET, $RB_N requests"
redis-benchmark -s "$T/redis.sock" -t get -c "$C" -n "$RB_N" -r "$N" \
        -d "$VSIZE" --csv >"$T/rb.csv" 2>/dev/null || fail "redis-benchmark"
$HELP redis-csv "$T/rb.csv" >"$T/rb.json" || fail "parsing redis-benchmark"

# ---- 4b. Handle protocol -------------------------------------------------
run_idbench() { # run_idbench NAME PROTO TARGET
        check_idle "before $1"
        log "idbench $1"
        if "$B/idbench" --proto "$2" --server "127.0.0.1:$P_HANDLE" \
                --clients "$C" --duration "$D" --handles "$T/handles.txt" \
                --warmup "$WARMUP" --name "$1" >"$T/$1.json" 2>"$T/$1.err"; then
                $HELP result "$1" "$T/$1.json" "redis-benchmark GET" \
                        "$T/rb.json" "$3" "$RESULTS"
                grep -q '"ops":0,' "$T/$1.json" &&
                        step_failed "$1: no successful answer while measuring"
        else
                step_failed "idbench $1: $(cat "$T/$1.json")" "$T/idnode.log"
        fi
}

run_idbench udp_resolve udp ">=1.5"
run_idbench tcp_resolve tcp ">=1.0"

# ---- 4b'. the abuse limits' cost: limits on (never reached) vs off ----------
restart_idnode true "$LIMITS_HIGH"
check_idle "before udp_resolve_limits"
log "idbench udp_resolve_limits"
if "$B/idbench" --proto udp --server "127.0.0.1:$P_HANDLE" \
        --clients "$C" --duration "$D" --handles "$T/handles.txt" \
        --warmup "$WARMUP" --name udp_resolve_limits \
        >"$T/udp_resolve_limits.json" 2>"$T/udp_resolve_limits.err"; then
        $HELP result udp_resolve_limits "$T/udp_resolve_limits.json" \
                "udp_resolve (limits off)" "$T/udp_resolve.json" ">=0.95" \
                "$RESULTS"
else
        step_failed "idbench udp_resolve_limits" "$T/idnode.log"
fi
restart_idnode true
# ---- 4f. recursive resolution (docs/federation.md) ------------------------
# A second idnode, node A (node_prefix 88.2000, the same Redis), resolves
# the bench identifiers upstream.  The first one plays both the top-level
# node (0.NA/88.1000.1: a prefix record pointing at itself) and the node
# holding them.  recursive_cached: A answers from its cache, for 1000 of
# the identifiers (what the warm-up can fill), against the bench node
# answering the same 1000 from its cache; recursive_miss: A with
# "cache": false asks twice per resolution (the prefix's site, then the
# handle), against udp_resolve: the same identifiers asked of the node
# holding them.
write_config_a() { # write_config_a CACHE
        cat >"$T/idnode-a.json" <<EOF
{"workers":$W,"handle_bind":"127.0.0.1","handle_port":$P_A_HANDLE,
 "http_bind":"127.0.0.1","http_port":$P_A_HTTP,
 "admin_port":0,"redis_socket":"$T/redis.sock","log_level":"warn",
 "cache":$1,"node_prefix":"88.2000","recursion":true,
 "upstream":"127.0.0.1:$P_HANDLE"}
EOF
}

a_up() { [ "$($HELP http-status "http://127.0.0.1:$P_A_HTTP/healthz")" = 200 ]; }

run_recursive() { # run_recursive NAME CACHE TARGET HANDLES BASELINE
        local pid
        write_config_a "$2"
        "$B/idnode" -c "$T/idnode-a.json" 2>>"$T/idnode-a.log" &
        pid=$!
        if ! wait_for 15 a_up; then
                step_failed "$1: node A did not start" "$T/idnode-a.log"
                stop_pid "$pid"
                return
        fi
        check_idle "before $1"
        log "idbench $1"
        if "$B/idbench" --proto udp --server "127.0.0.1:$P_A_HANDLE" \
                --clients "$C" --duration "$D" --handles "$4" \
                --warmup "$WARMUP" --name "$1" >"$T/$1.json" 2>"$T/$1.err"; then
                $HELP result "$1" "$T/$1.json" "udp_resolve" \
                        "$5" "$3" "$RESULTS"
                grep -q '"ops":0,' "$T/$1.json" &&
                        step_failed "$1: no successful answer while measuring"
        else
                step_failed "idbench $1: $(cat "$T/$1.json")" "$T/idnode-a.log"
        fi
        stop_pid "$pid"
}

read -r P_A_HANDLE P_A_HTTP < <($HELP ports 2 | tr '\n' ' ')
$RCLI HSET "pfx:{$PREFIX}" state 1 proxy 1 ipType 4 ip 127.0.0.1 \
        tcpPort "$P_HANDLE" udpPort "$P_HANDLE" >/dev/null
head -n 1000 "$T/handles.txt" >"$T/handles-1k.txt"
check_idle "before the 1000-identifier baseline"
"$B/idbench" --proto udp --server "127.0.0.1:$P_HANDLE" --clients "$C" \
        --duration "$D" --handles "$T/handles-1k.txt" --warmup "$WARMUP" \
        --name udp_resolve_1k >"$T/udp_resolve_1k.json" 2>/dev/null ||
        step_failed "idbench udp_resolve_1k: $(cat "$T/udp_resolve_1k.json")"
run_recursive recursive_cached true ">=0.9" "$T/handles-1k.txt" \
        "$T/udp_resolve_1k.json"
run_recursive recursive_miss false ">=0.3" "$T/handles.txt" \
        "$T/udp_resolve.json"
$RCLI DEL "pfx:{$PREFIX}" >/dev/null

# ---- 4e. trace_down_depth5 ------------------------------------------------
# A downstream tree (a batch, 10 lots, 100 parts, 1000 products, each
# linked to its parent as registry/link stores links), loaded straight
# into Redis.  One GET /api/trace of the whole tree at a time, against one
# client resolving the same identifiers one by one over UDP.
run_trace() {
        local root depth=5 n
        log "loading the trace tree"
        $HELP trace-tree 88.1002.1 10 3 "$T/tree.txt" |
                $RCLI --pipe >"$T/tree.log" 2>&1 ||
                { step_failed "loading the trace tree" "$T/tree.log"; return; }
        n=$(wc -l <"$T/tree.txt")
        root=$(head -n 1 "$T/tree.txt")
        $HELP trace-check "$P_HTTP" "$root" "$depth" "$n" 2>"$T/trace-check.err" ||
                { step_failed "trace of $root" "$T/trace-check.err"; return; }
        check_idle "before trace_down_depth5"
        log "idbench one client, $n tree identifiers one by one"
        "$B/idbench" --proto udp --server "127.0.0.1:$P_HANDLE" --clients 1 \
                --duration "$D" --handles "$T/tree.txt" --warmup "$WARMUP" \
                --name trace_baseline >"$T/trace-base.json" 2>"$T/trace-base.err" ||
                { step_failed "idbench trace baseline" "$T/trace-base.err"; return; }
        log "one connection, GET /api/trace/$root?direction=down&depth=$depth"
        $HELP trace-load "$P_HTTP" \
                "/api/trace/$root?direction=down&depth=$depth" "$WARMUP" "$D" \
                "$T/trace-load.json" 2>"$T/trace-load.err" ||
                { step_failed "trace queries" "$T/trace-load.err"; return; }
        $HELP trace-result trace_down_depth5 "$T/trace-load.json" \
                "$T/trace-base.json" "$n" ">=5" "$RESULTS"
}
run_trace

# ---- 4c. HTTP ------------------------------------------------------------
log "fetching $NHTTP documents for the nginx docroot"
mkdir -p "$T/docroot" "$T/nginx/tmp"
if $HELP fetch 127.0.0.1 "$P_HTTP" "$T/handles.txt" "$NHTTP" \
        "$T/docroot" "$T/paths.txt"; then
        user_line=
        [ "$(id -u)" = 0 ] && user_line="user root;"
        cat >"$T/nginx/nginx.conf" <<EOF
$user_line
worker_processes $W;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events { worker_connections 4096; }
http {
        access_log off;
        sendfile on;
        tcp_nopush on;
        tcp_nodelay on;
        keepalive_timeout 65;
        keepalive_requests 1000000;
        types { }
        default_type application/json;
        client_body_temp_path $T/nginx/tmp/body;
        proxy_temp_path $T/nginx/tmp/proxy;
        fastcgi_temp_path $T/nginx/tmp/fastcgi;
        uwsgi_temp_path $T/nginx/tmp/uwsgi;
        scgi_temp_path $T/nginx/tmp/scgi;
        server {
                listen 127.0.0.1:$P_NGINX;
                root $T/docroot;
        }
}
EOF
        nginx -p "$T/nginx" -e "$T/nginx/error.log" -c "$T/nginx/nginx.conf" \
                -g 'daemon off;' &
        NGINX_PID=$!
        FIRST_PATH=$(head -n 1 "$T/paths.txt")
        nginx_ok() { [ "$($HELP http-status "http://127.0.0.1:$P_NGINX$FIRST_PATH")" = 200 ]; }
        if wait_for 10 nginx_ok; then
                run_wrk() { # run_wrk PORT OUT
                        BENCH_PATHS=$T/paths.txt wrk -t2 -c "$C" -d "${D}s" \
                                --latency -s "$ROOT/tests/bench/paths.lua" \
                                "http://127.0.0.1:$1" >"$2.txt" 2>&1 &&
                                $HELP wrk "$2.txt" >"$2.json"
                }
                check_idle "before wrk"
                log "wrk nginx"
                if run_wrk "$P_NGINX" "$T/wrk-nginx"; then
                        stop_pid "$NGINX_PID"
                        NGINX_PID=
                        log "wrk idnode"
                        if run_wrk "$P_HTTP" "$T/wrk-idnode"; then
                                $HELP result http_resolve "$T/wrk-idnode.json" \
                                        "nginx static" "$T/wrk-nginx.json" \
                                        ">=0.8" "$RESULTS"
                        else
                                step_failed "wrk idnode" "$T/wrk-idnode.txt"
                        fi
                else
                        step_failed "wrk nginx" "$T/wrk-nginx.txt"
                fi
        else
                step_failed "nginx did not serve $FIRST_PATH" \
                        "$T/nginx/error.log"
        fi
        stop_pid "$NGINX_PID"
        NGINX_PID=
else
        step_failed "fetching documents from idnode" "$T/idnode.log"
fi

# ---- 4d. Handle protocol without the in-process cache ---------------------
restart_idnode false
run_idbench udp_resolve_nocache udp ">=1.0"

# ---- 6. register_http (called with the import_ids Redis running) ---------
# The SNMS API end to end: an enterprise applies, a reviewer approves,
# the enterprise posts the template, then BENCH_REGISTER_CLIENTS clients
# send batchCreate calls of 1000 identifiers (the import_ids template, 6
# values each) to idnode on the same fsync-always Redis.
run_register_http() {
        RPFX=88.1001.7
        log "generating $NREG identifiers for register_http"
        python3 tests/data/gen_import.py --count "$NREG" --prefix "$RPFX" \
                --jsonl "$T/reg.jsonl" --template "$T/reg-tpl.json" ||
                { step_failed "gen_import.py for register_http"; return; }
        cat >"$T/reg.json" <<EOF
{"workers":$W,"handle_bind":"127.0.0.1","handle_port":$P_HANDLE,
 "http_bind":"127.0.0.1","http_port":$P_HTTP,"node_prefix":"88.1001",
 "admin_port":0,"redis_socket":"$T/imp/redis.sock","log_level":"warn",
 $LIMITS_OFF}
EOF
        : >"$T/reg-accounts"
        for spec in "bench-ent enterprise 91110000600037341L" \
                "bench-rev reviewer"; do
                set -- $spec
                pw=$(od -An -N9 -tx1 /dev/urandom | tr -d ' \n')
                printf '%s\n' "$pw" | "$B/idctl" -c "$T/reg.json" user add \
                        "$1" --role "$2" ${3:+--enterprise "$3"} >/dev/null ||
                        { step_failed "idctl user add $1"; return; }
                echo "$1 $pw" >>"$T/reg-accounts"
        done
        "$B/idnode" -c "$T/reg.json" 2>>"$T/idnode.log" &
        IDNODE_PID=$!
        wait_for 15 http_up || { step_failed "idnode for register_http" \
                "$T/idnode.log"; return; }
        check_idle "before register_http"
        log "register_http: $NREG identifiers, batches of 1000," \
                "$NREGC clients"
        if $HELP register-http "$P_HTTP" "$T/reg-accounts" "$RPFX" \
                "$T/reg-tpl.json" "$T/reg.jsonl" 1000 "$NREGC" \
                "$T/register.json"; then
                $HELP register-result "$T/register.json" ">=0.1" "$RESULTS"
        else
                step_failed "register_http" "$T/idnode.log"
        fi
        stop_pid "$IDNODE_PID"
        IDNODE_PID=
}

# ---- 7. event_append (after register_http, on its Redis) -----------------
# POST /api/events/{handle} from BENCH_CLIENTS wrk connections with the
# enterprise's bearer token: a maintenance event on one of the first
# BENCH_EVENT_IDS register_http identifiers each.  Baseline: redis-benchmark
# XADD of an entry with the same fields, same clients, same Redis (AOF,
# fsync always).
run_event_append() {
        local before after rb_n
        [ -s "$T/reg-accounts" ] && [ -s "$T/reg.jsonl" ] ||
                { step_failed "event_append: register_http did not run"; return; }
        "$B/idnode" -c "$T/reg.json" 2>>"$T/idnode.log" &
        IDNODE_PID=$!
        wait_for 15 http_up || { step_failed "idnode for event_append" \
                "$T/idnode.log"; return; }
        EV_TOKEN=$($HELP event-setup "$P_HTTP" "$T/reg-accounts" \
                "$T/reg.jsonl" "$NEVIDS" "$T/ev-paths.txt") ||
                { step_failed "event_append: login"; return; }
        before=$($HELP event-count "$T/imp/redis.sock" "$T/ev-paths.txt") ||
                { step_failed "event_append: counting events"; return; }
        wait_for 120 redis_quiet_imp ||
                log "WARNING: Redis is still rewriting its AOF"
        check_idle "before event_append"
        log "wrk event_append: $NEVIDS identifiers, $C connections"
        if ! BENCH_PATHS=$T/ev-paths.txt BENCH_TOKEN=$EV_TOKEN \
                BENCH_BODY="$EVENT_BODY" wrk -t2 \
                -c "$C" -d "${D}s" --latency -s "$ROOT/tests/bench/paths.lua" \
                "http://127.0.0.1:$P_HTTP" >"$T/wrk-events.txt" 2>&1 ||
                ! $HELP wrk "$T/wrk-events.txt" >"$T/wrk-events.json"; then
                step_failed "wrk event_append" "$T/wrk-events.txt"
                stop_pid "$IDNODE_PID"
                IDNODE_PID=
                return
        fi
        stop_pid "$IDNODE_PID"
        IDNODE_PID=
        after=$($HELP event-count "$T/imp/redis.sock" "$T/ev-paths.txt")
        log "event_append: $((after - before)) events stored"
        # The fields idnode stores for these events, as long, without the
        # quotes and commas redis-benchmark's CSV would not escape.
        set -- XADD "bench:ev:{88.1001.7/__rand_int__}" "*" s maintenance \
                t 1772359200000 e 91110000600037341L b bench-ent \
                l "bench plant 2: line 3" \
                a '{:operatingHours::12345;:faultCode:::E-17:}'
        wait_for 120 redis_quiet_imp ||
                log "WARNING: Redis is still rewriting its AOF"
        check_idle "before redis-benchmark XADD"
        redis-benchmark -s "$T/imp/redis.sock" -c "$C" -n 20000 \
                -r "$NEVIDS" --csv "$@" >"$T/rb-xadd-cal.csv" 2>/dev/null ||
                { step_failed "redis-benchmark XADD calibration"; return; }
        rb_n=$(python3 -c "import json,subprocess,sys
r=json.loads(subprocess.check_output(sys.argv[1:]))
print(max(20000, int(r['ops_per_s'] * $D)))" $HELP redis-csv \
                "$T/rb-xadd-cal.csv" XADD) ||
                { step_failed "redis-benchmark XADD calibration"; return; }
        log "redis-benchmark XADD, $rb_n requests"
        if redis-benchmark -s "$T/imp/redis.sock" -c "$C" -n "$rb_n" \
                -r "$NEVIDS" --csv "$@" >"$T/rb-xadd.csv" 2>/dev/null &&
                $HELP redis-csv "$T/rb-xadd.csv" XADD >"$T/rb-xadd.json"; then
                $HELP event-result "$T/wrk-events.json" "$T/rb-xadd.json" \
                        "$((after - before))" ">=0.05" "$RESULTS"
        else
                step_failed "redis-benchmark XADD"
        fi
}

# ---- 5. import_ids -------------------------------------------------------
# idctl import of a CSV against a 6-item template into a fresh Redis run
# from ops/redis.conf (AOF, fsync always: every acknowledged write is on
# disk), then redis-benchmark HSET -P 100 on that same Redis.
stop_pid "$IDNODE_PID"
IDNODE_PID=
IPFX=88.1000.2
log "generating $NIMP identifiers for import_ids"
if python3 tests/data/gen_import.py --count "$NIMP" --prefix "$IPFX" \
        --csv "$T/import.csv" --template "$T/import-tpl.json"; then
        mkdir -p "$T/imp"
        redis-server "$ROOT/ops/redis.conf" --dir "$T/imp" \
                --unixsocket "$T/imp/redis.sock" --port 0 \
                --logfile "$T/imp/redis.log" &
        IMP_REDIS_PID=$!
        ICLI="redis-cli -s $T/imp/redis.sock"
        wait_for 10 $ICLI ping || fail "import redis did not start" \
                "$T/imp/redis.log"
        for want in "appendonly yes" "appendfsync always"; do
                set -- $want
                [ "$($ICLI CONFIG GET "$1" | tail -n 1)" = "$2" ] ||
                        fail "ops/redis.conf: $1 is not $2"
        done
        $ICLI HSET "pfx:{$IPFX}" ent 91350100M000100Y43 state 1 proxy 4 \
                c "$(date +%s)" >/dev/null
        $ICLI SET "tpl:{$IPFX}:equip-v1" "$(cat "$T/import-tpl.json")" >/dev/null
        printf '{"redis_socket":"%s"}\n' "$T/imp/redis.sock" >"$T/import.json"
        check_idle "before import_ids"
        log "idctl import of $NIMP identifiers (CSV, fsync always)"
        t0=$(date +%s.%N)
        if "$B/idctl" -c "$T/import.json" import --format csv \
                --template equip-v1 "$T/import.csv" </dev/null \
                >"$T/import-ids.log" 2>&1; then
                t1=$(date +%s.%N)
                log "$(tail -n 1 "$T/import-ids.log")"
                log "keys: $($ICLI DBSIZE)," \
                        "$($ICLI INFO persistence | tr -d '\r' | grep '^aof_rewrites:')"
                sleep 0.5
                wait_for 120 redis_quiet_imp ||
                        log "WARNING: Redis is still rewriting its AOF"
                check_idle "before redis-benchmark HSET"
                log "redis-benchmark HSET -P 100"
                if redis-benchmark -s "$T/imp/redis.sock" -t hset -P 100 \
                        -c "$C" -n 2000000 -r 1000000 --csv \
                        >"$T/rb-hset.csv" 2>/dev/null &&
                        $HELP redis-csv "$T/rb-hset.csv" HSET >"$T/rb-hset.json"; then
                        $HELP import "$T/import-ids.log" \
                                "$(python3 -c "print($t1 - $t0)")" \
                                "$T/rb-hset.json" ">=100000" "$RESULTS"
                else
                        step_failed "redis-benchmark HSET"
                fi
        else
                step_failed "idctl import for import_ids" "$T/import-ids.log"
        fi
        run_register_http
        run_event_append
        stop_pid "$IMP_REDIS_PID"
        IMP_REDIS_PID=
else
        step_failed "gen_import.py"
fi

$HELP summary "$RESULTS"
if grep -qE 'AddressSanitizer|runtime error:' "$T/idnode.log" 2>/dev/null; then
        step_failed "sanitizer report in idnode.log" "$T/idnode.log"
fi
exit $failed
